/**
 * The little HTTP the control API needs: bounded JSON request bodies and JSON responses.
 * Bodies larger than MAX_BODY_BYTES are refused before they are buffered.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { describeIssues, formatIssues, schemaErrorMap } from "../config-schema.js";

/** The largest request body: an LWIP ADDITION REQUEST is a few hundred octets. */
export const MAX_BODY_BYTES = 16 * 1024;

/** A request the API refuses before any procedure runs, as an HTTP status and a message. */
export interface HttpRefusal {
  readonly status: number;
  readonly error: string;
  /** The first offending field, when a schema check failed. */
  readonly field?: string;
}

export type BodyResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: HttpRefusal };

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { "cache-control": "no-store" });
  res.end();
}

export function sendRefusal(res: ServerResponse, r: HttpRefusal): void {
  sendJson(res, r.status, r.field === undefined ? { error: r.error } : { error: r.error, field: r.field });
}

function readText(req: IncomingMessage): Promise<BodyResult<string>> {
  const tooLarge: BodyResult<string> = { ok: false, refusal: { status: 413, error: `body larger than ${MAX_BODY_BYTES} octets` } };
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        resolve(tooLarge);
      } else chunks.push(chunk);
    });
    req.on("end", () => {
      const all = Buffer.concat(chunks);
      const text = all.toString("utf8");
      // The body may carry an LWIP-PSK: wipe the buffers we own (the string is beyond reach).
      all.fill(0);
      for (const c of chunks) c.fill(0);
      resolve({ ok: true, value: text });
    });
    req.on("error", () => resolve({ ok: false, refusal: { status: 400, error: "request body not received" } }));
  });
}

/** Reads a JSON body and checks it against `schema`; a refusal names the first bad field. */
export async function readJsonBody<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<BodyResult<z.output<S>>> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) return { ok: false, refusal: { status: 415, error: "content-type must be application/json" } };
  const text = await readText(req);
  if (!text.ok) return text;
  let data: unknown;
  try {
    data = JSON.parse(text.value);
  } catch {
    return { ok: false, refusal: { status: 400, error: "body is not valid JSON" } };
  }
  const parsed = schema.safeParse(data, { error: schemaErrorMap });
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = describeIssues(parsed.error);
  return { ok: false, refusal: { status: 400, error: formatIssues(issues, 5).replace(/\n/g, "; "), field: issues[0]?.path ?? "" } };
}
