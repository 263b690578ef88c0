/**
 * The LWIP-SeGW under test, as its own process: `node segw-peer.js '<SegwPeerConfig JSON>'`.
 * It runs the daemon of `lwip segw` (startSegw, a development PKI, the control API, GTP-U) and
 * answers the orchestrator's commands on stdin (bench/peer-rpc.ts):
 *
 * - provision: LWIP ADDITION REQUESTs straight into the daemon's ProvisioningStore (what the control
 *   API does after TLS and JSON), one per UE of the load generator: IDi = ueIdi(prefix, k), one PSK.
 * - stats: its own CPU time (/proc/self/stat), memory (after global.gc() when asked; run it with
 *   --expose-gc) and SA counts.
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
import { parseSegwConfig } from "../src/segw/config.js";
import { startSegw, type Segw } from "../src/segw/daemon.js";
import { fromHex } from "../src/wire/hex.js";
import { procCpuUs, procRssBytes, serveRpc, ueIdi } from "./peer-rpc.js";

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
}

const HIGH = 1_000_000_000;

function configYaml(c: SegwPeerConfig, pki: string): string {
  return `ike: { listen: ${c.listen}, ikePort: ${c.ikePort}, nattPort: ${c.nattPort}, dpdSeconds: 0, ikeProposals: "${c.ikeProposals}", espProposals: "${c.espProposals}" }
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

/** Provisions UEs `from` .. `from + count - 1`; returns the SeGW TEIDs of the first 16. */
function provision(segw: Segw, gtpAddress: string, prefix: string, from: number, count: number, psk: Uint8Array, enbTeid: number): number[] {
  const teids: number[] = [];
  for (let k = from; k < from + count; k++) {
    const n = ++provisioned;
    const r = segw.store.provision("alpha", {
      enbUeXwapId: octets(n, 3), ueIdentity: Uint8Array.of(0x02, ...octets(n, 5)), lwipPsk: psk.slice(), ikeInitiatorIdentity: ueIdi(prefix, k),
      enbGtpTunnelEndpoint: { transportLayerAddress: gtpAddress, gtpTeid: octets(enbTeid + k, 4) },
    });
    if (!r.ok) throw new Error(`provisioning refused: ${r.reason}`);
    if (teids.length < 16) teids.push(new DataView(r.entry.segwGtpTeid.buffer, r.entry.segwGtpTeid.byteOffset).getUint32(0));
  }
  return teids;
}

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2] ?? "{}") as SegwPeerConfig;
  const dir = mkdtempSync(join(tmpdir(), "lwip-bench-segw-"));
  const written = writePkiFiles(join(dir, "pki"), await createDevPki({ enbs: ["alpha"], segwName: "segw", segwAddresses: [c.listen], days: 1 }), false);
  if (!written.ok) throw new Error(written.error);
  const config = parseSegwConfig(configYaml(c, join(dir, "pki")), dir);
  if (!config.ok) throw new Error(config.error.message);
  const segw = await startSegw(config.value, { log: c.logLevel === "silent" ? silentLogger : createLogger(c.logLevel) });
  let relay: UdpSocket | undefined;
  if (c.relayPort !== undefined) {
    const to = { address: c.enbGtpAddress, port: GTPU_UDP_PORT };
    relay = await openUdpSocket(c.listen, c.relayPort, (bytes) => relay?.send(bytes, to));
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  serveRpc("segw-peer", {
    ping: () => ({ pid: process.pid }),
    provision: (m) => {
      const cpu0 = procCpuUs("self");
      const psk = fromHex(String(m["psk"])) ?? randomBytes(32);
      const teids = provision(segw, c.enbGtpAddress, String(m["prefix"]), Number(m["from"]), Number(m["count"]), psk, Number(m["enbTeid"] ?? 0x0e000000));
      return { teids, cpuUs: procCpuUs("self") - cpu0 };
    },
    stats: async (m) => {
      if (m["gc"] === true && gc) {
        for (let i = 0; i < 4; i++) {
          gc();
          await new Promise((r) => setImmediate(r));
        }
      }
      const mem = process.memoryUsage();
      return {
        cpuUs: procCpuUs("self"), rss: procRssBytes("self"), heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers,
        ikeSas: segw.node.sas.length, sessions: segw.sessions.size, entries: segw.store.size, gcRan: gc !== undefined && m["gc"] === true,
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
