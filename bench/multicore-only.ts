/**
 * Only the multi-core rows of the suite (bench/setup-rate.ts benchSetupMultiCore, bench/traffic.ts
 * benchTrafficMultiCore): the one-process SeGW pinned and unpinned next to the multi-worker SeGW,
 * between the interop lab's namespaces, printed as short tables and JSON, without writing docs/.
 * Root needed (network namespaces); no strongSwan:
 *
 *   node bench/multicore-only.js [setup] [traffic]     (both when neither is named)
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { Topology } from "../test/interop/harness/netns.js";
import { benchSetupMultiCore, type SetupRow } from "./setup-rate.js";
import { benchTrafficMultiCore, segwTraffic, TRAFFIC, type SegwTrafficRow } from "./traffic.js";

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");

function setupLines(rows: readonly SetupRow[]): string[] {
  const lines = ["| SeGW | state | set-ups/s | responder CPU ms / set-up | responder cores busy | generator CPU ms / set-up | p50 / p95 ms | established / failed |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"];
  for (const r of rows) lines.push(`| ${r.variant} | ${r.phase} | ${f(r.perSecond)} | ${f(r.responderCpuMsPerSetup, 2)}${r.primaryCpuMsPerSetup === undefined ? "" : ` (primary ${f(r.primaryCpuMsPerSetup, 2)})`} | ${f(r.responderCores, 2)} | ${f(r.generatorCpuMsPerSetup, 2)} | ${f(r.p50Ms, 0)} / ${f(r.p95Ms, 0)} | ${r.established} / ${r.failed} |`);
  return lines;
}

function trafficLines(rows: readonly SegwTrafficRow[]): string[] {
  const lines = ["| SeGW | UEs | UDP payload | packets/s | Gbit/s | SeGW CPU µs / packet | SeGW cores busy | peer cores busy | stalls |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"];
  for (const r of rows) lines.push(`| ${r.variant} | ${r.ues} | ${r.payloadBytes} | ${f(r.packetsPerSecond, 0)} | ${f(r.gbitPerSecond, 3)} | ${f(r.segwCpuUsPerPacket, 1)} | ${f(r.segwCores, 2)} | ${f(r.peerCores, 2)} | ${r.stalls} |`);
  return lines;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const all = args.length === 0;
  const psk = randomBytes(32).toString("hex");
  const load0 = loadavg()[0] ?? NaN;
  const topo = await Topology.create();
  try {
    const out: { setup?: SetupRow[]; traffic?: SegwTrafficRow[] } = {};
    if (all || args.includes("setup")) {
      out.setup = await benchSetupMultiCore(topo, psk);
      process.stdout.write(`${setupLines(out.setup).join("\n")}\n\n`);
    }
    if (all || args.includes("traffic")) {
      const multi = await benchTrafficMultiCore(topo, psk);
      const one = await segwTraffic(topo, psk, "one process", { latency: false, directions: ["uplink"], payloads: TRAFFIC.payloads });
      out.traffic = [...one.rows, ...multi];
      process.stdout.write(`${trafficLines(out.traffic).join("\n")}\n\n`);
    }
    process.stdout.write(`load (1 min) before ${f(load0, 2)}, after ${f(loadavg()[0] ?? NaN, 2)}\n${JSON.stringify(out)}\n`);
  } finally {
    await topo.teardown();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`multicore-only: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
