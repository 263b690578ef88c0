/**
 * The hostile-peer lab: a real LWIP-SeGW on loopback (test/support/segw-fixture.ts, NDS/IP in
 * "platform" mode), the eNB alpha's control API client and GTP-U receiver, a capture of the
 * SeGW's log lines, and counter snapshots to assert that each refused attempt was counted.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ControlApiClient } from "../../../src/segw/control-api/client.js";
import { silentLogger, type Logger, type LogFields } from "../../../src/io/log.js";
import { openUdpSocket, type UdpSocket } from "../../../src/io/udp-socket.js";
import { GTPU_UDP_PORT } from "../../../src/gtpu/constants.js";
import { decodeGtpu } from "../../../src/gtpu/messages.js";
import { toHex } from "../../../src/wire/hex.js";
import { startSegwFixture, type SegwFixture } from "../../support/segw-fixture.js";

export interface LabPorts {
  readonly ikePort: number;
  readonly nattPort: number;
  readonly apiPort: number;
  readonly gtpuPort: number;
}

/** A G-PDU the SeGW forwarded to the eNB (TS 29.281), as the eNB's GTP-U socket received it. */
export interface ForwardedGpdu {
  readonly teid: number;
  readonly payload: Uint8Array;
}

export type CounterSnapshot = Readonly<Record<string, number>>;

export interface HostileLab {
  readonly fx: SegwFixture;
  readonly enbAddress: string;
  /** JSON lines the SeGW logged (all levels). */
  readonly logs: string[];
  /** G-PDUs received on the eNB's GTP-U address. */
  readonly gpdus: ForwardedGpdu[];
  /** The engine's, data plane's and control API's counters (Counters.snapshot()). */
  counters(): CounterSnapshot;
  /** Uplink drops of the user plane by reason. */
  uplinkDrops(): Readonly<Record<string, number>>;
  /** LWIP ADDITION REQUEST from eNB alpha for this IDi and PSK (TS 33.401 16.2.3); resolves with the HTTP status. */
  provision(idi: Uint8Array, psk: Uint8Array, teid: number, windowSeconds?: number): Promise<number>;
  /** Log lines matching every given substring. */
  logged(...parts: readonly string[]): string[];
  stop(): Promise<void>;
}

/** Counter increase between two snapshots. */
export function delta(before: CounterSnapshot, after: CounterSnapshot, name: string): number {
  return (after[name] ?? 0) - (before[name] ?? 0);
}

/**
 * The fixture logs through the shared silentLogger (it takes no logger option), so the lab
 * points that object's methods at its own capture while it runs and puts them back on stop.
 * Every other logger in these tests is its own object, so only the SeGW's lines are captured.
 */
function captureSilentLogger(lines: string[]): () => void {
  const original: Logger = { ...silentLogger };
  const at = (level: string) => (subsys: string, msg: string, fields?: LogFields) => void lines.push(JSON.stringify({ level, subsys, msg, ...fields }));
  silentLogger.debug = at("debug");
  silentLogger.info = at("info");
  silentLogger.warn = at("warn");
  silentLogger.error = at("error");
  return () => Object.assign(silentLogger, original);
}

export async function startHostileLab(ports: LabPorts, enbAddress: string): Promise<HostileLab> {
  const logs: string[] = [];
  const restore = captureSilentLogger(logs);
  const fx = await startSegwFixture({ ndsIp: "platform", enbAddress, ...ports });
  const pem = (name: string) => readFileSync(join(fx.pki, name), "utf8");
  const client = new ControlApiClient({ api: `https://127.0.0.1:${fx.segw.controlApiPort}`, cert: pem("enb-alpha.pem"), key: pem("enb-alpha-key.pem"), ca: pem("ca.pem") });
  const gpdus: ForwardedGpdu[] = [];
  const gtpu: UdpSocket = await openUdpSocket(enbAddress, GTPU_UDP_PORT, (bytes) => {
    const g = decodeGtpu(bytes);
    if (g.ok && g.value.kind === "g-pdu") gpdus.push({ teid: g.value.header.teid, payload: g.value.payload.slice() });
  });
  let xwapId = 0;
  return {
    fx, enbAddress, logs, gpdus,
    counters: () => fx.segw.counters.snapshot(),
    uplinkDrops: () => ({ ...fx.segw.userPlane.counters.uplinkDrops }),
    async provision(idi, psk, teid, windowSeconds = 60) {
      xwapId++;
      const r = await client.call("POST", "/xwap/v1/lwip-addition-request", {
        enbUeXwapId: xwapId.toString(16).padStart(6, "0"),
        ueIdentity: `02:00:00:00:${(xwapId >> 8).toString(16).padStart(2, "0")}:${(xwapId & 0xff).toString(16).padStart(2, "0")}`,
        lwipSegwSecurityInformation: { lwipPsk: toHex(psk), ikeInitiatorIdentity: toHex(idi) },
        enbGtpTunnelEndpoint: { transportLayerAddress: enbAddress, gtpTeid: teid.toString(16).padStart(8, "0") },
        windowSeconds,
      });
      return r.status;
    },
    logged: (...parts) => logs.filter((l) => parts.every((p) => l.includes(p))),
    async stop() {
      gtpu.close();
      await fx.stop();
      restore();
    },
  };
}

/** Resolves once `check` holds (polled), or with false after `ms`. */
export async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Waits `ms` (for "nothing came back" checks). */
export function quiet(ms = 200): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
