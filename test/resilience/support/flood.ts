/**
 * IKE_SA_INIT floods for the tests (RFC 7296 §2.6, TS 33.401 16.1 rate limitation): a real
 * IKE_SA_INIT request made by our own initiator is the template, and a worker thread sends copies
 * of it with a fresh SPIi each from many loopback source addresses (spoofed sources: they never
 * echo a cookie) or from one, at a fixed rate for a bounded time. The worker runs on its own
 * event loop, so the SeGW under test in the main thread competes with it only for the CPU.
 */
import { Worker } from "node:worker_threads";
import { IkeNode } from "../../../src/ike/ike-node.js";
import { parseProposalList } from "../../../src/ike/proposal.js";
import { IdType } from "../../../src/ike/registry.js";
import { selectorFromCidr } from "../../../src/ike/traffic-selector.js";
import { systemClock } from "../../../src/io/clock.js";
import { silentLogger } from "../../../src/io/log.js";
import { LWIP_ESP_PROPOSALS, LWIP_IKE_PROPOSALS } from "../../../src/lwip/ue-tunnel.js";
import type { Endpoint } from "../../../src/ike/endpoint.js";

function specs(text: string, kind: "ike" | "esp") {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new Error(r.error);
  return r.specs;
}

/** The first IKE_SA_INIT request an LWIP UE would send to `segw` (no cookie). */
export function ikeSaInitTemplate(segw: Endpoint): Uint8Array {
  const sent: Uint8Array[] = [];
  const node = new IkeNode({
    clock: systemClock, random: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)), log: silentLogger, onEvent: () => {},
    sender: { send: (m) => void sent.push(m.slice()) },
    sink: { install: () => {}, remove: () => {}, rehome: () => {} },
  });
  const any = selectorFromCidr({ address: new Uint8Array(4), prefixLength: 0 });
  node.initiate({
    local: { address: "127.0.0.1", port: 500 }, remote: segw,
    idi: { idType: IdType.ID_KEY_ID, data: new Uint8Array(16) }, psk: new Uint8Array(32),
    ikeProposals: specs(LWIP_IKE_PROPOSALS, "ike"), espProposals: specs(LWIP_ESP_PROPOSALS, "esp"),
    tsi: [any], tsr: [any], requestVirtualIp: true,
  });
  node.shutdown();
  const first = sent[0];
  if (!first) throw new Error("the initiator sent no IKE_SA_INIT");
  return first;
}

export interface FloodJob {
  readonly template: Uint8Array;
  /** Source addresses (each bound at an ephemeral port); the packets go round-robin over them. */
  readonly sources: readonly string[];
  readonly target: Endpoint;
  readonly packetsPerSecond: number;
  readonly durationMs: number;
}

export interface FloodReport {
  readonly sent: number;
  /** Datagrams the SeGW sent back to the flood sources (cookies, IKE_SA_INIT responses). */
  readonly answers: number;
  readonly ms: number;
}

/** `count` addresses 127.B.x.y (B the second octet) distinct from every test net (127.0.x.y). */
export function floodSources(secondOctet: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `127.${secondOctet}.${(i >> 8) & 0xff}.${(i & 0xff) + 1}`);
}

/** Runs one flood in a worker thread; resolves when it has ended (after durationMs). */
export function runFlood(job: FloodJob): Promise<FloodReport> {
  const worker = new Worker(new URL("./flood-worker.js", import.meta.url), { workerData: job });
  return new Promise((resolve, reject) => {
    worker.once("message", (r: FloodReport) => resolve(r));
    worker.once("error", reject);
    worker.once("exit", (code) => code !== 0 && reject(new Error(`flood worker exited with ${code}`)));
  });
}
