/**
 * `lwip ue`: the UE LWIP function as a process. It attaches to an `lwip enb` over the simulated
 * air interface (--air), runs IKEv2 and ESP over real UDP from its own WLAN address, and is driven
 * by JSON commands on stdin; events and results are JSON lines on stdout, logs go to stderr.
 * Runs until SIGTERM/SIGINT or until the eNB closes the air link, then detaches and exits 0.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { createLogger, isLogLevel } from "../io/log.js";
import { fromHex } from "../wire/hex.js";
import { connectAirInterface, parseAirAddress } from "../lwip/air-interface.js";
import { UE_ID_PATTERN } from "../lwip/air-frames.js";
import { commandId, drbIdSchema, pause, printJson, readJsonCommands, sendSchema } from "../lwip/json-commands.js";
import { probeSdu, readProbe, TrafficCounters } from "../lwip/traffic.js";
import { LwipUe } from "../lwip/ue.js";
import { LWIP_ESP_PROPOSALS, LWIP_IKE_PROPOSALS } from "../lwip/ue-tunnel.js";
import { proposalsOption } from "./ike-options.js";
import { parsePort } from "./ike-peer.js";
import { UsageError } from "./usage-error.js";

export const UE_HELP = `usage: lwip ue --id <ue> --kenb <hex> --wlan-mac <mac> --wlan-address <address> --air <unix:/path | tcp:host:port>
               [--ike-port 500] [--natt-port 4500] [--segw-ike-port 500] [--segw-natt-port 4500]
               [--dpd-seconds 30] [--retransmit-ms 1000,2000,4000,8000] [--ike-proposal <p,...>] [--esp-proposal <p,...>] [--ike-events] [--log-level info]
  The UE LWIP function (TS 33.401 clause 16). --id and --kenb: the UE's name and KeNB, as the eNB's
  simulated MME has them. --wlan-mac: reported to the eNB (XwAP UE Identity). --wlan-address: the
  UE's own WLAN address, where it binds --ike-port and --natt-port. --air: the eNB's SIMULATED LTE
  air interface. --dpd-seconds: liveness checks after that much silence; with --retransmit-ms (the
  IKE retransmission timeouts) it sets how soon a WLAN loss is detected.
  --ike-events: also print the IKE engine's events. Proposals default to the LWIP profile
  ${LWIP_IKE_PROPOSALS} / ${LWIP_ESP_PROPOSALS}. Commands on stdin, one JSON object per line:
    {"cmd":"send","drbId":1,"count":10,"size":100,"intervalMs":0}   (uplink probes)
    {"cmd":"wlan","up":false}   (the simulated WLAN radio off / on)   {"cmd":"rlf"}
    {"cmd":"status"}   {"cmd":"stats"}
  Output: every LWIP event, and {"event":"command-result","cmd":..,"id":..,"ok":true|false,...}.`;

const commandSchema = z.discriminatedUnion("cmd", [
  z.strictObject({ cmd: z.literal("send"), ...commandId, drbId: drbIdSchema, ...sendSchema }),
  z.strictObject({ cmd: z.literal("wlan"), ...commandId, up: z.boolean() }),
  z.strictObject({ cmd: z.literal("rlf"), ...commandId }),
  z.strictObject({ cmd: z.literal("status"), ...commandId }),
  z.strictObject({ cmd: z.literal("stats"), ...commandId }),
]);

type Command = z.output<typeof commandSchema>;

function macOption(text: string | undefined): Uint8Array {
  const mac = text === undefined ? undefined : fromHex(text.replace(/[:-]/g, ""));
  if (!mac || mac.length !== 6) throw new UsageError("--wlan-mac must be a MAC address (aa:bb:cc:dd:ee:ff)");
  return mac;
}

const OPTIONS = {
  id: { type: "string" }, kenb: { type: "string" }, "wlan-mac": { type: "string" }, "wlan-address": { type: "string" }, air: { type: "string" },
  "ike-port": { type: "string" }, "natt-port": { type: "string" }, "segw-ike-port": { type: "string" }, "segw-natt-port": { type: "string" },
  "dpd-seconds": { type: "string" }, "retransmit-ms": { type: "string" }, "ike-proposal": { type: "string" }, "esp-proposal": { type: "string" },
  "ike-events": { type: "boolean" }, "log-level": { type: "string" }, help: { type: "boolean" },
} as const;

export async function runUe(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true });
  if (values.help) {
    process.stdout.write(UE_HELP + "\n");
    return 0;
  }
  const level = values["log-level"] ?? "info";
  if (!isLogLevel(level)) throw new UsageError("--log-level must be debug, info, warn or error");
  if (!values.id || !UE_ID_PATTERN.test(values.id)) throw new UsageError("--id <name> is required (letters, digits, '.', '_', '-')");
  const kenb = values.kenb === undefined ? undefined : fromHex(values.kenb);
  if (!kenb || kenb.length !== 32) throw new UsageError("--kenb must be 64 hex digits");
  if (!values["wlan-address"]) throw new UsageError("--wlan-address <address> is required");
  const air = values.air === undefined ? undefined : parseAirAddress(values.air);
  if (!air) throw new UsageError("--air <unix:/path | tcp:host:port> is required");
  const dpd = Number(values["dpd-seconds"] ?? 30);
  if (!(dpd >= 0 && dpd <= 3600)) throw new UsageError("--dpd-seconds must be 0..3600");
  const retransmitMs = (values["retransmit-ms"] ?? "1000,2000,4000,8000").split(",").map(Number);
  if (!retransmitMs.every((ms) => Number.isInteger(ms) && ms >= 10 && ms <= 60_000)) throw new UsageError("--retransmit-ms must be a list of milliseconds (10..60000)");
  const log = createLogger(level);
  const traffic = new TrafficCounters();
  const link = await connectAirInterface(air);
  let detached: () => void = () => {};
  const closed = new Promise<void>((resolve) => (detached = resolve));
  const ue = await LwipUe.start({
    ueId: values.id, kenb, wlanMac: macOption(values["wlan-mac"]), link, wlanAddress: values["wlan-address"],
    ikePort: parsePort(values["ike-port"], 500, "--ike-port"), nattPort: parsePort(values["natt-port"], 4500, "--natt-port"),
    segwIkePort: parsePort(values["segw-ike-port"], 500, "--segw-ike-port"), segwNattPort: parsePort(values["segw-natt-port"], 4500, "--segw-natt-port"),
    ikeProposals: proposalsOption(values["ike-proposal"] ?? LWIP_IKE_PROPOSALS, "ike", "--ike-proposal"),
    espProposals: proposalsOption(values["esp-proposal"] ?? LWIP_ESP_PROPOSALS, "esp", "--esp-proposal"),
    ikeTiming: { retransmitMs, halfOpenMs: 30_000, dpdMs: dpd * 1000 },
    log,
    onEvent: (e) => {
      printJson(e);
      if (e.event === "ue-detached") detached();
    },
    ...(values["ike-events"] ? { onIkeEvent: printJson } : {}),
    onSdu: (drbId, sdu, path) => {
      const p = readProbe(sdu);
      if (p) traffic.received(drbId, p.direction, path);
    },
  });
  const commands = readJsonCommands(process.stdin, commandSchema, (c) => void execute(ue, c, traffic), (error) => printJson({ event: "command-result", ok: false, reason: error }));
  await Promise.race([
    closed,
    new Promise<void>((resolve) => {
      process.once("SIGTERM", () => resolve());
      process.once("SIGINT", () => resolve());
    }),
  ]);
  commands.close();
  ue.stop();
  // Let the IKE Delete leave before the sockets close.
  await pause(100);
  return 0;
}

async function execute(ue: LwipUe, c: Command, traffic: TrafficCounters): Promise<void> {
  const result = (r: Record<string, unknown>) => printJson({ event: "command-result", cmd: c.cmd, ...(c.id !== undefined ? { id: c.id } : {}), ...r });
  switch (c.cmd) {
    case "wlan":
      ue.setWlanAvailable(c.up);
      return result({ ok: true });
    case "rlf":
      ue.radioLinkFailure();
      return result({ ok: true });
    case "status":
      return result({ ok: true, lwipConfigured: ue.lwipConfigured, tunnelUp: ue.tunnelUp, virtualIp: ue.virtualIp ?? null, ikeSas: ue.ikeSaCount, drbs: Object.fromEntries(ue.drbs) });
    case "stats":
      return result({ ok: true, traffic: traffic.snapshot(), drops: Object.fromEntries(ue.drops), wlan: ue.wlan.counters.snapshot() });
    case "send": {
      const paths = { wlan: 0, lte: 0, dropped: 0 };
      for (let seq = 0; seq < c.count; seq++) {
        const path = ue.sendUplink(c.drbId, probeSdu({ drbId: c.drbId, direction: "uplink", seq }, c.size));
        if (path) traffic.sent(c.drbId, "uplink", path);
        paths[path ?? "dropped"]++;
        await pause(c.intervalMs);
      }
      return result(paths.dropped === c.count ? { ok: false, reason: `no DRB ${c.drbId}` } : { ok: true, ...paths });
    }
  }
}
