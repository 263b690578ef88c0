// IKE SA and Child SA key material (RFC 7296 §2.14, §2.17): splitting, lengths and a cross-check
// against a second, independent composition of node:crypto HMAC calls for one full derivation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { PrfId } from "../../../src/ike/registry.js";
import { prfById } from "../../../src/ike/crypto/prf.js";
import { deriveChildKeys, deriveIkeSaKeys, deriveSkeyseed, wipe } from "../../../src/ike/crypto/keymat.js";

const prf = prfById(PrfId.PRF_HMAC_SHA2_256);
assert.ok(prf);
const c = loadVectors<{ cases: { hash: string; Ni: string; Nr: string; "g^ir": string; "g^ir (new)": string; SPIi: string; SPIr: string }[] }>(
  "ikev2-kdf-sp800-135-cavs.json",
).cases.find((x) => x.hash === "SHA-256");
assert.ok(c);
const Ni = hex(c.Ni);
const Nr = hex(c.Nr);
const SPIi = hex(c.SPIi);
const SPIr = hex(c.SPIr);
const gir = hex(c["g^ir"]);

/** prf+ written out again from RFC 7296 §2.13 with raw HMAC-SHA-256 (independent of prf-plus.ts). */
function prfPlusByHand(key: Uint8Array, seed: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let n = 1; 32 * blocks.length < length; n++) {
    t = createHmac("sha256", key).update(t).update(seed).update(Uint8Array.of(n)).digest();
    blocks.push(t);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

test("cross-check: SKEYSEED and SK_d..SK_pr for AES-CBC-128 + HMAC-SHA2-256-128 + PRF-HMAC-SHA2-256", () => {
  const skeyseed = createHmac("sha256", Buffer.concat([Ni, Nr])).update(gir).digest();
  assert.equal(toHex(deriveSkeyseed(prf, Ni, Nr, gir)), skeyseed.toString("hex"));
  // brief §7.4: 32+32+32+16+16+32+32 = 192 octets.
  const stream = prfPlusByHand(skeyseed, Buffer.concat([Ni, Nr, SPIi, SPIr]), 192);
  const keys = deriveIkeSaKeys(prf, skeyseed, Ni, Nr, SPIi, SPIr, { integ: 32, encr: 16 });
  const expected = [
    ["SK_d", 0, 32],
    ["SK_ai", 32, 64],
    ["SK_ar", 64, 96],
    ["SK_ei", 96, 112],
    ["SK_er", 112, 128],
    ["SK_pi", 128, 160],
    ["SK_pr", 160, 192],
  ] as const;
  for (const [name, from, to] of expected) assert.equal(toHex(keys[name]), stream.subarray(from, to).toString("hex"), name);
});

test("AEAD IKE SA: SK_ai/SK_ar empty, SK_ei/SK_er carry key | salt (AES-GCM-16-128: 20 octets each, 136 in all)", () => {
  const skeyseed = deriveSkeyseed(prf, Ni, Nr, gir);
  const keys = deriveIkeSaKeys(prf, skeyseed, Ni, Nr, SPIi, SPIr, { integ: 0, encr: 20 });
  const stream = prfPlusByHand(skeyseed, Buffer.concat([Ni, Nr, SPIi, SPIr]), 136);
  assert.equal(keys.SK_ai.length, 0);
  assert.equal(keys.SK_ar.length, 0);
  assert.equal(toHex(keys.SK_ei), stream.subarray(32, 52).toString("hex"));
  assert.equal(toHex(keys.SK_er), stream.subarray(52, 72).toString("hex"));
  assert.equal(toHex(keys.SK_pr), stream.subarray(104, 136).toString("hex"));
});

test("cross-check: Child SA KEYMAT with PFS, taken as encr_i | integ_i | encr_r | integ_r (RFC 7296 §2.17)", () => {
  const SK_d = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const girNew = hex(c["g^ir (new)"]);
  const stream = prfPlusByHand(SK_d, Buffer.concat([girNew, Ni, Nr]), 96);
  const keys = deriveChildKeys(prf, SK_d, Ni, Nr, { encr: 16, integ: 32 }, girNew);
  assert.equal(toHex(keys.encrI), stream.subarray(0, 16).toString("hex"));
  assert.equal(toHex(keys.integI), stream.subarray(16, 48).toString("hex"));
  assert.equal(toHex(keys.encrR), stream.subarray(48, 64).toString("hex"));
  assert.equal(toHex(keys.integR), stream.subarray(64, 96).toString("hex"));
  // The shared secret passed in is not modified.
  assert.equal(toHex(girNew), c["g^ir (new)"]);
});

test("keys are separate copies and wipe() zeroes them, skipping undefined", () => {
  const keys = deriveIkeSaKeys(prf, deriveSkeyseed(prf, Ni, Nr, gir), Ni, Nr, SPIi, SPIr, { integ: 32, encr: 16 });
  const SK_pr = toHex(keys.SK_pr);
  wipe(keys.SK_d, undefined, keys.SK_ei);
  assert.ok(keys.SK_d.every((b) => b === 0));
  assert.ok(keys.SK_ei.every((b) => b === 0));
  assert.equal(keys.SK_ei.length, 16);
  assert.equal(toHex(keys.SK_pr), SK_pr);
  assert.ok(keys.SK_pr.some((b) => b !== 0));
});
