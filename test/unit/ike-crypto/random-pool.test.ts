import { test } from "node:test";
import assert from "node:assert/strict";
import { createRandomPool } from "../../../src/ike/crypto/random-pool.js";
import { toHex } from "../../../src/wire/hex.js";

test("random pool: exact lengths, across refills and above the block size", () => {
  const random = createRandomPool(64);
  for (const n of [0, 1, 8, 16, 32, 5, 64, 100]) assert.equal(random(n).length, n);
});

test("random pool: values are distinct copies (no two SPIs alike, a caller's writes stay its own)", () => {
  const random = createRandomPool(256);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(toHex(random(8)));
  assert.equal(seen.size, 2000);
  const a = random(16);
  const copy = a.slice();
  a.fill(0xff);
  const b = random(16);
  assert.notDeepEqual(b, a);
  assert.notDeepEqual(copy, new Uint8Array(16));
});

test("random pool: rejects a negative or fractional length", () => {
  const random = createRandomPool();
  assert.throws(() => random(-1), RangeError);
  assert.throws(() => random(1.5), RangeError);
});
