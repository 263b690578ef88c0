// The IKE engine alone on a lossy, duplicating, reordering network (test/support/ike-pair.ts, a
// FakeClock, seeded faults): for every seed, a handshake comes up at most once at each end
// (RFC 7296 §2.1, §2.2: retransmissions and duplicates are answered from the response cache, never
// processed twice), most seeds come up at all, and whatever happens, once the SA is deleted or
// reaped (Delete, retransmission timeout, liveness check §2.4, half-open timeout) both nodes hold
// no SA and no timer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventsOf, IkePair, SEGW, type Datagram } from "../support/ike-pair.js";
import { seededRandom } from "./support/relay.js";

interface Faults {
  readonly loss: number;
  readonly duplicate: number;
  readonly reorder: number;
}

/** Delivers what is on the wire, losing, duplicating and reordering it as `faults` say. */
function deliverFaulty(pair: IkePair, random: () => number, f: Faults): void {
  for (let round = 0; round < 20 && pair.wire.length > 0; round++) {
    const batch: Datagram[] = [];
    for (const d of pair.wire.splice(0)) {
      if (random() < f.loss) continue;
      batch.push(d);
      if (random() < f.duplicate) batch.push(d);
    }
    for (let i = batch.length - 1; i > 0; i--) {
      if (random() >= f.reorder) continue;
      const j = Math.floor(random() * (i + 1));
      [batch[i], batch[j]] = [batch[j] as Datagram, batch[i] as Datagram];
    }
    for (const d of batch) (d.to.address === SEGW.address ? pair.responder : pair.initiator).receive(d.bytes, d.from, d.to);
  }
}

function run(pair: IkePair, random: () => number, f: Faults, ms: number): void {
  for (let t = 0; t < ms; t += 100) {
    pair.clock.advance(100);
    deliverFaulty(pair, random, f);
  }
}

interface SeedOutcome {
  readonly up: boolean;
  readonly upI: number;
  readonly upR: number;
  readonly duplicates: number;
  readonly lateHalfOpen: number;
}

function oneSeed(seed: number, f: Faults): SeedOutcome {
  const random = seededRandom(seed);
  const pair = new IkePair({ dpdMs: 5000 });
  const sa = pair.initiate();
  run(pair, random, f, 20_000);
  const up = eventsOf(pair.eventsI, "child-sa-up").length === 1;
  // A delayed copy of IKE_SA_INIT that arrives after IKE_AUTH opens a new half-open SA (reaped later).
  const lateHalfOpen = pair.responder.halfOpenCount;
  if (sa.state === "established") pair.initiator.deleteIke(sa);
  run(pair, random, f, 120_000);
  assert.deepEqual({ seed, i: pair.initiator.sas.length, r: pair.responder.sas.length, halfOpen: pair.responder.halfOpenCount, timers: pair.clock.pending }, { seed, i: 0, r: 0, halfOpen: 0, timers: 0 }, "no SA and no timer left");
  return {
    up,
    upI: eventsOf(pair.eventsI, "ike-sa-up").length,
    upR: eventsOf(pair.eventsR, "ike-sa-up").length,
    duplicates: pair.responder.counters.get("ike_duplicate_requests"),
    lateHalfOpen,
  };
}

test("RFC 7296 §2.1-§2.4: 60 seeds of 15% loss, 20% duplication and reordering: at most one SA per end, nothing left behind", (t) => {
  const f = { loss: 0.15, duplicate: 0.2, reorder: 0.3 };
  const outcomes = Array.from({ length: 60 }, (_, seed) => oneSeed(seed + 1, f));
  for (const [seed, o] of outcomes.entries()) {
    assert.ok(o.upI <= 1 && o.upR <= 1, `seed ${seed + 1}: one IKE SA at each end at most (${JSON.stringify(o)})`);
  }
  const up = outcomes.filter((o) => o.up).length;
  const duplicates = outcomes.reduce((n, o) => n + o.duplicates, 0);
  t.diagnostic(JSON.stringify({ up, duplicates, lateHalfOpen: outcomes.filter((o) => o.lateHalfOpen > 0).length }));
  assert.ok(up >= 54, `at least 90% of handshakes complete through the faults (${up}/60)`);
  assert.ok(duplicates > 0, "duplicated requests were answered from the response cache");
});

test("RFC 7296 §2.2: with every datagram duplicated, each request is processed once and each duplicate answered from the cache", () => {
  const random = seededRandom(7);
  const pair = new IkePair();
  const sa = pair.initiate();
  run(pair, random, { loss: 0, duplicate: 1, reorder: 0 }, 2000);
  assert.equal(eventsOf(pair.eventsR, "ike-sa-up").length, 1);
  assert.equal(eventsOf(pair.eventsI, "child-sa-up").length, 1);
  assert.equal(pair.responder.sas.length, 1);
  assert.equal(pair.sinkR.active.length, 1, "one CHILD SA installed at the responder");
  assert.ok(pair.responder.counters.get("ike_duplicate_requests") >= 2, "IKE_SA_INIT and IKE_AUTH duplicates answered from the cache");
  pair.initiator.deleteIke(sa);
  run(pair, random, { loss: 0, duplicate: 1, reorder: 0 }, 2000);
  assert.equal(pair.responder.sas.length + pair.initiator.sas.length, 0);
  assert.equal(pair.clock.pending, 0, "no timer left");
});
