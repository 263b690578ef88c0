// The anti-replay window of RFC 4303 §3.4.3 and the ESN inference of Appendix A2.2.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ReplayWindow } from "../../../src/esp/replay-window.js";

const TWO_32 = 1n << 32n;
const halves = (seq: bigint): [number, number] => [Number(seq >> 32n), Number(seq & 0xffffffffn)];

/** check, then commit if accepted: what an SA does for an authentic packet. */
function receive(w: ReplayWindow, seq: bigint): string {
  const [hi, lo] = halves(seq);
  const refusal = w.check(hi, lo);
  if (refusal) return refusal;
  w.commit(hi, lo);
  return "ok";
}

for (const size of [32, 64, 100, 1024, 4096]) {
  test(`window ${size}: edges, duplicates and the sequence just outside`, () => {
    const w = new ReplayWindow(size);
    const top = 10_000n;
    assert.equal(receive(w, top), "ok");
    assert.equal(receive(w, top), "replay");
    assert.equal(receive(w, top - BigInt(size) + 1n), "ok", "top - size + 1 is the window's lowest slot");
    assert.equal(receive(w, top - BigInt(size) + 1n), "replay");
    assert.equal(receive(w, top - BigInt(size)), "outside-window");
    assert.equal(receive(w, top - 1n), "ok");
    assert.equal(receive(w, top + 1n), "ok");
    assert.equal(w.top, top + 1n);
    // The slot that was the lowest is now outside.
    assert.equal(receive(w, top - BigInt(size) + 1n), "outside-window");
  });

  test(`window ${size}: jumps forward clear stale bits, however far`, () => {
    const w = new ReplayWindow(size);
    for (let s = 1n; s <= BigInt(size); s++) assert.equal(receive(w, s), "ok");
    for (const jump of [1n, 31n, 32n, 33n, BigInt(size) - 1n, BigInt(size), BigInt(size) * 3n + 7n, 1n << 31n]) {
      const top = w.top;
      assert.equal(receive(w, top + jump), "ok");
      // The old top is remembered while inside the window; everything after it is new.
      assert.equal(receive(w, top), jump < BigInt(size) ? "replay" : "outside-window", `old top after jump ${jump}`);
      for (const back of new Set([1n, 2n, 31n, 32n, BigInt(size) - 1n])) {
        if (back < jump && back < BigInt(size)) assert.equal(receive(w, top + jump - back), "ok", `jump ${jump} back ${back}`);
      }
    }
  });
}

test("sequence number 0 is never valid, nor anything below the first packet", () => {
  const w = new ReplayWindow(64);
  assert.equal(w.check(0, 0), "outside-window");
  assert.equal(w.inferSeqHi(0xffffffff), -1, "case B with Th = 0 lands before sequence 0");
  assert.equal(w.check(-1, 0xffffffff), "outside-window");
  assert.equal(receive(w, 1n), "ok");
});

test("a window constructed at a top treats everything up to it as received", () => {
  const w = new ReplayWindow(64, [5, 100]);
  assert.equal(w.top, (5n << 32n) | 100n);
  assert.equal(w.check(5, 100), "replay");
  assert.equal(w.check(5, 37), "replay");
  assert.equal(w.check(5, 36), "outside-window");
  assert.equal(w.check(5, 101), undefined);
});

test("ESN: the window slides across 2^32 and infers the high half on both sides (A2.2)", () => {
  const w = new ReplayWindow(1024);
  const start = TWO_32 - 10n;
  for (let s = start - 2000n; s < start; s += 3n) receive(w, s);
  const seqs = [start, TWO_32 - 1n, TWO_32, TWO_32 + 5n, TWO_32 - 3n, TWO_32 + 1n, TWO_32 - 1n, TWO_32 + 2000n, TWO_32 + 1500n, TWO_32 + 977n];
  const verdicts = seqs.map((seq) => {
    const [, lo] = halves(seq);
    const hi = w.inferSeqHi(lo);
    assert.equal(BigInt(hi), seq >> 32n, `inferred high half of ${seq}`);
    const refusal = w.check(hi, lo);
    if (!refusal) w.commit(hi, lo);
    return refusal ?? "ok";
  });
  assert.deepEqual(verdicts, ["ok", "ok", "ok", "ok", "ok", "ok", "replay", "ok", "ok", "ok"]);
  // Below the window, A2.2 reads a low half as the next subspace: far ahead, not old. Such a
  // packet then fails its ICV (the high half is authenticated), as RFC 4303 A3 expects.
  assert.equal(w.inferSeqHi(Number((TWO_32 + 976n) & 0xffffffffn)), 2);
});

test("ESN at the very top: hi = 2^32 - 1 wraps to nothing", () => {
  const w = new ReplayWindow(64, [0xffffffff, 0xfffffff0]);
  assert.equal(w.inferSeqHi(0xfffffffa), 0xffffffff);
  assert.equal(w.check(0xffffffff, 0xffffffff), undefined);
  assert.equal(w.inferSeqHi(3), 0x100000000, "the next subspace would be 2^32");
  assert.equal(w.check(0x100000000, 3), "outside-window");
});

test("bad sizes are programmer errors", () => {
  for (const size of [0, 31, 32.5, (1 << 20) + 1]) assert.throws(() => new ReplayWindow(size), RangeError);
});

/** The RFC's definition with a set: accept s > 0 if s > top, or top - s < W and s unseen. */
class NaiveWindow {
  private readonly seen = new Set<bigint>();
  private top = 0n;
  constructor(private readonly size: bigint) {}
  receive(seq: bigint): string {
    if (seq === 0n) return "outside-window";
    if (seq <= this.top) {
      if (this.top - seq >= this.size) return "outside-window";
      if (this.seen.has(seq)) return "replay";
    }
    this.seen.add(seq);
    if (seq > this.top) this.top = seq;
    return "ok";
  }
}

test("property: agrees with a Set-based model over random sequences, across 2^32", () => {
  // Small steps revisit the window; ring-sized jumps (plus or minus a little) land on bitmap words
  // holding stale bits; huge jumps cross 2^32.
  const ringJump = fc
    .tuple(fc.constantFrom(32, 64, 96, 128, 1024, 2048, 4096, 8192), fc.integer({ min: -40, max: 40 }))
    .map(([ring, delta]) => ring + delta);
  const step = fc.oneof(
    fc.integer({ min: -40, max: 40 }),
    fc.integer({ min: -300, max: 300 }),
    ringJump,
    fc.integer({ min: -5000, max: 5000 }),
    fc.bigInt({ min: 1n, max: 1n << 34n }),
  );
  fc.assert(
    fc.property(fc.constantFrom(32, 64, 100, 1024), fc.bigInt({ min: 1n, max: (1n << 33n) }), fc.array(step, { maxLength: 400 }), (size, start, steps) => {
      const w = new ReplayWindow(size);
      const model = new NaiveWindow(BigInt(size));
      let seq = start;
      for (const s of steps) {
        seq += BigInt(s);
        if (seq < 0n || seq >= 1n << 64n) continue;
        assert.equal(receive(w, seq), model.receive(seq), `seq ${seq}`);
      }
    }),
    { numRuns: 500 },
  );
});

test("property: ESN inference recovers any seq from top - W + 1 to top + 2^32 - W (Appendix A2.2)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(32, 64, 1024, 4096),
      fc.bigInt({ min: 1n, max: (1n << 63n) }),
      fc.bigInt({ min: 0n, max: TWO_32 - 1n }),
      (size, top, offset) => {
        const seq = top - BigInt(size) + 1n + (offset % (TWO_32 - 1n));
        if (seq < 1n) return;
        const w = new ReplayWindow(size, halves(top));
        assert.equal(BigInt(w.inferSeqHi(halves(seq)[1])), seq >> 32n);
      },
    ),
    { numRuns: 2000 },
  );
});
