/**
 * `npm run bench` with no argument: the whole comparison of issue 8 in one invocation, on one
 * machine: set-up rate and responder CPU against strongSwan, throughput against strongSwan's
 * libipsec, added latency, memory per UE at 10k and 100k UEs, multi-core rows, and the bare
 * node:crypto floor. Writes docs/benchmarks.md, docs/benchmarks.json and docs/benchmarks.svg.
 * The namespaces are the interop lab's (198.18.0.0/15 only), torn down on the way out.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { join } from "node:path";
import { missingPrerequisites } from "../test/interop/harness/prerequisites.js";
import { Topology } from "../test/interop/harness/netns.js";
import { benchEspMicro } from "./esp-micro.js";
import { benchScale } from "./scale.js";
import { benchSetupRate, type SetupResult } from "./setup-rate.js";
import { strongswanVersion } from "./strongswan-responder.js";
import { benchTraffic, benchTrafficMultiCore, type SegwTrafficRow, type TrafficResult } from "./traffic.js";
import { renderMarkdown, renderSvg, type SuiteReport } from "./report.js";

async function part<T>(name: string, run: () => Promise<T>): Promise<T | string> {
  const t0 = performance.now();
  process.stderr.write(`bench: ${name} ...\n`);
  try {
    const r = await run();
    process.stderr.write(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    return r;
  } catch (e) {
    process.stderr.write(`bench: ${name} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
    return `failed: ${(e instanceof Error ? e.message : String(e)).split("\n")[0] ?? ""}`;
  }
}

/** Runs everything and writes the report files into `docsDir`. */
export async function runSuite(docsDir: string): Promise<SuiteReport> {
  const started = new Date();
  const load0 = loadavg()[0] ?? NaN;
  const missing = missingPrerequisites({ lwip: false });
  const psk = randomBytes(32).toString("hex");
  let setup: SetupResult | string = `skipped: ${missing.join("; ")}`;
  let traffic: TrafficResult | string = setup;
  let trafficMultiCore: SegwTrafficRow[] | string = setup;
  if (missing.length === 0) {
    const topo = await Topology.create();
    try {
      setup = await part("set-up rate (netns, SeGW and strongSwan)", () => benchSetupRate(topo, psk));
      traffic = await part("throughput and latency (netns)", () => benchTraffic(topo, psk));
      trafficMultiCore = await part("throughput, multi-core (pinned, 2 UEs, 2 workers)", () => benchTrafficMultiCore(topo, psk));
    } finally {
      await topo.teardown();
    }
  }
  const micro = await part("ESP per-packet cost vs bare cipher", () => benchEspMicro());
  const scale = await part("scale: 10k and 100k UEs (loopback)", () => benchScale());
  const report: SuiteReport = {
    started: started.toISOString(), seconds: (Date.now() - started.getTime()) / 1000,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "?", kernel: release(), node: process.version, strongswan: missing.length === 0 ? await strongswanVersion() : "not run", loadBefore: load0, loadAfter: loadavg()[0] ?? NaN },
    setup, traffic, trafficMultiCore, micro, scale,
  };
  mkdirSync(docsDir, { recursive: true });
  writeFileSync(join(docsDir, "benchmarks.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(docsDir, "benchmarks.md"), renderMarkdown(report));
  writeFileSync(join(docsDir, "benchmarks.svg"), renderSvg(report));
  process.stderr.write(`bench: wrote ${join(docsDir, "benchmarks.md")}, benchmarks.json, benchmarks.svg (${report.seconds.toFixed(0)} s)\n`);
  return report;
}
