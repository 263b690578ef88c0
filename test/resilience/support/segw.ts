/**
 * A real LWIP-SeGW on a loopback /24 of the test's own, for the resilience tests: like
 * test/support/segw-fixture.ts, but with the limits under test configurable (rate limits, liveness,
 * half-open and provisioning windows), a timer-counting clock, a restart that keeps configuration
 * and clock, and snapshots of every table that must return to its baseline after a scenario.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDevPki } from "../../../src/pki/dev-pki.js";
import { writePkiFiles } from "../../../src/pki/write-files.js";
import { parseSegwConfig } from "../../../src/segw/config.js";
import { startSegw, type Segw } from "../../../src/segw/daemon.js";
import { silentLogger } from "../../../src/io/log.js";
import { IKE_PORT, NATT_PORT } from "../../../src/demo/lab.js";
import { CountingClock } from "./counting-clock.js";

/** The SeGW's rate limits (rateLimits: in the YAML), all optional. */
export interface RateLimitOverrides {
  readonly ikeSaInitPerSourcePerSecond?: number;
  readonly ikeSaInitPerSecond?: number;
  readonly halfOpenCookieThreshold?: number;
  readonly halfOpenMax?: number;
  readonly uePacketsPerSecond?: number;
  readonly ueBytesPerSecond?: number;
  readonly enbPacketsPerSecond?: number;
  readonly enbBytesPerSecond?: number;
}

export interface ResilSegwOptions {
  /** First three octets of a loopback /24 that no other test file uses, e.g. "127.0.31". */
  readonly net: string;
  readonly ndsIp: "builtin" | "platform";
  readonly rateLimits?: RateLimitOverrides;
  /** Liveness checks of the UEs' SAs (0: off, the fixture's default). */
  readonly dpdSeconds?: number;
  readonly halfOpenSeconds?: number;
  readonly windowSeconds?: number;
}

/** Addresses of a resilience net: SeGW .1, eNB .2, UE i at .(10 + i). */
export function netAddresses(net: string) {
  return { segw: `${net}.1`, enbGtp: `${net}.2`, ue: (i: number) => `${net}.${10 + i}` };
}

/** What must come back to its baseline after every scenario. */
export interface SegwTables {
  readonly ikeSas: number;
  readonly halfOpen: number;
  readonly provisioning: number;
  readonly sessions: number;
  readonly timers: number;
}

export interface ResilSegw {
  segw: Segw;
  readonly clock: CountingClock;
  readonly addresses: ReturnType<typeof netAddresses>;
  readonly dir: string;
  readonly apiUrl: string;
  pem(name: string): string;
  tables(): SegwTables;
  /** A SeGW restart: graceful stop (Deletes to every UE), then a new daemon on the same configuration. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function yamlOf(o: ResilSegwOptions): string {
  const a = netAddresses(o.net);
  const limits = Object.entries(o.rateLimits ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join(", ");
  return `
ike: { listen: ${a.segw}, ikePort: ${IKE_PORT}, nattPort: ${NATT_PORT}, dpdSeconds: ${o.dpdSeconds ?? 0}, halfOpenSeconds: ${o.halfOpenSeconds ?? 30} }
pools: [198.18.64.0/18]
controlApi: { listen: ${a.segw}, port: 0, tls: { cert: segw.pem, key: segw-key.pem, ca: ca.pem } }
enbs:
  - { name: alpha, certificateIdentity: alpha, lwipEndpoints: [198.18.1.1], gtpAddress: ${a.enbGtp} }
gtpu: { listen: ${a.segw}, port: 2152, ndsIp: ${o.ndsIp} }
provisioning: { windowSeconds: ${o.windowSeconds ?? 30} }
rateLimits: { ${limits} }
log: { level: error }
`;
}

export async function startResilSegw(o: ResilSegwOptions): Promise<ResilSegw> {
  const addresses = netAddresses(o.net);
  const dir = mkdtempSync(join(tmpdir(), "lwip-resil-"));
  const files = await createDevPki({ enbs: ["alpha"], segwName: "segw", segwAddresses: [addresses.segw], days: 1 });
  const written = writePkiFiles(dir, files, false);
  if (!written.ok) throw new Error(written.error);
  const config = parseSegwConfig(yamlOf(o), dir);
  if (!config.ok) throw new Error(config.error.message);
  const cfg = config.value;
  const clock = new CountingClock();
  const start = () => startSegw(cfg, { clock, log: silentLogger });
  const fx: ResilSegw = {
    segw: await start(),
    clock, addresses, dir,
    get apiUrl() {
      return `https://${addresses.segw}:${fx.segw.controlApiPort}`;
    },
    pem: (name) => readFileSync(join(dir, name), "utf8"),
    tables: () => ({
      ikeSas: fx.segw.node.sas.length,
      halfOpen: fx.segw.node.halfOpenCount,
      provisioning: fx.segw.store.size,
      sessions: fx.segw.sessions.size,
      timers: clock.pending,
    }),
    async restart() {
      await fx.segw.stop();
      fx.segw = await start();
    },
    async stop() {
      await fx.segw.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fx;
}

/** One sample of a Prometheus text exposition, e.g. metric(text, "lwip_segw_drops_total", 'reason="x"'). */
export function metric(text: string, name: string, labels = ""): number {
  const prefix = labels === "" ? `${name} ` : `${name}{${labels}} `;
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(prefix.length));
}

export { until } from "../../support/until.js";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A UE's credentials as the eNB would provision them: a random 16-octet IDi and a 32-octet LWIP-PSK. */
export interface UeCredentials {
  readonly idi: Uint8Array;
  readonly psk: Uint8Array;
}

/**
 * LWIP ADDITION REQUEST from eNB alpha straight into the store (what the control API handler does,
 * TS 33.401 16.2.3), for tests that do not exercise Xw-C. The UE's uplink TEID is `n`.
 */
export function provisionUe(fx: ResilSegw, n: number, windowSeconds?: number): UeCredentials {
  const idi = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const psk = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const teid = new Uint8Array([0, 0, (n >> 8) & 0xff, n & 0xff]);
  const r = fx.segw.store.provision("alpha", {
    enbUeXwapId: new Uint8Array([0, (n >> 8) & 0xff, n & 0xff]),
    ueIdentity: new Uint8Array([2, 0, 0, 0, (n >> 8) & 0xff, n & 0xff]),
    lwipPsk: psk.slice(),
    ikeInitiatorIdentity: idi,
    enbGtpTunnelEndpoint: { transportLayerAddress: fx.addresses.enbGtp, gtpTeid: teid },
    ...(windowSeconds !== undefined ? { windowSeconds } : {}),
  });
  if (!r.ok) throw new Error(`provisioning refused: ${r.reason}`);
  return { idi, psk };
}

/** What the eNB does on LWIP RELEASE REQUIRED or to end a UE's LWIP: release every entry of alpha. */
export function releaseAll(fx: ResilSegw): void {
  for (const e of fx.segw.store.list("alpha")) fx.segw.store.release("alpha", { idi: e.idi }, "release-confirmed");
}
