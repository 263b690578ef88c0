// TS 33.401 16.1 rate limits: the keyed limiter's bound on keys evicts the least recently used
// bucket. Checked against a plain reference model (an array in recency order) on random
// sequences of packets and releases. With perSecond 0 and burst 1 a bucket admits exactly its
// first packet, so each answer tells whether the key kept its bucket or got a fresh one.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { KeyedRateLimiter } from "../../../src/segw/rate-limit.js";

type Step = readonly ["allow" | "forget", number];

/** The reference: keys oldest first; a key present has spent its one token. */
function model(maxKeys: number, steps: readonly Step[]): { answers: boolean[]; size: number; evictions: number } {
  const order: number[] = [];
  const answers: boolean[] = [];
  let evictions = 0;
  for (const [op, key] of steps) {
    const at = order.indexOf(key);
    if (at >= 0) order.splice(at, 1);
    if (op === "forget") continue;
    if (at < 0 && order.length >= maxKeys) {
      order.shift();
      evictions++;
    }
    order.push(key);
    answers.push(at < 0);
  }
  return { answers, size: order.length, evictions };
}

test("property: the keyed limiter keeps and evicts buckets exactly as an LRU reference model", () => {
  const stepArb = fc.tuple(fc.constantFrom("allow" as const, "allow" as const, "allow" as const, "forget" as const), fc.integer({ min: 0, max: 6 }));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.array(stepArb, { maxLength: 200 }), (maxKeys, steps) => {
      const limiter = new KeyedRateLimiter<number>({ packets: { perSecond: 0, burst: 1 } }, maxKeys);
      const answers: boolean[] = [];
      for (const [op, key] of steps) {
        if (op === "forget") limiter.forget(key);
        else answers.push(limiter.allow(key, 1, 0));
      }
      const expected = model(maxKeys, steps);
      assert.deepEqual(answers, expected.answers);
      assert.equal(limiter.size, expected.size);
      assert.equal(limiter.evictions, expected.evictions);
    }),
    { numRuns: 1000 },
  );
});

test("forgetting the newest, the oldest and a middle key leaves the order of the others intact", () => {
  const limiter = new KeyedRateLimiter<string>({ packets: { perSecond: 0, burst: 1 } }, 3);
  for (const k of ["a", "b", "c"]) assert.equal(limiter.allow(k, 1, 0), true);
  limiter.forget("c"); // newest
  limiter.forget("a"); // oldest
  limiter.forget("x"); // unknown: nothing happens
  assert.equal(limiter.size, 1);
  assert.equal(limiter.allow("d", 1, 0), true);
  assert.equal(limiter.allow("e", 1, 0), true);
  assert.equal(limiter.evictions, 0);
  assert.equal(limiter.allow("f", 1, 0), true); // full: evicts b, the oldest left
  assert.equal(limiter.evictions, 1);
  assert.equal(limiter.allow("d", 1, 0), false); // d kept its spent bucket
  assert.equal(limiter.allow("b", 1, 0), true); // b was evicted: a fresh bucket (evicts e)
  assert.equal(limiter.allow("e", 1, 0), true);
  assert.equal(limiter.evictions, 3);
});
