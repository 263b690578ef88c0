/**
 * The IKE load generator: `node load-peer.js '<LoadPeerConfig JSON>'`, the same against our SeGW and
 * against strongSwan. Many UEs from one process, on the project's IkeNode initiator: IKE_SA_INIT +
 * IKE_AUTH with PSK, IDi of type ID_KEY_ID, a CFG_REQUEST for INTERNAL_IP4_ADDRESS, TSi = TSr =
 * 0.0.0.0/0, forced UDP encapsulation (a faked NAT_DETECTION_SOURCE_IP, RFC 7296 §2.23), so the
 * CHILD SA is ESP-in-UDP on 4500 as in the lab. UEs are spread round-robin over `sources` local
 * addresses (sockets on 500 and 4500 each), so that no per-address limit of a responder decides.
 *
 * A set-up counts when the CHILD SA is up on our side, i.e. the IKE_AUTH response was verified and
 * its narrowed selectors and virtual address accepted. The generator keeps no ESP data plane. It
 * forgets established UEs batch by batch (a fresh IkeNode; no timers run for them: no DPD, no
 * rekey), so that its own memory stays flat over 100k UEs; a run with `keep` leaves them in the
 * node instead, and `deleteAll` then deletes every one of them with an INFORMATIONAL Delete of the
 * IKE SA (RFC 7296 §1.4.1), as many in flight as set-ups, so that the responder ends up holding none.
 */
import { randomBytes } from "node:crypto";
import type { ChildSaSink } from "../src/ike/context.js";
import type { IkeEvent } from "../src/ike/events.js";
import { IkeNode } from "../src/ike/ike-node.js";
import { parseProposalList, type ProposalSpec } from "../src/ike/proposal.js";
import { IdType } from "../src/ike/registry.js";
import { parseCidr, selectorFromCidr } from "../src/ike/traffic-selector.js";
import { systemClock } from "../src/io/clock.js";
import { silentLogger } from "../src/io/log.js";
import { IkeUdpSockets } from "../src/io/udp.js";
import { fromHex, toHex } from "../src/wire/hex.js";
import { procCpuUs, serveRpc, ueIdi } from "./peer-rpc.js";

export interface LoadPeerConfig {
  readonly sources: readonly string[];
  /** Local ports on every source address. */
  readonly ikePort: number;
  readonly nattPort: number;
  readonly remote: { readonly address: string; readonly ikePort: number; readonly nattPort: number };
  readonly psk: string;
  readonly espProposal: string;
  readonly deadlineSeconds: number;
}

const nullSink: ChildSaSink = { install() {}, remove() {}, rehome() {} };
const timing = { retransmitMs: [2000, 4000, 8000], halfOpenMs: 30_000, dpdMs: 0 };
const random = (n: number) => new Uint8Array(randomBytes(n));

function specs(text: string, kind: "ike" | "esp"): readonly ProposalSpec[] {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new Error(r.error);
  return r.specs;
}

export interface RunResult {
  readonly [key: string]: unknown;
  readonly established: number;
  readonly failed: number;
  readonly pending: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly cpuUs: number;
  readonly failures: readonly string[];
}

export interface DeleteResult {
  readonly [key: string]: unknown;
  /** Established IKE SAs the node held. */
  readonly requested: number;
  /** Of them, ended: answered, or given up after the retransmissions (the responder's count tells which). */
  readonly deleted: number;
  readonly seconds: number;
  readonly cpuUs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2] ?? "{}") as LoadPeerConfig;
  const psk = fromHex(c.psk);
  if (!psk) throw new Error("bad psk");
  const espProposals = specs(c.espProposal, "esp");
  const any = selectorFromCidr(parseCidr("0.0.0.0/0") ?? { address: new Uint8Array(4), prefixLength: 0 });
  const sockets = new Map<string, IkeUdpSockets>();
  let onEvent: (e: IkeEvent) => void = () => {};
  const makeNode = () =>
    new IkeNode({ clock: systemClock, random, sink: nullSink, log: silentLogger, timing, sender: { send: (m, l, r) => sockets.get(l.address)?.sendIke(m, l, r) }, onEvent: (e) => onEvent(e) });
  let node = makeNode();
  for (const address of c.sources) {
    sockets.set(address, await IkeUdpSockets.open({ address, ikePort: c.ikePort, nattPort: c.nattPort }, {
      onIke: (m, r, l) => node.receive(m, r, l), onEsp: () => {},
    }));
  }
  const remote = { address: c.remote.address, port: c.remote.ikePort };

  /** One batch: the UEs of indices `ks`, at most `concurrency` in flight; stops at `timeoutMs`. */
  const batch = (ikeProposals: readonly ProposalSpec[], prefix: string, ks: readonly number[], concurrency: number, timeoutMs: number) => new Promise<RunResult>((resolve) => {
    const count = ks.length;
    const startedAt = new Map<string, number>();
    const latencies: number[] = [];
    const failures: string[] = [];
    let [started, established, failed] = [0, 0, 0];
    const cpu0 = procCpuUs("self");
    const t0 = performance.now();
    let last = t0;
    const finish = () => {
      clearTimeout(timer);
      onEvent = () => {};
      latencies.sort((a, b) => a - b);
      resolve({
        established, failed, pending: count - established - failed, seconds: (last - t0) / 1000,
        p50Ms: percentile(latencies, 0.5), p95Ms: percentile(latencies, 0.95), cpuUs: procCpuUs("self") - cpu0, failures: failures.slice(0, 3),
      });
    };
    const timer = setTimeout(finish, timeoutMs);
    const startOne = () => {
      const k = ks[started] ?? 0;
      const source = c.sources[started % c.sources.length] ?? "";
      started++;
      const idi = ueIdi(prefix, k);
      const sa = node.initiate({
        local: { address: source, port: c.ikePort }, remote, idi: { idType: IdType.ID_KEY_ID, data: idi }, psk, ikeProposals, espProposals,
        tsi: [any], tsr: [any], requestVirtualIp: true, nattPorts: { local: c.nattPort, remote: c.remote.nattPort },
      });
      startedAt.set(toHex(sa.spiI), performance.now());
    };
    const settle = () => {
      last = performance.now();
      if (established + failed >= count) return finish();
      if (started < count) startOne();
    };
    onEvent = (e) => {
      if (e.event === "child-sa-up") {
        established++;
        const at = startedAt.get(e.spiI);
        if (at !== undefined) latencies.push(performance.now() - at);
        settle();
      } else if (e.event === "ike-sa-failed") {
        failed++;
        if (failures.length < 3) failures.push(`${e.reason} ${e.detail}`);
        settle();
      }
    };
    for (let k = 0; k < Math.min(concurrency, count); k++) startOne();
  });

  /** Deletes every established IKE SA of the node, at most `concurrency` at a time, then starts a fresh node. */
  const deleteAll = (concurrency: number, timeoutMs: number) => new Promise<DeleteResult>((resolve) => {
    const queue = node.sas.filter((sa) => sa.state === "established");
    const cpu0 = procCpuUs("self");
    const t0 = performance.now();
    let [next, deleted] = [0, 0];
    const finish = () => {
      clearTimeout(timer);
      onEvent = () => {};
      node = makeNode();
      resolve({ requested: queue.length, deleted, seconds: (performance.now() - t0) / 1000, cpuUs: procCpuUs("self") - cpu0 });
    };
    const timer = setTimeout(finish, timeoutMs);
    const deleteOne = () => {
      const sa = queue[next++];
      if (sa) node.deleteIke(sa);
    };
    onEvent = (e) => {
      if (e.event !== "ike-sa-down") return;
      if (++deleted >= queue.length) finish();
      else deleteOne();
    };
    if (queue.length === 0) finish();
    for (let k = 0; k < Math.min(concurrency, queue.length); k++) deleteOne();
  });

  serveRpc("load-peer", {
    ping: () => ({ pid: process.pid }),
    deleteAll: (m) => deleteAll(Number(m["concurrency"] ?? 32), Number(m["timeoutMs"] ?? 60_000)),
    /** UEs `from` .. `from + count - 1`, or those of the indices `ks` (the multi-worker SeGW's UEs of one worker). */
    run: async (m) => {
      const [prefix, concurrency] = [String(m["prefix"]), Number(m["concurrency"])];
      const ks = Array.isArray(m["ks"]) ? m["ks"].map(Number) : Array.from({ length: Number(m["count"]) }, (_, i) => Number(m["from"]) + i);
      const count = ks.length;
      const batchSize = Number(m["batch"] ?? count);
      const ikeProposals = specs(String(m["ikeProposal"]), "ike");
      const timeoutMs = Number(m["timeoutMs"] ?? 120_000);
      const keep = m["keep"] === true;
      const parts: RunResult[] = [];
      const t0 = performance.now();
      for (let done = 0; done < count; done += batchSize) {
        parts.push(await batch(ikeProposals, prefix, ks.slice(done, done + batchSize), concurrency, timeoutMs));
        // Forget the established UEs unless asked to keep them for deleteAll: the responder keeps its SAs.
        if (!keep) node = makeNode();
      }
      return merge(parts, (performance.now() - t0) / 1000);
    },
  }, c.deadlineSeconds);
}

function merge(parts: readonly RunResult[], seconds: number): RunResult {
  const sum = (k: "established" | "failed" | "pending" | "cpuUs") => parts.reduce((s, p) => s + p[k], 0);
  const first = parts[0];
  return {
    established: sum("established"), failed: sum("failed"), pending: sum("pending"), seconds: parts.length === 1 ? first?.seconds ?? seconds : seconds,
    p50Ms: first?.p50Ms ?? NaN, p95Ms: first?.p95Ms ?? NaN, cpuUs: sum("cpuUs"), failures: parts.flatMap((p) => p.failures).slice(0, 3),
  };
}

main().catch((e: unknown) => {
  process.stderr.write(`load-peer: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
