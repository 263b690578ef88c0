/**
 * `lwip segw ctl <provision|release|confirm|list|events> --api <https url> --cert <pem> --key <pem> --ca <pem> ...`:
 * the eNB side of the SeGW control API (docs/openapi.yaml) for scripts, tests and the demo.
 * Answers are JSON on stdout (one line each); a refusal or failure is one line on stderr and
 * exit code 1.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ControlApiClient, type ApiResponse } from "../segw/control-api/client.js";
import { fromHex, toHex } from "../wire/hex.js";
import { UsageError } from "./usage-error.js";

const HELP = `usage: lwip segw ctl <command> --api <https url> --cert <pem> --key <pem> --ca <pem> [options]
commands:
  provision --idi <hex> --psk <64 hex | -> [--window <s>] [--enb-ue-xwap-id <6 hex>]
            [--ue-identity <mac>] [--gtp-address <ip> --gtp-teid <8 hex>]
                 LWIP ADDITION REQUEST; prints the ACKNOWLEDGE. --psk - reads the PSK from stdin.
  release   --idi <hex> | --wt-ue-xwap-id <6 hex> [--enb-ue-xwap-id <6 hex>]
                 LWIP RELEASE REQUEST
  confirm   --wt-ue-xwap-id <6 hex> --enb-ue-xwap-id <6 hex>
                 LWIP RELEASE CONFIRM (answer to lwip-release-required)
  list           this eNB's UEs, one JSON line each
  events         this eNB's events, one JSON line each, until interrupted`;

/** Where the command reads and writes; tests pass their own. */
export interface CtlIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly readStdin: () => Promise<string>;
  /** What ends `events` (SIGINT by default); asked for only by that command. */
  readonly interrupt: () => AbortSignal;
}

const OPTIONS = {
  api: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  ca: { type: "string" },
  idi: { type: "string" },
  psk: { type: "string" },
  window: { type: "string" },
  "enb-ue-xwap-id": { type: "string" },
  "wt-ue-xwap-id": { type: "string" },
  "ue-identity": { type: "string" },
  "gtp-address": { type: "string" },
  "gtp-teid": { type: "string" },
  help: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>["values"];

function required(values: Values, name: "api" | "cert" | "key" | "ca" | "idi" | "psk"): string {
  const v = values[name];
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

/** A hex option of `octets` octets (any length >= 1 when undefined), as hex text. */
function hexOption(values: Values, name: keyof Values, octets?: number): string | undefined {
  const v = values[name];
  if (typeof v !== "string") return undefined;
  const bytes = fromHex(v);
  if (!bytes || bytes.length === 0 || (octets !== undefined && bytes.length !== octets)) {
    throw new UsageError(`--${name} must be ${octets === undefined ? "hex digits" : `${2 * octets} hex digits`}`);
  }
  return v.toLowerCase();
}

function readPem(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new CtlError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** A failure to report on one line with exit code 1. */
class CtlError extends Error {}

function randomHex(octets: number): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(octets)));
}

async function provisionBody(values: Values, io: CtlIo): Promise<unknown> {
  const idi = hexOption(values, "idi");
  if (idi === undefined) throw new UsageError("--idi is required");
  const pskText = required(values, "psk");
  const psk = pskText === "-" ? (await io.readStdin()).trim() : pskText;
  const pskBytes = fromHex(psk);
  if (!pskBytes || pskBytes.length !== 32) throw new UsageError("--psk must be 64 hex digits (or - to read them from stdin)");
  const window = values.window === undefined ? undefined : /^\d{1,5}$/.test(values.window) ? Number(values.window) : NaN;
  if (Number.isNaN(window)) throw new UsageError("--window must be a number of seconds");
  const address = values["gtp-address"];
  const teid = hexOption(values, "gtp-teid", 4);
  if ((address === undefined) !== (teid === undefined)) throw new UsageError("--gtp-address and --gtp-teid go together");
  // A locally administered unicast MAC (IEEE 802: bit 1 set, bit 0 clear) when the UE's is not given.
  const mac = values["ue-identity"] ?? `02${randomHex(5)}`;
  return {
    enbUeXwapId: hexOption(values, "enb-ue-xwap-id", 3) ?? randomHex(3),
    ueIdentity: mac,
    lwipSegwSecurityInformation: { lwipPsk: psk.toLowerCase(), ikeInitiatorIdentity: idi },
    ...(address !== undefined && teid !== undefined ? { enbGtpTunnelEndpoint: { transportLayerAddress: address, gtpTeid: teid } } : {}),
    ...(window !== undefined ? { windowSeconds: window } : {}),
  };
}

function releaseBody(values: Values): unknown {
  const idi = hexOption(values, "idi");
  const wt = hexOption(values, "wt-ue-xwap-id", 3);
  if ((idi === undefined) === (wt === undefined)) throw new UsageError("release takes exactly one of --idi and --wt-ue-xwap-id");
  const enbUeXwapId = hexOption(values, "enb-ue-xwap-id", 3);
  return { ...(wt !== undefined ? { wtUeXwapId: wt } : { ikeInitiatorIdentity: idi }), ...(enbUeXwapId !== undefined ? { enbUeXwapId } : {}) };
}

function confirmBody(values: Values): unknown {
  const wtUeXwapId = hexOption(values, "wt-ue-xwap-id", 3);
  const enbUeXwapId = hexOption(values, "enb-ue-xwap-id", 3);
  if (wtUeXwapId === undefined || enbUeXwapId === undefined) throw new UsageError("confirm takes --wt-ue-xwap-id and --enb-ue-xwap-id");
  return { enbUeXwapId, wtUeXwapId };
}

/** The refusal as one line: status, XwAP cause if any, and the server's error text. */
function refusalLine(what: string, r: ApiResponse): string {
  const body = (typeof r.body === "object" && r.body !== null ? r.body : {}) as { error?: unknown; cause?: { type?: unknown; value?: unknown } };
  const cause = body.cause ? ` ${String(body.cause.type)}/${String(body.cause.value)}` : "";
  return `${what} refused (HTTP ${r.status})${cause}: ${typeof body.error === "string" ? body.error : "no details"}`;
}

async function runCommand(verb: string, values: Values, client: ControlApiClient, io: CtlIo): Promise<number> {
  const post = async (what: string, path: string, body: unknown, print: boolean): Promise<number> => {
    const r = await client.call("POST", path, body);
    if (r.status < 200 || r.status > 299) throw new CtlError(refusalLine(what, r));
    if (print) io.out(JSON.stringify(r.body));
    return 0;
  };
  switch (verb) {
    case "provision":
      return post("LWIP ADDITION REQUEST", "/xwap/v1/lwip-addition-request", await provisionBody(values, io), true);
    case "release":
      return post("LWIP RELEASE REQUEST", "/xwap/v1/lwip-release-request", releaseBody(values), false);
    case "confirm":
      return post("LWIP RELEASE CONFIRM", "/xwap/v1/lwip-release-confirm", confirmBody(values), false);
    case "list": {
      const r = await client.call("GET", "/xwap/v1/ues");
      if (r.status !== 200) throw new CtlError(refusalLine("listing", r));
      for (const ue of (r.body as { ues?: unknown[] }).ues ?? []) io.out(JSON.stringify(ue));
      return 0;
    }
    case "events": {
      const interrupt = io.interrupt();
      const r = await client.events((e) => io.out(JSON.stringify(e.data)), interrupt);
      if (r.status !== 200 && r.status !== 0) throw new CtlError(refusalLine("event stream", r));
      if (!interrupt.aborted) throw new CtlError("event stream ended by the SeGW");
      return 0;
    }
    default:
      throw new UsageError(`unknown ctl command "${verb}" (provision, release, confirm, list, events)`);
  }
}

function processIo(): CtlIo {
  return {
    out: (line) => process.stdout.write(line + "\n"),
    err: (line) => process.stderr.write(line + "\n"),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
      return Buffer.concat(chunks).toString("utf8");
    },
    interrupt: () => {
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      return controller.signal;
    },
  };
}

/** Runs `lwip segw ctl ...`; `args` are the words after `ctl`. @throws UsageError for bad arguments. */
export async function runSegwCtl(args: string[], io: CtlIo = processIo()): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === "--help" || verb === "-h") {
    io.out(HELP);
    return verb === undefined ? 2 : 0;
  }
  const { values } = parseArgs({ args: rest, options: OPTIONS, strict: true });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  try {
    const client = new ControlApiClient({ api: required(values, "api"), cert: readPem(required(values, "cert")), key: readPem(required(values, "key")), ca: readPem(required(values, "ca")) });
    return await runCommand(verb, values, client, io);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    io.err(`lwip segw ctl: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
