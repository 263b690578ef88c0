/**
 * The LWIP-SeGW under test, as its own process: `node segw-peer.js '<SegwPeerConfig JSON>'`.
 * It runs the daemon of `lwip segw` (startSegw, a development PKI, the control API, GTP-U), or with
 * `workers` the multi-worker SeGW (startSegwWorkers: this process is the primary, one worker process
 * per address), and answers the orchestrator's commands on stdin (bench/peer-rpc.ts):
 *
 * - provision: LWIP ADDITION REQUESTs straight into the daemon's UE registry (what the control API
 *   does after TLS and JSON), one per UE of the load generator: IDi = ueIdi(prefix, k), one PSK.
 *   With workers, the answer also names the worker address each UE was given (its IKE peer).
 * - pids: this process and its worker processes, for CPU readings from outside.
 * - stats: CPU time and RSS of this process and its workers (/proc/<pid>), this process's V8 memory
 *   (after global.gc() when asked; run it with --expose-gc) and SA counts (all workers).
 * - stop: the daemon's graceful stop.
 *
 * With `relayPort` it also opens a bare UDP relay on the IKE address that forwards every datagram to
 * the eNB's GTP-U address: the latency baseline "the same hop without the SeGW's processing".
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { GTPU_UDP_PORT } from "../src/gtpu/constants.js";
import { createLogger, silentLogger } from "../src/io/log.js";
import { openUdpSocket, type UdpSocket } from "../src/io/udp-socket.js";
import { createDevPki } from "../src/pki/dev-pki.js";
import { writePkiFiles } from "../src/pki/write-files.js";
import { parseSegwConfig, type SegwConfig } from "../src/segw/config.js";
import type { UeRegistry } from "../src/segw/control-api/ue-registry.js";
import { startSegw } from "../src/segw/daemon.js";
import { startSegwWorkers } from "../src/segw/workers/primary.js";
import { fromHex } from "../src/wire/hex.js";
import { procRssBytes, procsCpuUs, serveRpc, ueIdi } from "./peer-rpc.js";

export interface SegwPeerConfig {
  readonly listen: string;
  readonly ikePort: number;
  readonly nattPort: number;
  readonly gtpuPort: number;
  /** The eNB "alpha": its GTP-U address and its LWIP endpoint (TSr of every UE). */
  readonly enbGtpAddress: string;
  readonly lwipEndpoint: string;
  readonly pools: readonly string[];
  readonly ikeProposals: string;
  readonly espProposals: string;
  readonly logLevel: "silent" | "warn" | "info";
  readonly relayPort?: number;
  readonly deadlineSeconds: number;
  /** The multi-worker SeGW: one worker per address (UE side and backhaul); the first should be `listen`. */
  readonly workers?: readonly string[];
}

const HIGH = 1_000_000_000;

function configYaml(c: SegwPeerConfig, pki: string): string {
  const workers = c.workers === undefined ? "" : `workers: [${c.workers.map((a) => `{ ike: ${a} }`).join(", ")}]\n`;
  return `${workers}ike: { listen: ${c.listen}, ikePort: ${c.ikePort}, nattPort: ${c.nattPort}, dpdSeconds: 0, ikeProposals: "${c.ikeProposals}", espProposals: "${c.espProposals}" }
pools: [${c.pools.join(", ")}]
controlApi: { listen: ${c.listen}, port: 0, tls: { cert: ${pki}/segw.pem, key: ${pki}/segw-key.pem, ca: ${pki}/ca.pem } }
enbs: [{ name: alpha, certificateIdentity: alpha, lwipEndpoints: [${c.lwipEndpoint}], gtpAddress: ${c.enbGtpAddress} }]
gtpu: { listen: ${c.listen}, port: ${c.gtpuPort}, ndsIp: platform }
provisioning: { windowSeconds: 3600, maxWindowSeconds: 3600, maxEntries: 1000000 }
log: { level: ${c.logLevel === "silent" ? "error" : c.logLevel} }
rateLimits: { ikeSaInitPerSourcePerSecond: ${HIGH}, ikeSaInitPerSecond: ${HIGH}, halfOpenCookieThreshold: ${HIGH}, halfOpenMax: ${HIGH},
  uePacketsPerSecond: ${HIGH}, ueBytesPerSecond: ${HIGH}, enbPacketsPerSecond: ${HIGH}, enbBytesPerSecond: ${HIGH} }
`;
}

function octets(n: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => Math.floor(n / 2 ** (8 * (length - 1 - i))) & 0xff);
}

let provisioned = 0;
/** Provisioning calls in flight at once (with workers each is a round trip to a worker process). */
const PROVISION_IN_FLIGHT = 64;

/**
 * Provisions UEs `from` .. `from + count - 1` through the registry the control API uses; returns
 * the SeGW TEIDs of the first 16 and, per UE, the SeGW (worker) address it must run IKE with.
 */
async function provision(registry: UeRegistry, c: SegwPeerConfig, prefix: string, from: number, count: number, psk: Uint8Array, enbTeid: number): Promise<{ teids: number[]; workerOf: string[] }> {
  const teids: number[] = [];
  const workerOf: string[] = [];
  const one = async (k: number) => {
    const n = ++provisioned;
    // The registry zeroizes the PSK it is given: a copy each time.
    const r = await registry.provision("alpha", {
      enbUeXwapId: octets(n, 3), ueIdentity: Uint8Array.of(0x02, ...octets(n, 5)), lwipPsk: psk.slice(), ikeInitiatorIdentity: ueIdi(prefix, k),
      enbGtpTunnelEndpoint: { transportLayerAddress: c.enbGtpAddress, gtpTeid: octets(enbTeid + k, 4) },
    });
    if (!r.ok) throw new Error(`provisioning refused: ${r.reason}`);
    if (k - from < 16) teids[k - from] = new DataView(r.entry.segwGtpTeid.buffer, r.entry.segwGtpTeid.byteOffset).getUint32(0);
    workerOf[k - from] = r.entry.segwIpAddress ?? c.listen;
  };
  for (let k = from; k < from + count; k += PROVISION_IN_FLIGHT) {
    await Promise.all(Array.from({ length: Math.min(PROVISION_IN_FLIGHT, from + count - k) }, (_, i) => one(k + i)));
  }
  return { teids, workerOf };
}

/** The SeGW this peer runs (one process, or the primary of the workers) as the commands see it. */
interface Running {
  readonly registry: UeRegistry;
  /** This process, then the live worker processes. */
  pids(): number[];
  counts(): Promise<{ ikeSas: number; sessions: number; entries?: number; restarts?: number }>;
  stop(): Promise<void>;
}

async function start(c: SegwPeerConfig, config: SegwConfig): Promise<Running> {
  const log = c.logLevel === "silent" ? silentLogger : createLogger(c.logLevel);
  if (c.workers !== undefined) {
    const w = await startSegwWorkers(config, { log });
    return {
      registry: w.registry, stop: () => w.stop(),
      pids: () => [process.pid, ...w.workers().flatMap((s) => (s.alive && s.pid !== undefined ? [s.pid] : []))],
      counts: async () => {
        const s = await w.stats();
        return { ikeSas: s.ikeSas, sessions: s.activeUes, restarts: w.workers().reduce((n, x) => n + x.restarts, 0) };
      },
    };
  }
  const segw = await startSegw(config, { log });
  return {
    registry: segw.registry, stop: () => segw.stop(), pids: () => [process.pid],
    counts: () => Promise.resolve({ ikeSas: segw.node.sas.length, sessions: segw.sessions.size, entries: segw.store.size }),
  };
}

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2] ?? "{}") as SegwPeerConfig;
  const dir = mkdtempSync(join(tmpdir(), "lwip-bench-segw-"));
  const addresses = [...new Set([c.listen, ...(c.workers ?? [])])];
  const written = writePkiFiles(join(dir, "pki"), await createDevPki({ enbs: ["alpha"], segwName: "segw", segwAddresses: addresses, days: 1 }), false);
  if (!written.ok) throw new Error(written.error);
  const config = parseSegwConfig(configYaml(c, join(dir, "pki")), dir);
  if (!config.ok) throw new Error(config.error.message);
  const segw = await start(c, config.value);
  let relay: UdpSocket | undefined;
  if (c.relayPort !== undefined) {
    const to = { address: c.enbGtpAddress, port: GTPU_UDP_PORT };
    relay = await openUdpSocket(c.listen, c.relayPort, (bytes) => relay?.send(bytes, to));
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  serveRpc("segw-peer", {
    ping: () => ({ pid: process.pid }),
    pids: () => ({ pids: segw.pids() }),
    provision: async (m) => {
      const pids = segw.pids();
      const cpu0 = procsCpuUs(pids);
      const psk = fromHex(String(m["psk"])) ?? randomBytes(32);
      const { teids, workerOf } = await provision(segw.registry, c, String(m["prefix"]), Number(m["from"]), Number(m["count"]), psk, Number(m["enbTeid"] ?? 0x0e000000));
      // Per-UE addresses only when there is more than one (100k UEs of the scale run would make a long line).
      return { teids, cpuUs: procsCpuUs(pids) - cpu0, ...(c.workers === undefined ? {} : { workerOf }) };
    },
    stats: async (m) => {
      if (m["gc"] === true && gc) {
        for (let i = 0; i < 4; i++) {
          gc();
          await new Promise((r) => setImmediate(r));
        }
      }
      const mem = process.memoryUsage();
      const pids = segw.pids();
      return {
        cpuUs: procsCpuUs(pids), rss: pids.reduce((n, pid) => n + procRssBytes(pid), 0), heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers,
        ...(await segw.counts()), pids, gcRan: gc !== undefined && m["gc"] === true,
      };
    },
    /** Diagnostics: a V8 heap snapshot into `path` (for finding what a UE costs). */
    heapSnapshot: (m) => ({ file: writeHeapSnapshot(String(m["path"])) }),
    stop: async () => {
      relay?.close();
      await segw.stop();
      rmSync(dir, { recursive: true, force: true });
      setImmediate(() => process.exit(0));
      return {};
    },
  }, c.deadlineSeconds);
}

main().catch((e: unknown) => {
  process.stderr.write(`segw-peer: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
