/**
 * `npm run soak -- [--minutes N] [flood] [faults]`: the long variants of test/resilience, bounded
 * in time (default 5 minutes in all, at most 60) and only on loopback addresses.
 *   flood:  IKE_SA_INIT floods (one source, then 250 spoofed sources, alternating, 20 s each) with
 *           100 provisioned UEs connecting during each; per cycle the UEs up, the half-open
 *           high-water mark, cookies, and the heap after GC against the first cycle's.
 *   faults: 8 UEs behind lossy, duplicating, reordering, replaying relays, each cycle setting up,
 *           carrying 200 SDUs each way and releasing; per cycle the SDUs delivered, duplicates, and
 *           whether the SeGW's tables and timers came back to baseline.
 * Prints one JSON line per cycle and a summary; exits 1 if any check failed.
 */
import { runFloodScenario } from "../test/resilience/support/flood-scenario.js";
import { heapAfterGc } from "../test/resilience/support/heap.js";
import { startResilLab } from "../test/resilience/support/lab.js";
import { CLEAN, FaultyRelay } from "../test/resilience/support/relay.js";
import { sleep, startResilSegw, until } from "../test/resilience/support/segw.js";
import { is } from "../src/demo/lab.js";
import { probeSdu } from "../src/lwip/traffic.js";

const LIMITS = { ikeSaInitPerSourcePerSecond: 5, ikeSaInitPerSecond: 200, halfOpenCookieThreshold: 20, halfOpenMax: 200 };
const HEAP_BOUND = 16 * 1024 * 1024;
const failures: string[] = [];

function check(ok: boolean, what: string): void {
  if (!ok) failures.push(what);
}

async function soakFlood(untilMs: number): Promise<void> {
  const fx = await startResilSegw({ net: "127.0.45", ndsIp: "platform", rateLimits: LIMITS, halfOpenSeconds: 2 });
  let firstHeap: number | undefined;
  for (let cycle = 0; Date.now() < untilMs; cycle++) {
    const spoofed = cycle % 2 === 1;
    const o = await runFloodScenario(fx, { sources: spoofed ? 250 : 1, packetsPerSecond: 3000, durationMs: 20_000, ues: 100, ueStartMs: 500, sourceOctet: 80 + (cycle % 40) });
    firstHeap ??= o.heapBefore;
    const times = o.results.filter((r) => r.up).map((r) => r.ms).sort((a, b) => a - b);
    const line = {
      soak: "flood", cycle, spoofed, sent: o.flood.sent, up: o.up, p50SetupMs: times[Math.floor(times.length / 2)] ?? null, maxSetupMs: times.at(-1) ?? null,
      maxHalfOpen: o.maxHalfOpen, cookiesSent: o.cookiesSent, rateDrops: o.rateDrops, heapGrowthSinceStart: o.heapAfter - firstHeap, tables: fx.tables(),
    };
    console.log(JSON.stringify(line));
    check(o.up >= 99, `flood cycle ${cycle} (${spoofed ? "spoofed" : "one source"}): ${o.up}/100 UEs up`);
    check(o.maxHalfOpen <= LIMITS.halfOpenMax, `flood cycle ${cycle}: half-open ${o.maxHalfOpen}`);
    check(o.heapAfter - firstHeap < HEAP_BOUND, `flood cycle ${cycle}: heap grew ${o.heapAfter - firstHeap} bytes`);
  }
  await fx.stop();
}

async function soakFaults(untilMs: number): Promise<void> {
  const net = "127.0.46";
  const lab = await startResilLab({ net, ndsIp: "platform", halfOpenSeconds: 3 });
  const n = 8;
  const relays = await Promise.all(Array.from({ length: n }, (_, k) => FaultyRelay.open({
    listen: lab.fx.addresses.segw, ikePort: 20500 + k, nattPort: 24500 + k, upstream: `${net}.${100 + k}`,
    segw: lab.fx.addresses.segw, segwIkePort: 10500, segwNattPort: 14500, seed: 5000 + k,
  })));
  const ues = await Promise.all(relays.map((_, k) => lab.addUe(k, {
    segwIkePort: 20500 + k, segwNattPort: 24500 + k,
    ikeTiming: { retransmitMs: [300, 300, 600, 600, 1200, 1200, 2400], halfOpenMs: 30_000, dpdMs: 0 },
  })));
  let firstHeap: number | undefined;
  for (let cycle = 0; Date.now() < untilMs; cycle++) {
    for (const r of relays) r.profile = { loss: 0.2, duplicate: 0.2, reorder: 0.3, delayMs: 2, jitterMs: 15, replay: 0.05, replayAfterMs: 300 };
    const from = lab.log.mark();
    await Promise.all(ues.map((ue) => lab.enb.setupLwip(ue.ueId, [{ drbId: 1, type: "lwip" }])));
    const up = await Promise.all(ues.map((ue) => lab.log.waitFor(is("lwip-tunnel-up", "eNB", ue.ueId), "tunnel up", from, 30_000).then(() => true, () => false)));
    for (let seq = 0; seq < 200; seq++) {
      for (const ue of ues) {
        ue.sendUplink(1, probeSdu({ drbId: 1, direction: "uplink", seq: cycle * 1000 + seq }));
        lab.enb.sendDownlink(ue.ueId, 1, probeSdu({ drbId: 1, direction: "downlink", seq: cycle * 1000 + seq }));
      }
      if (seq % 10 === 9) await sleep(5);
    }
    await sleep(500);
    for (const r of relays) r.profile = { ...CLEAN };
    await Promise.all(ues.map((ue) => lab.enb.releaseLwip(ue.ueId)));
    const clean = await until(() => JSON.stringify(lab.fx.tables()) === JSON.stringify({ ikeSas: 0, halfOpen: 0, provisioning: 0, sessions: 0, timers: 0 }), "baseline", 30_000).then(() => true, () => false);
    const heap = await heapAfterGc();
    firstHeap ??= heap;
    const duplicates = lab.sdus.duplicates();
    console.log(JSON.stringify({ soak: "faults", cycle, up: up.filter(Boolean).length, delivered: lab.sdus.counts.size, duplicates: duplicates.length, baseline: clean, tables: lab.fx.tables(), heapGrowthSinceStart: heap - firstHeap }));
    check(up.every(Boolean), `faults cycle ${cycle}: ${up.filter((u) => !u).length} UEs did not come up`);
    check(duplicates.length === 0, `faults cycle ${cycle}: SDUs delivered twice: ${duplicates.slice(0, 5).join(", ")}`);
    check(clean, `faults cycle ${cycle}: tables not back to baseline: ${JSON.stringify(lab.fx.tables())}`);
    check(heap - firstHeap < HEAP_BOUND, `faults cycle ${cycle}: heap grew ${heap - firstHeap} bytes`);
  }
  for (const r of relays) r.close();
  await lab.stop();
}

const args = process.argv.slice(2);
const minutesAt = args.indexOf("--minutes");
const minutes = Math.min(60, Math.max(1, Number(minutesAt >= 0 ? args[minutesAt + 1] : 5) || 5));
const wanted = args.filter((a, i) => !a.startsWith("--") && (minutesAt < 0 || i !== minutesAt + 1));
const which = wanted.length > 0 ? wanted : ["flood", "faults"];
const share = (minutes * 60_000) / which.length;
for (const w of which) {
  const end = Date.now() + share;
  if (w === "flood") await soakFlood(end);
  else if (w === "faults") await soakFaults(end);
  else failures.push(`unknown soak ${w} (flood, faults)`);
}
console.log(JSON.stringify({ soak: "summary", minutes, which, failed: failures.length }));
for (const f of failures) console.log(`FAIL ${f}`);
process.exit(failures.length === 0 ? 0 : 1);
