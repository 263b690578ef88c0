// Token-bucket rate limits of the LWIP-SeGW (TS 33.401 clause 16.1: rate limiting for DoS
// protection of the eNB and its backhaul): the admitted amount over any window never exceeds
// perSecond * window + burst, flooding sources cannot grow memory, and time is injected.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { IkeSaInitLimiter, KeyedRateLimiter, TokenBucket, type RateLimit } from "../../../src/segw/rate-limit.js";

interface Event {
  readonly at: number;
  readonly bytes: number;
  readonly admitted: boolean;
}

/** Every window [events[i].at, events[j].at]: admitted packets and octets against the bound, in exact integers. */
function assertWithinBound(events: readonly Event[], limit: RateLimit): void {
  for (let i = 0; i < events.length; i++) {
    let packets = 0;
    let bytes = 0;
    for (let j = i; j < events.length; j++) {
      const e = events[j];
      assert.ok(e);
      if (e.admitted) {
        packets++;
        bytes += e.bytes;
      }
      const windowMs = e.at - (events[i]?.at ?? 0);
      if (limit.packets) assert.ok(packets * 1000 <= limit.packets.perSecond * windowMs + limit.packets.burst * 1000, `packets ${packets} in ${windowMs} ms`);
      if (limit.bytes) assert.ok(bytes * 1000 <= limit.bytes.perSecond * windowMs + limit.bytes.burst * 1000, `bytes ${bytes} in ${windowMs} ms`);
    }
  }
}

const rate = fc.record({ perSecond: fc.integer({ min: 0, max: 2000 }), burst: fc.integer({ min: 0, max: 20 }) });
const byteRate = fc.record({ perSecond: fc.integer({ min: 0, max: 200000 }), burst: fc.integer({ min: 0, max: 4000 }) });
const limitArb: fc.Arbitrary<RateLimit> = fc.oneof(
  fc.record({ packets: rate }),
  fc.record({ bytes: byteRate }),
  fc.record({ packets: rate, bytes: byteRate }),
);
const traffic = fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 1500 })), { minLength: 1, maxLength: 150 });

test("property: over any window the admitted amount is at most perSecond * window + burst", () => {
  fc.assert(
    fc.property(limitArb, fc.integer({ min: 0, max: 1e9 }), traffic, (limit, start, steps) => {
      const bucket = new TokenBucket(limit, start);
      let now = start;
      const events: Event[] = [];
      for (const [dt, bytes] of steps) {
        now += dt;
        events.push({ at: now, bytes, admitted: bucket.allow(bytes, now) });
      }
      assertWithinBound(events, limit);
    }),
    { numRuns: 1000 },
  );
});

test("property: the bound holds for each key of a keyed limiter", () => {
  const steps = fc.integer({ min: 1, max: 4 }).chain((maxKeys) =>
    fc.tuple(fc.constant(maxKeys), fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: maxKeys - 1 }), fc.integer({ min: 1, max: 1500 })), { maxLength: 150 })),
  );
  fc.assert(
    fc.property(limitArb, steps, (limit, [maxKeys, events]) => {
      const limiter = new KeyedRateLimiter<number>(limit, maxKeys);
      let now = 0;
      const perKey = new Map<number, Event[]>();
      for (const [dt, key, bytes] of events) {
        now += dt;
        const admitted = limiter.allow(key, bytes, now);
        perKey.set(key, [...(perKey.get(key) ?? []), { at: now, bytes, admitted }]);
      }
      assert.equal(limiter.evictions, 0);
      assert.equal(limiter.size, perKey.size);
      for (const keyEvents of perKey.values()) assertWithinBound(keyEvents, limit);
    }),
    { numRuns: 500 },
  );
});

test("a sustained flood gets the configured rate, not less: 100 packets/s, burst 5, for 10 s", () => {
  const bucket = new TokenBucket({ packets: { perSecond: 100, burst: 5 } }, 0);
  let admitted = 0;
  for (let t = 0; t <= 10_000; t++) if (bucket.allow(100, t)) admitted++;
  assert.equal(admitted, 100 * 10 + 5);
});

test("fractional clock readings (performance.now) refill proportionally", () => {
  const bucket = new TokenBucket({ packets: { perSecond: 1000, burst: 1 } }, 0.25);
  assert.equal(bucket.allow(1, 0.25), true);
  assert.equal(bucket.allow(1, 0.75), false);
  assert.equal(bucket.allow(1, 1.25), true);
});

test("a byte burst below the packet size never admits that packet; a clock stepping back refills nothing", () => {
  const small = new TokenBucket({ bytes: { perSecond: 1000, burst: 100 } }, 0);
  assert.equal(small.allow(101, 10_000), false);
  assert.equal(small.allow(100, 10_000), true);
  const bucket = new TokenBucket({ packets: { perSecond: 1, burst: 1 } }, 5000);
  assert.equal(bucket.allow(1, 5000), true);
  assert.equal(bucket.allow(1, 0), false);
  assert.equal(bucket.allow(1, 5500), false);
  assert.equal(bucket.allow(1, 6000), true);
});

test("bounded keys: a flood from 10000 sources keeps at most maxKeys buckets", () => {
  const limiter = new KeyedRateLimiter<string>({ packets: { perSecond: 1, burst: 1 } }, 100);
  for (let i = 0; i < 10_000; i++) limiter.allow(`198.18.${i >> 8}.${i & 0xff}`, 60, i);
  assert.equal(limiter.size, 100);
  assert.equal(limiter.evictions, 9_900);
});

test("least recently used keys are the ones evicted; a busy key keeps its (empty) bucket", () => {
  const limiter = new KeyedRateLimiter<string>({ packets: { perSecond: 0, burst: 1 } }, 2);
  assert.equal(limiter.allow("a", 1, 0), true);
  assert.equal(limiter.allow("b", 1, 0), true);
  assert.equal(limiter.allow("a", 1, 0), false); // a is now the most recent
  assert.equal(limiter.allow("c", 1, 0), true); // evicts b
  assert.equal(limiter.allow("a", 1, 0), false); // a was kept: still empty
  assert.equal(limiter.allow("b", 1, 0), true); // b was forgotten: a fresh bucket (evicts c)
  assert.equal(limiter.evictions, 2);
  limiter.forget("a");
  assert.equal(limiter.size, 1);
});

test("IKE_SA_INIT: one flooding source spends only its own tokens, not the overall budget", () => {
  const limiter = new IkeSaInitLimiter<string>(
    { perSource: { packets: { perSecond: 1, burst: 2 } }, overall: { packets: { perSecond: 10, burst: 5 } }, maxSources: 1000 },
    0,
  );
  const flood = Array.from({ length: 50 }, () => limiter.allow("203.0.113.66", 300, 0)).filter(Boolean).length;
  assert.equal(flood, 2);
  const others = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"].map((s) => limiter.allow(s, 300, 0));
  assert.deepEqual(others, [true, true, true, false]); // overall burst 5: 2 + 3
  assert.equal(limiter.allow("203.0.113.4", 300, 100), true); // 100 ms: one overall token back
  assert.equal(limiter.evictions, 0);
});

test("invalid limits are configuration errors", () => {
  assert.throws(() => new TokenBucket({ packets: { perSecond: -1, burst: 1 } }, 0), RangeError);
  assert.throws(() => new TokenBucket({ bytes: { perSecond: 1, burst: Number.NaN } }, 0), RangeError);
  assert.throws(() => new KeyedRateLimiter({ packets: { perSecond: 1, burst: 1 } }, 0), RangeError);
  assert.throws(() => new KeyedRateLimiter({ packets: { perSecond: Infinity, burst: 1 } }, 10), RangeError);
});
