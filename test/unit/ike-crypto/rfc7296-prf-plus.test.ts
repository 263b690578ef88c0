// prf+ (RFC 7296 §2.13): cross-checked against a second, independent composition of node:crypto
// HMAC calls written from the RFC text, plus the 255-iteration limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { PrfId } from "../../../src/ike/registry.js";
import { prfById } from "../../../src/ike/crypto/prf.js";
import { PRF_PLUS_MAX_ITERATIONS, prfPlus } from "../../../src/ike/crypto/prf-plus.js";

const prf = prfById(PrfId.PRF_HMAC_SHA2_256);
assert.ok(prf);
// Key and seed taken from the first SHA-256 CAVS case (any bytes would do for a cross-check).
const cavs = loadVectors<{ cases: { hash: string; SKEYSEED: string; Ni: string; Nr: string; SPIi: string; SPIr: string }[] }>(
  "ikev2-kdf-sp800-135-cavs.json",
).cases.find((c) => c.hash === "SHA-256");
assert.ok(cavs);
const K = hex(cavs.SKEYSEED);
const S = hex(cavs.Ni + cavs.Nr + cavs.SPIi + cavs.SPIr);

test("prf+ equals T1 | T2 | T3 composed by hand: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n)", () => {
  const T1 = createHmac("sha256", K).update(S).update(Uint8Array.of(1)).digest();
  const T2 = createHmac("sha256", K).update(T1).update(S).update(Uint8Array.of(2)).digest();
  const T3 = createHmac("sha256", K).update(T2).update(S).update(Uint8Array.of(3)).digest();
  const byHand = Buffer.concat([T1, T2, T3]);
  for (const length of [1, 31, 32, 33, 64, 70, 96]) {
    assert.equal(toHex(prfPlus(prf, K, S, length)), byHand.subarray(0, length).toString("hex"), `length ${length}`);
  }
});

test("prf+ with an empty seed and zero length", () => {
  const T1 = createHmac("sha256", K).update(Uint8Array.of(1)).digest();
  assert.equal(toHex(prfPlus(prf, K, new Uint8Array(0), 32)), T1.toString("hex"));
  assert.equal(prfPlus(prf, K, S, 0).length, 0);
});

test("prf+ is defined up to 255 output blocks and refuses more (RFC 7296 §2.13)", () => {
  assert.equal(PRF_PLUS_MAX_ITERATIONS, 255);
  const max = prfPlus(prf, K, S, 255 * 32);
  assert.equal(max.length, 255 * 32);
  // The last block is T255 = prf(K, T254 | S | 0xff).
  const T255 = createHmac("sha256", K).update(max.subarray(253 * 32, 254 * 32)).update(S).update(Uint8Array.of(255)).digest();
  assert.equal(toHex(max.subarray(254 * 32)), T255.toString("hex"));
  assert.throws(() => prfPlus(prf, K, S, 255 * 32 + 1), RangeError);
  assert.throws(() => prfPlus(prf, K, S, -1), RangeError);
  assert.throws(() => prfPlus(prf, K, S, 1.5), RangeError);
});
