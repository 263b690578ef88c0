/**
 * Only the throughput and latency part of the suite (bench/traffic.ts benchTraffic): the SeGW and
 * strongSwan's libipsec between the interop lab's namespaces, printed as JSON and a short table,
 * without writing docs/. Root, strongswan and iperf3 needed:
 *
 *   node bench/traffic-only.js [--no-strongswan]
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { missingPrerequisites } from "../test/interop/harness/prerequisites.js";
import { Topology } from "../test/interop/harness/netns.js";
import { strongswanTunnelRows } from "./esp-tunnel-netns.js";
import { segwTraffic, TRAFFIC } from "./traffic.js";

async function main(): Promise<void> {
  const missing = missingPrerequisites({ lwip: false });
  if (missing.length > 0) throw new Error(`missing: ${missing.join("; ")}`);
  const withStrongswan = !process.argv.includes("--no-strongswan");
  const psk = randomBytes(32).toString("hex");
  const load0 = loadavg()[0] ?? NaN;
  const topo = await Topology.create();
  try {
    await topo.addAddress(topo.ue, "veth-ue", "198.18.0.3/24");
    const ours = await segwTraffic(topo, psk, "one process", { latency: true, directions: ["uplink", "downlink"], payloads: TRAFFIC.payloads });
    const strongswan = withStrongswan ? await strongswanTunnelRows(topo, TRAFFIC.seconds, TRAFFIC.payloads).catch((e: unknown) => `failed: ${String(e)}`) : "not run";
    const lines = ["| direction | UDP payload | packets/s | Gbit/s | SeGW CPU µs / packet | SeGW cores busy | stalls |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"];
    for (const r of ours.rows) {
      lines.push(`| ${r.direction} | ${r.payloadBytes} | ${r.packetsPerSecond.toFixed(0)} | ${r.gbitPerSecond.toFixed(3)} | ${r.segwCpuUsPerPacket.toFixed(1)} | ${r.segwCores.toFixed(2)} | ${r.stalls} |`);
    }
    if (typeof strongswan !== "string") {
      for (const s of strongswan) lines.push(`| strongSwan uplink | ${s.payloadBytes} | ${s.packetsPerSecond.toFixed(0)} | ${s.gbitPerSecond.toFixed(3)} (loss ${s.lossPercent.toFixed(0)} %) | | | |`);
    }
    for (const l of ours.latency) lines.push(`| latency: ${l.path} | 64 | p50 ${l.p50Us.toFixed(0)} µs | p99 ${l.p99Us.toFixed(0)} µs | | | |`);
    process.stdout.write(`load (1 min) before ${load0.toFixed(2)}, after ${(loadavg()[0] ?? NaN).toFixed(2)}\n${lines.join("\n")}\n`);
    process.stdout.write(`${JSON.stringify({ segw: ours.rows, latency: ours.latency, strongswan })}\n`);
  } finally {
    await topo.teardown();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`traffic-only: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
