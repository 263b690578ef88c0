/**
 * Set-up rate (issue 8): complete IKE_SA_INIT + IKE_AUTH (+ CP, TS narrowing, CHILD SA installed on
 * the responder) per second, against our LWIP-SeGW and against strongSwan, with the same load
 * generator (bench/load-peer.ts, our IkeNode initiator on SOURCES addresses in the UE namespace)
 * and the same proposals, between the lab's two network namespaces (test/interop/harness/netns.ts).
 * The responder's CPU time comes from /proc/<pid>/stat (utime + stime of all its threads) read
 * before and after the measured run; the warm-up run before it is not counted.
 *
 * Two states of each responder process, in this order:
 * - cold: a fresh process, SETUP.coldWarmup set-ups, then the measured run (SAs kept, so the second
 *   proposal's run starts with the first's SAs held). Our SeGW pays V8's JIT compilation here
 *   (compiler threads and unoptimised code, about half a millisecond per set-up over the first
 *   couple of thousand).
 * - steady (the figure checked against issue 8's target): the same process after its cold runs;
 *   the generator deletes every IKE SA it set up (RFC 7296 §1.4.1 INFORMATIONAL Delete) and waits
 *   until the responder holds none, runs the proposal's steady warm-up (SETUP.proposals[i][2]),
 *   deletes those too, and only then the measured run. Deleting matters for strongSwan, whose cost
 *   per set-up grows with the SAs it holds (kernel-libipsec), and running longer without deleting
 *   would measure that instead.
 *
 * Multi-core rows: the one-process SeGW pinned to one core and unpinned (both cores), and the
 * multi-worker SeGW (config `workers`: a primary with the control API, one worker process per
 * address): provisioning tells each UE its worker's address, so one generator per worker address
 * runs that worker's UEs, all at the same time; the responder's CPU is the primary's and every
 * worker's.
 */
import { spawnSync } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { LAB, type Topology } from "../test/interop/harness/netns.js";
import { num, procsCpuUs, RpcChild, spawnIn, type RpcReply } from "./peer-rpc.js";
import type { SegwPeerConfig } from "./segw-peer.js";
import type { LoadPeerConfig } from "./load-peer.js";
import { startStrongswanResponder } from "./strongswan-responder.js";
import { median } from "./interleaved.js";

export const SETUP = {
  /** [IKE proposal, set-ups measured, warm-up of the steady-state run (all deleted before the measured run)]. */
  proposals: [["aes128gcm16-prfsha256-ecp256", 1000, 2000], ["aes128-sha256-modp2048", 400, 400]] as ReadonlyArray<readonly [string, number, number]>,
  espProposal: "aes128gcm16",
  /** Set-ups of a fresh responder process before its cold measured run (kept, not deleted). */
  coldWarmup: 50,
  concurrency: 32,
  sources: 32,
  rounds: 3,
} as const;

export const SEGW_PEER = fileURLToPath(new URL("./segw-peer.js", import.meta.url));
export const LOAD_PEER = fileURLToPath(new URL("./load-peer.js", import.meta.url));
/** The multi-worker SeGW's second worker address, next to LAB.segw (the first) on veth-segw. */
export const WORKER2 = "198.18.0.5";
/** The worker addresses of the multi-worker rows. */
export const WORKERS: readonly string[] = [LAB.segw, WORKER2];

/** "cold": a fresh responder process; "steady": the same process later, after deleting all it held (see above). */
export type SetupPhase = "steady" | "cold";

export interface SetupRow {
  readonly responder: "lwip SeGW" | "strongSwan";
  readonly variant: string;
  readonly proposal: string;
  readonly phase: SetupPhase;
  /** Set-ups the responder had completed before the measured run (median of the runs; all workers together). */
  readonly setupsBefore: number;
  /** IKE SAs the responder held when the measured run began (median; all workers together). */
  readonly heldAtStart: number;
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
  /** The multi-worker SeGW: its primary's share of responderCpuMsPerSetup. */
  readonly primaryCpuMsPerSetup?: number;
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
  /** Of it, the first process's (the multi-worker SeGW's primary). */
  readonly firstCpuUs: number;
  readonly wallS: number;
  readonly setupsBefore: number;
  readonly heldAtStart: number;
}

/** A responder under test, as the runs see it. */
interface Responder {
  /** Its processes (the multi-worker SeGW: the primary and its workers): the responder's CPU is theirs together. */
  readonly pids: readonly number[];
  /** IKE SAs it holds now, half-open included. */
  ikeSas(): Promise<number>;
  /**
   * Makes UEs `<prefix>0` .. `<prefix><count - 1>` known: our SeGW needs an LWIP ADDITION (single-use PSK) per UE; strongSwan takes any key-id.
   * Returns, per UE, the responder address it must run IKE with when there are several (the multi-worker SeGW).
   */
  provision(prefix: string, count: number): Promise<readonly string[] | undefined>;
}

/** The load generators (one per responder address) driving one responder, which has completed `setups` set-ups so far. */
interface Session {
  readonly gens: readonly { readonly address: string; readonly gen: RpcChild }[];
  readonly responder: Responder;
  setups: number;
}

let runCounter = 0;

/** The runs of generators that went on at the same time, as one: counts and CPU summed, the longest time, the worst percentiles. */
function mergeRuns(parts: readonly RpcReply[]): RpcReply {
  if (parts.length === 1 && parts[0]) return parts[0];
  const sum = (k: string) => parts.reduce((s, p) => s + num(p, k), 0);
  const most = (k: string) => Math.max(...parts.map((p) => num(p, k)));
  return { ok: true, established: sum("established"), failed: sum("failed"), seconds: most("seconds"), cpuUs: sum("cpuUs"), p50Ms: most("p50Ms"), p95Ms: most("p95Ms") };
}

/**
 * `count` set-ups of UEs `<prefix><from>`.., kept by the generators for {@link deleteAll}: all by the
 * one generator, or with `workerOf` each UE by the generator of its worker's address, all at once.
 */
async function setups(s: Session, proposal: string, prefix: string, from: number, count: number, workerOf?: readonly string[]): Promise<RpcReply> {
  const run = { ikeProposal: proposal, prefix, concurrency: SETUP.concurrency, timeoutMs: 120_000, keep: true };
  const ues = Array.from({ length: count }, (_, i) => from + i);
  const shares = workerOf === undefined ? [] : s.gens.map(({ address, gen }) => ({ gen, ks: ues.filter((k) => workerOf[k] === address) }));
  if (workerOf !== undefined && shares.reduce((n, x) => n + x.ks.length, 0) !== count) throw new Error(`UEs given a worker address with no generator: ${[...new Set(workerOf)].join(", ")}`);
  const calls = workerOf === undefined
    ? [s.gens[0]?.gen.call("run", { ...run, from, count }, 150_000) ?? Promise.reject(new Error("no load generator"))]
    : shares.filter((x) => x.ks.length > 0).map(({ gen, ks }) => gen.call("run", { ...run, ks }, 150_000));
  const r = mergeRuns(await Promise.all(calls));
  s.setups += num(r, "established");
  return r;
}

/** The generators delete every IKE SA they hold (RFC 7296 §1.4.1); resolves once the responder holds none at all. */
async function deleteAll(s: Session): Promise<void> {
  await Promise.all(s.gens.map(({ gen }) => gen.call("deleteAll", { concurrency: SETUP.concurrency, timeoutMs: 60_000 }, 70_000)));
  const until = performance.now() + 30_000;
  for (let held = await s.responder.ikeSas(); held > 0; held = await s.responder.ikeSas()) {
    if (performance.now() > until) throw new Error(`the responder still holds ${held} IKE SAs after the generator deleted all of its own`);
    await delay(100);
  }
}

/**
 * Warm-up, then the measured run, in the state `phase` (see the module comment); the responder's
 * CPU is read around the measured run only.
 */
async function measure(s: Session, proposal: string, n: number, steadyWarmup: number, phase: SetupPhase): Promise<Measured> {
  const warmup = phase === "cold" ? SETUP.coldWarmup : steadyWarmup;
  const prefix = `${phase === "cold" ? "c" : "s"}${++runCounter}-`;
  const workerOf = await s.responder.provision(prefix, warmup + n);
  if (phase === "steady") await deleteAll(s);
  await setups(s, proposal, prefix, 0, warmup, workerOf);
  if (phase === "steady") await deleteAll(s);
  const [heldAtStart, setupsBefore] = [await s.responder.ikeSas(), s.setups];
  const first = s.responder.pids.slice(0, 1);
  const [cpu0, first0] = [procsCpuUs(s.responder.pids), procsCpuUs(first)];
  const t0 = performance.now();
  const run = await setups(s, proposal, prefix, warmup, n, workerOf);
  const wallS = (performance.now() - t0) / 1000;
  return { run, responderCpuUs: procsCpuUs(s.responder.pids) - cpu0, firstCpuUs: procsCpuUs(first) - first0, wallS, setupsBefore, heldAtStart };
}

type Proposals = typeof SETUP.proposals;
const key = (phase: SetupPhase, proposal: string) => `${phase} ${proposal}`;

/** One responder process: the cold run of each proposal, then (with `steady`) the steady-state run of each. */
async function runAll(s: Session, proposals: Proposals, steady: boolean): Promise<Map<string, Measured>> {
  const out = new Map<string, Measured>();
  for (const [proposal, n, w] of proposals) out.set(key("cold", proposal), await measure(s, proposal, n, w, "cold"));
  if (steady) for (const [proposal, n, w] of proposals) out.set(key("steady", proposal), await measure(s, proposal, n, w, "steady"));
  return out;
}

function row(responder: SetupRow["responder"], variant: string, phase: SetupPhase, proposal: string, n: number, ms: readonly Measured[], withPrimary = false): SetupRow {
  const pick = (f: (m: Measured) => number) => median(ms.map(f));
  const est = (m: Measured) => Math.max(1, num(m.run, "established"));
  return {
    responder, variant, proposal, phase, n, runs: ms.length, setupsBefore: pick((m) => m.setupsBefore), heldAtStart: pick((m) => m.heldAtStart),
    established: pick((m) => num(m.run, "established")), failed: pick((m) => num(m.run, "failed")),
    perSecond: pick((m) => num(m.run, "established") / Math.max(1e-3, num(m.run, "seconds"))),
    responderCpuMsPerSetup: pick((m) => m.responderCpuUs / 1000 / est(m)),
    responderCores: pick((m) => m.responderCpuUs / 1e6 / m.wallS),
    generatorCpuMsPerSetup: pick((m) => num(m.run, "cpuUs") / 1000 / est(m)),
    p50Ms: pick((m) => num(m.run, "p50Ms")), p95Ms: pick((m) => num(m.run, "p95Ms")),
    ...(withPrimary ? { primaryCpuMsPerSetup: pick((m) => m.firstCpuUs / 1000 / est(m)) } : {}),
  };
}

/** The processes of a SeGW peer: itself, and with workers every worker process. */
export async function segwPids(segw: RpcChild): Promise<number[]> {
  const pids = (await segw.call("pids", {}, 10_000))["pids"];
  if (!Array.isArray(pids) || pids.length === 0) throw new Error("the SeGW peer named no processes");
  return pids.map(Number);
}

/** Our SeGW peer as a responder: with workers, its CPU is the primary's and every worker's. */
async function segwResponder(segw: RpcChild, psk: string): Promise<Responder> {
  return {
    pids: await segwPids(segw),
    ikeSas: async () => num(await segw.call("stats", {}, 10_000), "ikeSas"),
    provision: async (prefix, count) => (await segw.call("provision", { prefix, from: 0, count, psk }, 60_000))["workerOf"] as string[] | undefined,
  };
}

async function stopSegw(segw: RpcChild): Promise<void> {
  await segw.call("stop", {}, 10_000).catch(() => undefined);
  await segw.stop();
}

/**
 * A fresh SeGW process: one process on LAB.segw (pinned to `cpus` if given) with one generator, or
 * with `workers` the multi-worker SeGW with one generator per worker address, each on its share of
 * the source addresses.
 */
async function segwRound(topo: Topology, psk: string, o: { steady: boolean; cpus?: string; proposals?: Proposals; workers?: readonly string[] }): Promise<Map<string, Measured>> {
  const segw = await startSegwPeer(topo, segwConfig(LAB.segw, o.workers === undefined ? {} : { workers: o.workers }), o.cpus);
  const targets = o.workers ?? [LAB.segw];
  const gens: Session["gens"][number][] = [];
  try {
    const srcs = sourceAddresses(SETUP.sources);
    for (const [i, address] of targets.entries()) gens.push({ address, gen: await startLoadPeer(topo, srcs.filter((_, k) => k % targets.length === i), address, psk) });
    return await runAll({ gens, responder: await segwResponder(segw, psk), setups: 0 }, o.proposals ?? SETUP.proposals, o.steady);
  } finally {
    for (const { gen } of gens) await gen.stop();
    await stopSegw(segw);
  }
}

async function strongswanRound(topo: Topology, psk: string): Promise<Map<string, Measured>> {
  const ss = await startStrongswanResponder(topo, `load-resp-${++runCounter}`, psk, SETUP.proposals.map(([p]) => p).join(","), SETUP.espProposal);
  const gen = await startLoadPeer(topo, sourceAddresses(SETUP.sources), LAB.segw, psk);
  try {
    const responder: Responder = { pids: [ss.pid], ikeSas: () => ss.ikeSas(), provision: () => Promise.resolve(undefined) };
    return await runAll({ gens: [{ address: LAB.segw, gen }], responder, setups: 0 }, SETUP.proposals, true);
  } finally {
    await gen.stop();
    await ss.stop();
  }
}

export interface SetupResult {
  /** Per proposal: steady then cold, ours then strongSwan's. */
  readonly rows: SetupRow[];
  readonly multiCore: SetupRow[];
}

/** The generators' source addresses and the second worker's address. */
async function addLabAddresses(topo: Topology): Promise<void> {
  await topo.exec(topo.segw, ["true"]);
  for (const a of sourceAddresses(SETUP.sources)) await topo.addAddress(topo.ue, "veth-ue", `${a}/24`);
  await topo.addAddress(topo.segw, "veth-segw", `${WORKER2}/24`);
}

const pickAll = (runs: Map<string, Measured>[], k: string) => runs.flatMap((m) => m.get(k) ?? []);

/** Label of the multi-worker rows. */
export const WORKERS_VARIANT = `${WORKERS.length} workers: primary + ${WORKERS.length} worker processes, 2 cores`;

/**
 * The multi-core rows (ECP-256): the one-process SeGW pinned to one core (cold), free on both cores
 * (`ours`: rounds that ran the ECP-256 proposal cold and steady), and the multi-worker SeGW, cold and
 * steady; its steady warm-up is the one process's times the workers, so that each worker process
 * has run about as many set-ups (V8 compiles each process's code on its own).
 */
async function multiCoreRows(topo: Topology, psk: string, ours: Map<string, Measured>[]): Promise<SetupRow[]> {
  const ecp = SETUP.proposals[0] ?? ["", 0, 0];
  const [proposal, n, w] = ecp;
  const pinned = await segwRound(topo, psk, { steady: false, cpus: "1", proposals: [ecp] });
  const workers = await segwRound(topo, psk, { steady: true, proposals: [[proposal, n, w * WORKERS.length]], workers: WORKERS });
  const rows: SetupRow[] = [row("lwip SeGW", "one process pinned to 1 core", "cold", proposal, n, pickAll([pinned], key("cold", proposal)))];
  for (const phase of ["cold", "steady"] as const) {
    rows.push(row("lwip SeGW", "one process, 2 cores", phase, proposal, n, pickAll(ours, key(phase, proposal))));
    rows.push(row("lwip SeGW", WORKERS_VARIANT, phase, proposal, n, pickAll([workers], key(phase, proposal)), true));
  }
  return rows;
}

/** All set-up rows: ROUNDS alternating SeGW / strongSwan rounds (cold, then steady), then the multi-core rows (ECP-256). */
export async function benchSetupRate(topo: Topology, psk: string): Promise<SetupResult> {
  await addLabAddresses(topo);
  const ours: Map<string, Measured>[] = [];
  const theirs: Map<string, Measured>[] = [];
  for (let r = 0; r < SETUP.rounds; r++) {
    ours.push(await segwRound(topo, psk, { steady: true }));
    theirs.push(await strongswanRound(topo, psk));
  }
  const rows: SetupRow[] = [];
  for (const [proposal, n] of SETUP.proposals) {
    for (const phase of ["steady", "cold"] as const) {
      rows.push(row("lwip SeGW", "one process", phase, proposal, n, pickAll(ours, key(phase, proposal))));
      rows.push(row("strongSwan", "charon, 16 threads", phase, proposal, n, pickAll(theirs, key(phase, proposal))));
    }
  }
  return { rows, multiCore: await multiCoreRows(topo, psk, ours) };
}

/** Only the multi-core rows (bench/multicore-only.ts), with one unpinned one-process round of their own. */
export async function benchSetupMultiCore(topo: Topology, psk: string): Promise<SetupRow[]> {
  await addLabAddresses(topo);
  const ecp = SETUP.proposals[0] ?? ["", 0, 0];
  return multiCoreRows(topo, psk, [await segwRound(topo, psk, { steady: true, proposals: [ecp] })]);
}

/** Number of CPUs this process may run on (taskset's view). */
export function cpuCount(): number {
  const r = spawnSync("nproc", { encoding: "utf8" });
  return Number(r.stdout.trim()) || 1;
}
