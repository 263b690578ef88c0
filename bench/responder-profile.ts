/**
 * Responder CPU per IKEv2 set-up on loopback, without namespaces or root (issue 8's set-up target,
 * for profiling): the real SeGW process (bench/segw-peer.ts: startSegw, log level warn, UEs
 * provisioned before the run) and the real load generator (bench/load-peer.ts) as two children on
 * 127.77.0.0/24, the generator on 32 source addresses with 32 handshakes in flight as in
 * bench/setup-rate.ts. The responder's CPU (utime + stime from /proc, all threads, and its main
 * thread alone) is read around the measured run only, after a warm-up.
 *
 *   node bench/responder-profile.js [n=1000] [proposal=aes128gcm16-prfsha256-ecp256] [--warmup N=50]
 *     [--warmup-proposal P] [--chunk K] [--node-flags "..."] [--cpu-prof DIR] [--perf FILE]
 *
 * The warm-up matters: V8 optimises the handshake path over the first few thousand set-ups, so a
 * fresh process after a warm-up of 50 (bench/setup-rate.ts's "cold" rows) pays JIT compilation in its figure;
 * `--warmup 5000` shows the steady state, `--chunk 250` the CPU per set-up of each 250 in turn.
 * `--warmup-proposal` makes the warm-up use another proposal (the SeGW accepts both), as
 * bench/setup-rate.ts measures MODP-2048 in a SeGW that has just done the ECP-256 run.
 * With --cpu-prof the SeGW child runs under `node --cpu-prof` and writes its .cpuprofile into DIR
 * when it stops (warm-up and provisioning included; bench/cpuprofile-aggregate.ts sums it by function).
 * With --perf (root, perf(1) installed) `perf record -g` samples the SeGW child during the measured
 * run only, JavaScript frames named through --perf-basic-prof.
 * It also prints the bare floor of bench/setup-floor.ts, timed in this (the orchestrating) process.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { LoadPeerConfig } from "./load-peer.js";
import { num, RpcChild, spawnIn } from "./peer-rpc.js";
import type { SegwPeerConfig } from "./segw-peer.js";
import { setupFloorMs } from "./setup-floor.js";

const SEGW = "127.77.0.1";
const SOURCES = Array.from({ length: 32 }, (_, i) => `127.77.0.${100 + i}`);
const PORTS = { ike: 25500, natt: 25450, gtpu: 25152 };
const CONCURRENCY = 32;

interface Options {
  readonly n: number;
  readonly proposal: string;
  readonly warmup: number;
  readonly warmupProposal: string;
  readonly chunk: number;
  readonly nodeFlags: readonly string[];
  readonly perfFile: string | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const args = [...argv];
  const take = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const profDir = take("--cpu-prof");
  const perfFile = take("--perf");
  const warmup = Number(take("--warmup") ?? 50);
  const warmupProposal = take("--warmup-proposal");
  const chunk = take("--chunk");
  const extra = (take("--node-flags") ?? "").split(" ").filter((f) => f !== "");
  const n = Number(args[0] ?? 1000);
  const proposal = args[1] ?? "aes128gcm16-prfsha256-ecp256";
  return {
    n, proposal, warmup, warmupProposal: warmupProposal ?? proposal, chunk: chunk === undefined ? n : Number(chunk), perfFile,
    nodeFlags: [...(profDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profDir]), ...(perfFile === undefined ? [] : ["--perf-basic-prof"]), ...extra],
  };
}

/** utime + stime in µs of a process or, with `tid`, of one of its threads (fields 14 and 15 of proc(5), 1/100 s ticks). */
function cpuUs(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 1e4;
}

function script(name: string): string {
  return fileURLToPath(new URL(`./${name}.js`, import.meta.url));
}

/** The measured run, in chunks: the CPU of the SeGW (all threads, main thread) and the generator's figures. */
async function measure(segw: RpcChild, gen: RpcChild, o: Options): Promise<Record<string, unknown>> {
  const run = { ikeProposal: o.proposal, prefix: "p-", concurrency: CONCURRENCY, timeoutMs: 300_000 };
  const perf = o.perfFile === undefined ? undefined : spawnIn(undefined, ["perf", "record", "-g", "-o", o.perfFile, "-p", String(segw.pid)]);
  const [all0, main0] = [cpuUs(segw.pid), cpuUs(segw.pid, segw.pid)];
  const curve: number[] = [];
  let [established, failed, seconds, genUs] = [0, 0, 0, 0];
  for (let done = 0; done < o.n; done += o.chunk) {
    const c0 = cpuUs(segw.pid);
    const r = await gen.call("run", { ...run, from: o.warmup + done, count: Math.min(o.chunk, o.n - done) }, 300_000);
    curve.push(+((cpuUs(segw.pid) - c0) / 1000 / Math.max(1, num(r, "established"))).toFixed(3));
    [established, failed, seconds, genUs] = [established + num(r, "established"), failed + num(r, "failed"), seconds + num(r, "seconds"), genUs + num(r, "cpuUs")];
  }
  const [allUs, mainUs] = [cpuUs(segw.pid) - all0, cpuUs(segw.pid, segw.pid) - main0];
  if (perf) await new Promise((resolve) => perf.once("exit", resolve).kill("SIGINT"));
  const per = (us: number) => +(us / 1000 / Math.max(1, established)).toFixed(3);
  return {
    established, failed, responderCpuMsPerSetup: per(allUs), responderMainThreadMsPerSetup: per(mainUs),
    responderThreads: readdirSync(`/proc/${segw.pid}/task`).length, generatorCpuMsPerSetup: per(genUs),
    perSecond: +(established / seconds).toFixed(1), ...(curve.length > 1 ? { curve } : {}),
  };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const psk = randomBytes(32).toString("hex");
  const segwConfig: SegwPeerConfig = {
    listen: SEGW, ikePort: PORTS.ike, nattPort: PORTS.natt, gtpuPort: PORTS.gtpu, enbGtpAddress: "127.77.0.3", lwipEndpoint: "127.77.1.1",
    pools: ["198.18.64.0/18"], ikeProposals: [...new Set([o.proposal, o.warmupProposal])].join(","), espProposals: "aes128gcm16", logLevel: "warn", deadlineSeconds: 600,
  };
  const loadConfig: LoadPeerConfig = {
    sources: SOURCES, ikePort: PORTS.ike, nattPort: PORTS.natt, remote: { address: SEGW, ikePort: PORTS.ike, nattPort: PORTS.natt },
    psk, espProposal: "aes128gcm16", deadlineSeconds: 600,
  };
  const segw = new RpcChild("segw", spawnIn(undefined, [process.execPath, ...o.nodeFlags, script("segw-peer"), JSON.stringify(segwConfig)]));
  await segw.ready();
  const gen = new RpcChild("load", spawnIn(undefined, [process.execPath, script("load-peer"), JSON.stringify(loadConfig)]));
  try {
    await gen.ready();
    await segw.call("provision", { prefix: "p-", from: 0, count: o.warmup + o.n, psk }, 120_000);
    await gen.call("run", { ikeProposal: o.warmupProposal, prefix: "p-", concurrency: CONCURRENCY, timeoutMs: 300_000, from: 0, count: o.warmup }, 300_000);
    const floor = setupFloorMs(o.proposal);
    const load0 = loadavg()[0] ?? NaN;
    const result = await measure(segw, gen, o);
    process.stdout.write(`${JSON.stringify({
      proposal: o.proposal, warmup: o.warmup, ...result,
      floorMsPerSetup: { dh: +floor.dhMs.toFixed(3), rest: +floor.otherMs.toFixed(3) },
      load1: [load0, loadavg()[0] ?? NaN].map((l) => +l.toFixed(2)),
    })}\n`);
  } finally {
    await gen.stop();
    await segw.call("stop", {}, 10_000).catch(() => undefined);
    await segw.stop(10_000);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`responder-profile: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
