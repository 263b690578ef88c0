/**
 * A client of the control API, as an eNB (or `lwip segw ctl`) uses it: HTTPS with TLS 1.3 and
 * the eNB's client certificate, the server checked against the given CA and its name in the URL.
 */
import { request } from "node:https";
import type { IncomingMessage } from "node:http";

export interface ControlClientOptions {
  /** Base URL, e.g. https://198.18.0.1:8443 */
  readonly api: string;
  /** PEM texts: the eNB's certificate and key, and the CA that issued the SeGW's certificate. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  /** PEM CRLs of `ca`: a SeGW certificate on them fails the TLS handshake (OpenSSL then wants a CRL from every issuer). */
  readonly crl?: string | undefined;
}

export interface ApiResponse {
  readonly status: number;
  /** The parsed JSON body, or undefined when there is none. */
  readonly body: unknown;
}

/** One Server-Sent Event as received: its event name and parsed data. */
export interface StreamEvent {
  readonly type: string;
  readonly data: unknown;
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { error: `response is not JSON: ${text.slice(0, 80)}` };
  }
}

/** Splits complete SSE blocks off `buffer`, returning the events and what remains. */
export function parseSseBlocks(buffer: string): { events: StreamEvent[]; rest: string } {
  const blocks = buffer.split("\n\n");
  const rest = blocks.pop() ?? "";
  const events: StreamEvent[] = [];
  for (const block of blocks) {
    let type = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) type = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) events.push({ type, data: parseJson(data.join("\n")) });
  }
  return { events, rest };
}

export class ControlApiClient {
  private readonly base: URL;

  constructor(private readonly opts: ControlClientOptions) {
    this.base = new URL(opts.api);
    if (this.base.protocol !== "https:") throw new TypeError(`the control API URL must be https: ${opts.api}`);
  }

  private open(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        cert: this.opts.cert,
        key: this.opts.key,
        ca: this.opts.ca,
        ...(this.opts.crl === undefined ? {} : { crl: this.opts.crl }),
        minVersion: "TLSv1.3",
        agent: false,
        headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        ...(signal ? { signal } : {}),
      });
      req.on("response", resolve);
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** Sends one request and reads the whole JSON answer. @throws Error on connection or TLS failure. */
  async call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const res = await this.open(method, path, body);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) throw new Error("response too large");
      chunks.push(chunk);
    }
    return { status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks).toString("utf8")) };
  }

  /**
   * Reads GET /xwap/v1/events, calling onEvent for each event, until `signal` aborts (resolves)
   * or the stream ends. onOpen runs once the SeGW accepted the stream (200), before any event. A
   * refusal resolves with its status and body. @throws Error on connection failure.
   */
  async events(onEvent: (e: StreamEvent) => void, signal: AbortSignal, onOpen?: () => void): Promise<ApiResponse> {
    let res: IncomingMessage;
    try {
      res = await this.open("GET", "/xwap/v1/events", undefined, signal);
    } catch (e) {
      if (signal.aborted) return { status: 0, body: undefined };
      throw e;
    }
    if (res.statusCode !== 200) {
      const text = await new Promise<string>((resolve) => {
        let t = "";
        res.on("data", (c: Buffer) => (t += c.toString("utf8")));
        res.on("end", () => resolve(t));
      });
      return { status: res.statusCode ?? 0, body: parseJson(text) };
    }
    onOpen?.();
    let buffer = "";
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        const parsed = parseSseBlocks(buffer + chunk.toString("utf8"));
        buffer = parsed.rest;
        parsed.events.forEach(onEvent);
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    }
    return { status: 200, body: undefined };
  }
}
