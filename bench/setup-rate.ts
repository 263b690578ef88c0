/**
 * Set-up rate (issue 8): complete IKE_SA_INIT + IKE_AUTH (+ CP, TS narrowing, CHILD SA installed on
 * the responder) per second, against our LWIP-SeGW and against strongSwan, with the same load
 * generator (bench/load-peer.ts, our IkeNode initiator on SOURCES addresses in the UE namespace)
 * and the same proposals, between the lab's two network namespaces (test/interop/harness/netns.ts).
 * The responder's CPU time comes from /proc/<pid>/stat (utime + stime of all its threads) read
 * before and after the measured run; the warm-up run before it is not counted.
 *
 * Multi-core rows: the SeGW pinned to one core, unpinned (both cores), and as two shards (two
 * processes on two addresses, each UE on one of them): what an SPI-steered multi-process SeGW
 * could reach at most, without the cost of steering.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LAB, type Topology } from "../test/interop/harness/netns.js";
import { num, procCpuUs, RpcChild, spawnIn, type RpcReply } from "./peer-rpc.js";
import type { SegwPeerConfig } from "./segw-peer.js";
import type { LoadPeerConfig } from "./load-peer.js";
import { startStrongswanResponder } from "./strongswan-responder.js";
import { median } from "./interleaved.js";

export const SETUP = {
  proposals: [["aes128gcm16-prfsha256-ecp256", 1000], ["aes128-sha256-modp2048", 400]] as ReadonlyArray<readonly [string, number]>,
  espProposal: "aes128gcm16",
  warmup: 50,
  concurrency: 32,
  sources: 32,
  rounds: 3,
} as const;

export const SEGW_PEER = fileURLToPath(new URL("./segw-peer.js", import.meta.url));
export const LOAD_PEER = fileURLToPath(new URL("./load-peer.js", import.meta.url));
/** The second SeGW shard's address, next to LAB.segw on veth-segw. */
export const SHARD2 = "198.18.0.5";

export interface SetupRow {
  readonly responder: "lwip SeGW" | "strongSwan";
  readonly variant: string;
  readonly proposal: string;
  readonly n: number;
  readonly established: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly responderCpuMsPerSetup: number;
  /** Responder CPU time over wall time of the run: the cores it kept busy. */
  readonly responderCores: number;
  readonly generatorCpuMsPerSetup: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly runs: number;
}

/** argv of a node child, optionally pinned with taskset. */
export function nodeArgv(script: string, config: object, opts: { cpus?: string; flags?: readonly string[] } = {}): string[] {
  const pin = opts.cpus === undefined ? [] : ["taskset", "-c", opts.cpus];
  return [...pin, process.execPath, ...(opts.flags ?? []), script, JSON.stringify(config)];
}

export function sourceAddresses(n: number, first = 100): string[] {
  return Array.from({ length: n }, (_, i) => `198.18.0.${first + i}`);
}

export function segwConfig(listen: string, over: Partial<SegwPeerConfig> = {}): SegwPeerConfig {
  return {
    listen, ikePort: 500, nattPort: 4500, gtpuPort: 2152, enbGtpAddress: "198.18.0.3", lwipEndpoint: LAB.enb, pools: [LAB.pool],
    ikeProposals: SETUP.proposals.map(([p]) => p).join(","), espProposals: SETUP.espProposal, logLevel: "warn", deadlineSeconds: 300, ...over,
  };
}

export async function startSegwPeer(topo: Topology, config: SegwPeerConfig, cpus?: string): Promise<RpcChild> {
  const child = new RpcChild(`segw ${config.listen}`, spawnIn(topo.segw, nodeArgv(SEGW_PEER, config, cpus === undefined ? {} : { cpus })));
  await child.ready();
  return child;
}

export async function startLoadPeer(topo: Topology, sources: readonly string[], remote: string, psk: string): Promise<RpcChild> {
  const config: LoadPeerConfig = { sources, ikePort: 500, nattPort: 4500, remote: { address: remote, ikePort: 500, nattPort: 4500 }, psk, espProposal: SETUP.espProposal, deadlineSeconds: 600 };
  const child = new RpcChild(`load ${remote}`, spawnIn(topo.ue, nodeArgv(LOAD_PEER, config)));
  await child.ready();
  return child;
}

interface Measured {
  readonly run: RpcReply;
  readonly responderCpuUs: number;
  readonly wallS: number;
}

/** Warm-up, then the measured run; the responder's CPU is read around the measured run only. */
async function measure(gen: RpcChild, pids: readonly number[], proposal: string, prefix: string, n: number, from = 0): Promise<Measured> {
  const args = { ikeProposal: proposal, prefix, concurrency: SETUP.concurrency, timeoutMs: 120_000 };
  await gen.call("run", { ...args, from, count: SETUP.warmup }, 150_000);
  const cpu0 = pids.reduce((s, p) => s + procCpuUs(p), 0);
  const t0 = performance.now();
  const run = await gen.call("run", { ...args, from: from + SETUP.warmup, count: n }, 150_000);
  const wallS = (performance.now() - t0) / 1000;
  return { run, responderCpuUs: pids.reduce((s, p) => s + procCpuUs(p), 0) - cpu0, wallS };
}

function row(responder: SetupRow["responder"], variant: string, proposal: string, n: number, ms: readonly Measured[]): SetupRow {
  const pick = (f: (m: Measured) => number) => median(ms.map(f));
  const est = (m: Measured) => Math.max(1, num(m.run, "established"));
  return {
    responder, variant, proposal, n, runs: ms.length,
    established: pick((m) => num(m.run, "established")), failed: pick((m) => num(m.run, "failed")),
    perSecond: pick((m) => num(m.run, "established") / Math.max(1e-3, num(m.run, "seconds"))),
    responderCpuMsPerSetup: pick((m) => m.responderCpuUs / 1000 / est(m)),
    responderCores: pick((m) => m.responderCpuUs / 1e6 / m.wallS),
    generatorCpuMsPerSetup: pick((m) => num(m.run, "cpuUs") / 1000 / est(m)),
    p50Ms: pick((m) => num(m.run, "p50Ms")), p95Ms: pick((m) => num(m.run, "p95Ms")),
  };
}

let runCounter = 0;

async function segwRound(topo: Topology, psk: string, cpus?: string): Promise<Map<string, Measured>> {
  const out = new Map<string, Measured>();
  const segw = await startSegwPeer(topo, segwConfig(LAB.segw), cpus);
  const gen = await startLoadPeer(topo, sourceAddresses(SETUP.sources), LAB.segw, psk);
  try {
    for (const [proposal, n] of SETUP.proposals) {
      const prefix = `s${++runCounter}-`;
      await segw.call("provision", { prefix, from: 0, count: SETUP.warmup + n, psk }, 60_000);
      out.set(proposal, await measure(gen, [segw.pid], proposal, prefix, n));
    }
  } finally {
    await gen.stop();
    await segw.call("stop", {}, 10_000).catch(() => undefined);
    await segw.stop();
  }
  return out;
}

async function strongswanRound(topo: Topology, psk: string): Promise<Map<string, Measured>> {
  const out = new Map<string, Measured>();
  const ss = await startStrongswanResponder(topo, `load-resp-${++runCounter}`, psk, SETUP.proposals.map(([p]) => p).join(","), SETUP.espProposal);
  const gen = await startLoadPeer(topo, sourceAddresses(SETUP.sources), LAB.segw, psk);
  try {
    for (const [proposal, n] of SETUP.proposals) out.set(proposal, await measure(gen, [ss.pid], proposal, `w${++runCounter}-`, n));
  } finally {
    await gen.stop();
    await ss.stop();
  }
  return out;
}

/** Two SeGW shards, each with its own generator and half the UEs and sources, run at the same time. */
async function shardedRound(topo: Topology, psk: string, proposal: string, n: number): Promise<Measured> {
  const shards = [LAB.segw, SHARD2];
  const half = Math.floor(n / 2);
  const segws = await Promise.all(shards.map((a) => startSegwPeer(topo, segwConfig(a))));
  const gens: RpcChild[] = [];
  try {
    const srcs = sourceAddresses(SETUP.sources);
    for (const [i, a] of shards.entries()) gens.push(await startLoadPeer(topo, srcs.filter((_, k) => k % 2 === i), a, psk));
    const prefix = `m${++runCounter}-`;
    await Promise.all(segws.map((s) => s.call("provision", { prefix, from: 0, count: 2 * (SETUP.warmup + half), psk }, 60_000)));
    const pids = segws.map((s) => s.pid);
    const parts = await Promise.all(gens.map((g, i) => measure(g, pids.slice(i, i + 1), proposal, prefix, half, i * (SETUP.warmup + half))));
    const wallS = Math.max(...parts.map((p) => p.wallS));
    const sum = (k: string) => parts.reduce((s, p) => s + num(p.run, k), 0);
    const seconds = Math.max(...parts.map((p) => num(p.run, "seconds")));
    return {
      run: { ok: true, established: sum("established"), failed: sum("failed"), seconds, cpuUs: sum("cpuUs"), p50Ms: num(parts[0]?.run ?? { ok: false }, "p50Ms"), p95Ms: num(parts[0]?.run ?? { ok: false }, "p95Ms") },
      responderCpuUs: parts.reduce((s, p) => s + p.responderCpuUs, 0), wallS,
    };
  } finally {
    for (const g of gens) await g.stop();
    for (const s of segws) {
      await s.call("stop", {}, 10_000).catch(() => undefined);
      await s.stop();
    }
  }
}

export interface SetupResult {
  readonly rows: SetupRow[];
  readonly multiCore: SetupRow[];
}

/** All set-up rows: ROUNDS alternating SeGW / strongSwan rounds, then the multi-core rows (ECP-256). */
export async function benchSetupRate(topo: Topology, psk: string): Promise<SetupResult> {
  await topo.exec(topo.segw, ["true"]);
  for (const a of sourceAddresses(SETUP.sources)) await topo.addAddress(topo.ue, "veth-ue", `${a}/24`);
  await topo.addAddress(topo.segw, "veth-segw", `${SHARD2}/24`);
  const ours: Map<string, Measured>[] = [];
  const theirs: Map<string, Measured>[] = [];
  for (let r = 0; r < SETUP.rounds; r++) {
    ours.push(await segwRound(topo, psk));
    theirs.push(await strongswanRound(topo, psk));
  }
  const rows: SetupRow[] = [];
  for (const [proposal, n] of SETUP.proposals) {
    const pickAll = (runs: Map<string, Measured>[]) => runs.flatMap((m) => (m.get(proposal) ? [m.get(proposal) as Measured] : []));
    rows.push(row("lwip SeGW", "one process", proposal, n, pickAll(ours)));
    rows.push(row("strongSwan", "charon, 16 threads", proposal, n, pickAll(theirs)));
  }
  const [proposal, n] = SETUP.proposals[0] ?? ["", 0];
  const pinned = await segwRound(topo, psk, "1");
  const multiCore: SetupRow[] = [
    row("lwip SeGW", "one process pinned to 1 core", proposal, n, [pinned.get(proposal) as Measured]),
    row("lwip SeGW", "one process, 2 cores", proposal, n, ours.map((m) => m.get(proposal) as Measured)),
    row("lwip SeGW", "2 shards (2 processes, 2 cores)", proposal, n, [await shardedRound(topo, psk, proposal, n)]),
  ];
  return { rows, multiCore };
}

/** Number of CPUs this process may run on (taskset's view). */
export function cpuCount(): number {
  const r = spawnSync("nproc", { encoding: "utf8" });
  return Number(r.stdout.trim()) || 1;
}
