// SIGNATURE_HASH_ALGORITHMS notify data (RFC 7427 §4): a list of 2-octet hash ids (§7 registry).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { toHex } from "../../../src/wire/hex.js";
import { NotifyType } from "../../../src/ike/registry.js";
import { decodeSignatureHashAlgorithms, encodeSignatureHashAlgorithms, HashAlgorithm, OUR_SIGNATURE_HASHES } from "../../../src/ike/auth/hash-algorithms.js";

test("RFC 7427 §7 ids: SHA1 1, SHA2-256 2, SHA2-384 3, SHA2-512 4; the notify type is 16431", () => {
  assert.deepEqual(HashAlgorithm, { SHA1: 1, SHA2_256: 2, SHA2_384: 3, SHA2_512: 4 });
  assert.equal(NotifyType.SIGNATURE_HASH_ALGORITHMS, 16431);
});

test("we announce SHA2-256 and SHA2-384 as 0002 0003", () => {
  assert.equal(toHex(encodeSignatureHashAlgorithms(OUR_SIGNATURE_HASHES)), "00020003");
});

test("decode keeps order and unknown ids; empty data is an empty list", () => {
  const r = decodeSignatureHashAlgorithms(Uint8Array.of(0, 4, 0, 2, 0x12, 0x34));
  assert.ok(r.ok);
  assert.deepEqual(r.value, [4, 2, 0x1234]);
  const empty = decodeSignatureHashAlgorithms(new Uint8Array(0));
  assert.ok(empty.ok);
  assert.deepEqual(empty.value, []);
});

test("odd lengths are length-mismatch errors", () => {
  for (const data of [Uint8Array.of(0), Uint8Array.of(0, 2, 0)]) {
    const r = decodeSignatureHashAlgorithms(data);
    assert.equal(r.ok ? "ok" : r.error.code, "length-mismatch");
  }
});

test("encode refuses ids that do not fit 16 bits (programmer error)", () => {
  assert.throws(() => encodeSignatureHashAlgorithms([0x10000]), RangeError);
  assert.throws(() => encodeSignatureHashAlgorithms([-1]), RangeError);
});

test("property: any bytes decode to a list or an error, never a throw; valid data re-encodes to itself", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
    const r = decodeSignatureHashAlgorithms(data);
    if (!r.ok) return data.length % 2 === 1;
    return toHex(encodeSignatureHashAlgorithms(r.value)) === toHex(data);
  }));
});
