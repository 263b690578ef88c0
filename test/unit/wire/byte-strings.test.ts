// The octet helpers of src/wire/hex.ts: toHex gives Node's lowercase hex for any octets, also of
// views into larger buffers, without moving a small array off the V8 heap; toByteString and
// fromByteString round-trip any octets (and any range of them), below and above 64 octets.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromByteString, toByteString, toHex } from "../../../src/wire/hex.js";

const bytes = fc.uint8Array({ maxLength: 300 });

test("toHex equals Buffer's hex for any octets, whole arrays and views at an offset", () => {
  fc.assert(fc.property(bytes, fc.nat(20), fc.nat(20), (b, cutStart, cutEnd) => {
    assert.equal(toHex(b), Buffer.from(b).toString("hex"));
    const view = b.subarray(Math.min(cutStart, b.length), Math.max(Math.min(cutStart, b.length), b.length - cutEnd));
    assert.equal(toHex(view), Buffer.from(view).toString("hex"));
  }));
  assert.equal(toHex(Uint8Array.of(0x00, 0xab, 0xff)), "00abff");
});

test("toByteString: one character per octet, and fromByteString gives the octets back", () => {
  fc.assert(fc.property(bytes, (b) => {
    const s = toByteString(b);
    assert.equal(s.length, b.length);
    assert.ok([...s].every((ch, i) => ch.charCodeAt(0) === b[i]));
    assert.deepEqual(fromByteString(s), b);
  }));
});

test("fromByteString of a range gives that range of the octets, as a new array", () => {
  fc.assert(fc.property(bytes, fc.nat(), fc.nat(), (b, x, y) => {
    const [start, end] = [x % (b.length + 1), y % (b.length + 1)].sort((p, q) => p - q) as [number, number];
    const s = toByteString(b);
    const part = fromByteString(s, start, end);
    assert.deepEqual(part, b.slice(start, end));
    part.fill(0);
    assert.deepEqual(fromByteString(s), b, "the string is not changed by writing the copy");
  }));
});
