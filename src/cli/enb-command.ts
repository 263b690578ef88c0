/**
 * `lwip enb`: the eNB LWIP function as a process. UEs attach over the simulated air interface on a
 * local socket (--air); the SeGW is reached over its control API and Xw-U. Procedures are driven
 * by JSON commands on stdin; every event and command result is one JSON line on stdout; logs go
 * to stderr. Runs until SIGTERM/SIGINT, then releases its UEs at the SeGW and exits 0.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { createLogger, isLogLevel } from "../io/log.js";
import { fromHex } from "../wire/hex.js";
import { formatAirAddress, parseAirAddress } from "../lwip/air-interface.js";
import type { Cell } from "../lwip/air-frames.js";
import { UE_ID_PATTERN } from "../lwip/air-frames.js";
import { LwipEnb } from "../lwip/enb.js";
import type { Outcome } from "../lwip/enb-ue.js";
import { commandId, drbConfigSchema, drbIdSchema, pause, printJson, readJsonCommands, sendSchema } from "../lwip/json-commands.js";
import { probeSdu, readProbe, TrafficCounters } from "../lwip/traffic.js";
import { parsePort } from "./ike-peer.js";
import { UsageError } from "./usage-error.js";

export const ENB_HELP = `usage: lwip enb --api <https://host:port> --cert <pem> --key <pem> --ca <pem> [--crl <pem>]
                --segw <address> --gtp-address <address> --air <unix:/path | tcp:host:port>
                --ue <id>=<KeNB hex> [--ue ...] [--cell <pci>:<earfcn> ...] [--window-seconds <s>]
                [--gtp-port 2152] [--segw-gtp-port 2152] [--echo] [--log-level info]
                [--nds-ip builtin|platform] [--segw-backhaul <addr>] [--ike-port 500] [--natt-port 4500]
                [--segw-ike-port 500] [--segw-natt-port 4500]
  The eNB LWIP function (TS 33.401 clause 16). --api/--cert/--key/--ca: the SeGW control API and
  this eNB's client certificate (lwip pki init); --crl: CRLs of that CA (a revoked SeGW certificate
  fails TLS and NDS/IP). --segw: the SeGW address given to UEs over RRC
  unless the acknowledge names one per UE (a SeGW with workers).
  --gtp-address: our Xw-U address (the SeGW's enbs[].gtpAddress). --air: where UEs attach (the
  SIMULATED LTE air interface). --ue: each UE's KeNB (the simulated MME). --cell: our cells, the
  first serves attaching UEs (default 1:1300). --echo: send every uplink probe back downlink.
  --nds-ip builtin (default): GTP-U only inside an IKEv2/ESP SA with the SeGW, authenticated with the
  --cert/--key certificate (TS 33.401 16.1, TS 33.210); --ike-port/--natt-port: ours for it,
  --segw-ike-port/--segw-natt-port: the SeGW's; --segw-backhaul: the SeGW's GTP-U address when it
  differs from --segw (the SeGW then runs IKE there too). platform: plain GTP-U, protected by the host.
  Commands on stdin, one JSON object per line ("ue" names the UE, "id" is echoed in the result):
    {"cmd":"setup-lwip","ue":"ue1","drbs":[{"drbId":1,"type":"lwip"}]}   types: lwip, lwip-DL-only, lwip-UL-only, eutran
    {"cmd":"add-drb","ue":"ue1","drbId":2,"type":"lwip-DL-only"}   {"cmd":"delete-drb","ue":"ue1","drbId":2}
    {"cmd":"release-lwip","ue":"ue1"}   {"cmd":"refresh-keys","ue":"ue1"}   {"cmd":"rlf","ue":"ue1"}
    {"cmd":"handover","ue":"ue1","physCellId":2,"dlEarfcn":1300}
    {"cmd":"send","ue":"ue1","drbId":1,"count":10,"size":100,"intervalMs":0}   (downlink probes)
    {"cmd":"list"}   {"cmd":"stats"}
  Output: every LWIP event, and {"event":"command-result","cmd":..,"id":..,"ok":true|false,...}.`;

const ue = { ue: z.string().regex(UE_ID_PATTERN) };
const commandSchema = z.discriminatedUnion("cmd", [
  z.strictObject({ cmd: z.literal("setup-lwip"), ...commandId, ...ue, drbs: z.array(drbConfigSchema).max(32).default([]) }),
  z.strictObject({ cmd: z.literal("add-drb"), ...commandId, ...ue, drbId: drbIdSchema, type: drbConfigSchema.shape.type }),
  z.strictObject({ cmd: z.literal("delete-drb"), ...commandId, ...ue, drbId: drbIdSchema }),
  z.strictObject({ cmd: z.literal("release-lwip"), ...commandId, ...ue }),
  z.strictObject({ cmd: z.literal("refresh-keys"), ...commandId, ...ue }),
  z.strictObject({ cmd: z.literal("rlf"), ...commandId, ...ue }),
  z.strictObject({ cmd: z.literal("handover"), ...commandId, ...ue, physCellId: z.number().int().min(0).max(503), dlEarfcn: z.number().int().min(0).max(65535) }),
  z.strictObject({ cmd: z.literal("send"), ...commandId, ...ue, drbId: drbIdSchema, ...sendSchema }),
  z.strictObject({ cmd: z.literal("list"), ...commandId }),
  z.strictObject({ cmd: z.literal("stats"), ...commandId }),
]);

type Command = z.output<typeof commandSchema>;

/** "<pci>:<earfcn>" -> Cell. @throws UsageError */
function parseCell(text: string): Cell {
  const m = /^(\d{1,3}):(\d{1,5})$/.exec(text);
  const cell = { physCellId: Number(m?.[1]), dlEarfcn: Number(m?.[2]) };
  if (!m || cell.physCellId > 503 || cell.dlEarfcn > 65535) throw new UsageError(`--cell must be <pci 0..503>:<earfcn 0..65535>, not "${text}"`);
  return cell;
}

/** "<id>=<64 hex digits>" -> [id, KeNB]. @throws UsageError */
function parseUeKey(text: string): [string, Uint8Array] {
  const [id = "", hex = ""] = text.split("=", 2);
  const kenb = fromHex(hex);
  if (!UE_ID_PATTERN.test(id) || !kenb || kenb.length !== 32) throw new UsageError(`--ue must be <id>=<KeNB as 64 hex digits>, not "${text.slice(0, 40)}"`);
  return [id, kenb];
}

function readPem(path: string | undefined, name: string): string {
  if (!path) throw new UsageError(`${name} <file.pem> is required (see lwip enb --help)`);
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`${name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

const OPTIONS = {
  api: { type: "string" }, cert: { type: "string" }, key: { type: "string" }, ca: { type: "string" }, crl: { type: "string" },
  segw: { type: "string" }, "gtp-address": { type: "string" }, "gtp-port": { type: "string" }, "segw-gtp-port": { type: "string" },
  air: { type: "string" }, ue: { type: "string", multiple: true }, cell: { type: "string", multiple: true },
  "window-seconds": { type: "string" }, echo: { type: "boolean" }, "log-level": { type: "string" }, help: { type: "boolean" },
  "nds-ip": { type: "string" }, "ike-port": { type: "string" }, "natt-port": { type: "string" },
  "segw-ike-port": { type: "string" }, "segw-natt-port": { type: "string" }, "segw-backhaul": { type: "string" },
} as const;

/** --nds-ip builtin (default): GTP-U only inside an IKEv2/ESP SA with the SeGW, set up with our certificate. */
function ndsIpOption(values: { readonly "nds-ip"?: string | undefined }): boolean {
  const mode = values["nds-ip"] ?? "builtin";
  if (mode !== "builtin" && mode !== "platform") throw new UsageError("--nds-ip must be builtin or platform");
  return mode === "builtin";
}

export async function runEnb(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true });
  if (values.help) {
    process.stdout.write(ENB_HELP + "\n");
    return 0;
  }
  const level = values["log-level"] ?? "info";
  if (!isLogLevel(level)) throw new UsageError("--log-level must be debug, info, warn or error");
  if (!values.api) throw new UsageError("--api <https://host:port> is required");
  if (!values.segw || !values["gtp-address"]) throw new UsageError("--segw <address> and --gtp-address <address> are required");
  const air = values.air === undefined ? undefined : parseAirAddress(values.air);
  if (!air) throw new UsageError("--air <unix:/path | tcp:host:port> is required");
  const window = values["window-seconds"] === undefined ? undefined : Number(values["window-seconds"]);
  if (window !== undefined && !(Number.isInteger(window) && window >= 1)) throw new UsageError("--window-seconds must be a whole number of seconds");
  const kenbs = new Map((values.ue ?? []).map(parseUeKey));
  const cells = (values.cell ?? ["1:1300"]).map(parseCell);
  const controlApi = {
    api: values.api, cert: readPem(values.cert, "--cert"), key: readPem(values.key, "--key"), ca: readPem(values.ca, "--ca"),
    ...(values.crl === undefined ? {} : { crl: readPem(values.crl, "--crl") }),
  };
  const log = createLogger(level);
  const traffic = new Map<string, TrafficCounters>();
  const countersOf = (id: string) => traffic.get(id) ?? traffic.set(id, new TrafficCounters()).get(id) ?? new TrafficCounters();
  const holder: { enb?: LwipEnb } = {};
  if (!ndsIpOption(values)) log.warn("lwip", "--nds-ip platform: GTP-U to the SeGW is not protected by lwip itself; NDS/IP (TS 33.210) must come from the host's IPsec");
  const enb = (holder.enb = await LwipEnb.start({
    controlApi, segwAddress: values.segw, gtpAddress: values["gtp-address"], cells, kenbFor: (id) => kenbs.get(id), log,
    gtpPort: parsePort(values["gtp-port"], 2152, "--gtp-port"),
    segwGtpPort: parsePort(values["segw-gtp-port"], 2152, "--segw-gtp-port"),
    ...(window !== undefined ? { windowSeconds: window } : {}),
    ...(ndsIpOption(values) ? {
      ndsIp: {
        ikePort: parsePort(values["ike-port"], 500, "--ike-port"), nattPort: parsePort(values["natt-port"], 4500, "--natt-port"),
        segwIkePort: parsePort(values["segw-ike-port"], 500, "--segw-ike-port"), segwNattPort: parsePort(values["segw-natt-port"], 4500, "--segw-natt-port"),
        ...(values["segw-backhaul"] ? { segwAddress: values["segw-backhaul"] } : {}),
      },
    } : {}),
    onEvent: printJson,
    onSdu: (ueId, drbId, sdu, path) => {
      const p = readProbe(sdu);
      if (!p) return;
      countersOf(ueId).received(drbId, p.direction, path);
      if (!values.echo) return;
      const back = holder.enb?.sendDownlink(ueId, drbId, probeSdu({ drbId, direction: "downlink", seq: p.seq }, sdu.length));
      if (back) countersOf(ueId).sent(drbId, "downlink", back);
    },
  }));
  const server = await enb.listen(air);
  log.info("lwip", "eNB running", { air: formatAirAddress(server.address), gtp: `${enb.userPlane.local.address}:${enb.userPlane.local.port}`, segw: values.segw });
  printJson({ event: "enb-ready", air: formatAirAddress(server.address), gtp: enb.userPlane.local });
  const commands = readJsonCommands(process.stdin, commandSchema, (c) => void execute(enb, c, countersOf), (error) => printJson({ event: "command-result", ok: false, reason: error }));
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  commands.close();
  await enb.stop();
  return 0;
}

async function execute(enb: LwipEnb, c: Command, countersOf: (ue: string) => TrafficCounters): Promise<void> {
  const result = (r: Outcome | { ok: true; [k: string]: unknown }) => printJson({ event: "command-result", cmd: c.cmd, ...(c.id !== undefined ? { id: c.id } : {}), ...r });
  switch (c.cmd) {
    case "setup-lwip":
      return result(await enb.setupLwip(c.ue, c.drbs));
    case "add-drb":
      return result(await enb.addDrb(c.ue, { drbId: c.drbId, type: c.type }));
    case "delete-drb":
      return result(await enb.deleteDrb(c.ue, c.drbId));
    case "release-lwip":
      return result(await enb.releaseLwip(c.ue));
    case "refresh-keys":
      return result(await enb.refreshKeys(c.ue));
    case "rlf":
      return result(await enb.radioLinkFailure(c.ue));
    case "handover":
      return result(await enb.handover(c.ue, { physCellId: c.physCellId, dlEarfcn: c.dlEarfcn }));
    case "list":
      return result({ ok: true, ues: enb.attached });
    case "stats":
      return result({ ok: true, traffic: Object.fromEntries(enb.attached.map((u) => [u.ueId, countersOf(u.ueId).snapshot()])), drops: Object.fromEntries(enb.drops), ndsIp: enb.ndsIp ?? null });
    case "send": {
      const paths = { wlan: 0, lte: 0, dropped: 0 };
      for (let seq = 0; seq < c.count; seq++) {
        const path = enb.sendDownlink(c.ue, c.drbId, probeSdu({ drbId: c.drbId, direction: "downlink", seq }, c.size));
        if (path) countersOf(c.ue).sent(c.drbId, "downlink", path);
        paths[path ?? "dropped"]++;
        await pause(c.intervalMs);
      }
      return result(paths.dropped === c.count ? { ok: false, reason: `no DRB ${c.drbId} for UE ${c.ue}` } : { ok: true, ...paths });
    }
  }
}
