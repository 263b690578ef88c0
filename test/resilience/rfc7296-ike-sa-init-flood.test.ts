// IKE_SA_INIT floods against a running LWIP-SeGW (TS 33.401 16.1: rate limitation for DoS
// protection; RFC 7296 §2.6: cookies), at rates far above its configured limits, bounded in time,
// while 50 provisioned UEs set up their tunnels: the cookie defence engages, half-open state stays
// below its maximum, the heap stays flat, at least 99% of the UEs are up before the flood ends, and
// every table and timer is back to its baseline afterwards.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runFloodScenario, type FloodOutcome } from "./support/flood-scenario.js";
import { startResilSegw, type ResilSegw } from "./support/segw.js";

const LIMITS = { ikeSaInitPerSourcePerSecond: 5, ikeSaInitPerSecond: 200, halfOpenCookieThreshold: 20, halfOpenMax: 200 };
const UES = 50;
/** Heap growth allowed across a flood (after GC): state per request would be megabytes here. */
const HEAP_BOUND = 8 * 1024 * 1024;

let fx: ResilSegw;

before(async () => {
  fx = await startResilSegw({ net: "127.0.41", ndsIp: "platform", rateLimits: LIMITS, halfOpenSeconds: 2 });
});

after(async () => {
  await fx?.stop();
});

function summary(o: FloodOutcome): string {
  const failed = o.results.filter((r) => !r.up);
  return JSON.stringify({
    sent: o.flood.sent, up: o.up, maxHalfOpen: o.maxHalfOpen, cookiesSent: o.cookiesSent, cookiesVerified: o.cookiesVerified,
    answers: o.flood.answers, rateDrops: o.rateDrops, halfOpenMaxDrops: o.halfOpenMaxDrops, heapGrowth: o.heapAfter - o.heapBefore,
    attempts: o.results.map((r) => r.attempts), failed: failed.map((r) => r.failure ?? "no answer"),
  });
}

function assertBaseline(): void {
  assert.deepEqual(fx.tables(), { ikeSas: 0, halfOpen: 0, provisioning: 0, sessions: 0, timers: 0 }, "SA tables, provisioning, sessions and timers back to baseline");
}

test("16.1 / RFC 7296 §2.6: a flood from one source is held to its per-source rate; every UE sets up meanwhile", async (t) => {
  const o = await runFloodScenario(fx, { sources: 1, packetsPerSecond: 2000, durationMs: 3000, ues: UES, ueStartMs: 300, sourceOctet: 77 });
  const info = summary(o);
  t.diagnostic(info);
  assert.ok(o.flood.sent >= 5000, `the flood ran at its rate: ${info}`);
  assert.ok(o.rateDrops > 1000, `dropped at the gate: ${info}`);
  // Every request that passes the gate is answered (IKE_SA_INIT response or cookie): 5 per second plus a burst of 5.
  assert.ok(o.flood.answers <= LIMITS.ikeSaInitPerSourcePerSecond * (o.flood.ms / 1000 + 1) + 1, `per-source limit: ${info}`);
  assert.ok(o.up >= Math.ceil(UES * 0.99), `>= 99% of UEs up during the flood: ${info}`);
  assert.ok(o.maxHalfOpen <= LIMITS.halfOpenMax, `half-open bounded: ${info}`);
  assert.ok(o.heapAfter - o.heapBefore < HEAP_BOUND, `heap flat: ${info}`);
  assertBaseline();
});

/** The spoofed-source flood runs once; two tests read what it did. */
let spoofed: Promise<FloodOutcome> | undefined;
const spoofedFlood = () => (spoofed ??= runFloodScenario(fx, { sources: 250, packetsPerSecond: 3000, durationMs: 4000, ues: UES, ueStartMs: 300, sourceOctet: 78 }));

test("16.1 / RFC 7296 §2.6: a flood from 250 spoofed sources engages cookies, keeps half-open state bounded and the heap flat", async (t) => {
  const o = await spoofedFlood();
  const info = summary(o);
  t.diagnostic(info);
  assert.ok(o.flood.sent >= 10_000, `the flood ran at its rate: ${info}`);
  assert.ok(o.cookiesSent > 100, `cookies engaged: ${info}`);
  assert.ok(o.rateDrops > 0, `the limits dropped requests: ${info}`);
  // Spoofed sources never echo a cookie: at most the threshold of them is ever half-open, plus the UEs' own.
  assert.ok(o.maxHalfOpen <= LIMITS.halfOpenCookieThreshold + UES, `half-open bounded by threshold + UEs: ${info}`);
  assert.ok(o.maxHalfOpen <= LIMITS.halfOpenMax, `half-open below halfOpenMax: ${info}`);
  assert.ok(o.heapAfter - o.heapBefore < HEAP_BOUND, `heap flat: ${info}`);
  assertBaseline();
});

// Regression: the overall IKE_SA_INIT bucket used to be charged before cookies, so spoofed sources
// (which never return a cookie) used up the budget legitimate UEs needed. Requests answered
// statelessly in cookie mode, and cookie retries, are now charged to their source only.
test("16.1: >= 99% of provisioned UEs set up during the spoofed-source flood", async () => {
  const o = await spoofedFlood();
  assert.ok(o.up >= Math.ceil(UES * 0.99), `>= 99% of UEs up during the flood: ${summary(o)}`);
});
