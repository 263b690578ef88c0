// RFC 7296 §2.15 signed octets. Cross-check: the expected octets are composed again here from the
// RFC formula with raw node:crypto HMAC calls, over a real IKE_SA_INIT request and response.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { PrfId } from "../../../src/ike/registry.js";
import { prfById } from "../../../src/ike/crypto/prf.js";
import { KEY_PAD_FOR_IKEV2, pskAuthData } from "../../../src/ike/crypto/auth-psk.js";
import { initiatorSignedOctets, responderSignedOctets } from "../../../src/ike/auth/signed-octets.js";

const captured = loadVectors<{ cases: { exchange: string; response_flag: boolean; ike_message: string }[] }>("ikev2-messages-captured-node-ikev2.json").cases;
const request = captured.find((m) => m.exchange === "IKE_SA_INIT" && !m.response_flag);
const response = captured.find((m) => m.exchange === "IKE_SA_INIT" && m.response_flag);
assert.ok(request && response);
const realMessage1 = hex(request.ike_message);
const realMessage2 = hex(response.ike_message);
const Ni = hex("b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
const Nr = hex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf");
const SK_pi = hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
const SK_pr = hex("d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef");
// IDx' = ID Type | RESERVED(3) | data: ID_FQDN "enb1.lwip.example", ID_IPV4_ADDR 192.0.2.1
const IDi = new Uint8Array([2, 0, 0, 0, ...new TextEncoder().encode("enb1.lwip.example")]);
const IDr = hex("01000000c0000201");

for (const [prfId, hash] of [[PrfId.PRF_HMAC_SHA2_256, "sha256"], [PrfId.PRF_HMAC_SHA2_384, "sha384"]] as const) {
  const prf = prfById(prfId);
  assert.ok(prf);

  test(`${prf.name}: InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, IDi')`, () => {
    const maced = createHmac(hash, SK_pi).update(IDi).digest("hex");
    const got = initiatorSignedOctets(prf, realMessage1, Nr, SK_pi, IDi);
    assert.equal(toHex(got), request.ike_message + toHex(Nr) + maced);
  });

  test(`${prf.name}: ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, IDr')`, () => {
    const maced = createHmac(hash, SK_pr).update(IDr).digest("hex");
    const got = responderSignedOctets(prf, realMessage2, Ni, SK_pr, IDr);
    assert.equal(toHex(got), response.ike_message + toHex(Ni) + maced);
  });
}

test("the shared-key AUTH is prf(prf(PSK, Key Pad), InitiatorSignedOctets): the same octets as auth-psk.ts", () => {
  const prf = prfById(PrfId.PRF_HMAC_SHA2_256);
  assert.ok(prf);
  const psk = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const padKey = createHmac("sha256", psk).update(KEY_PAD_FOR_IKEV2).digest();
  const viaSignedOctets = createHmac("sha256", padKey).update(initiatorSignedOctets(prf, realMessage1, Nr, SK_pi, IDi)).digest("hex");
  assert.equal(toHex(pskAuthData(prf, psk, realMessage1, Nr, SK_pi, IDi)), viaSignedOctets);
});

test("every input is covered: changing the message, nonce, key or ID changes the octets", () => {
  const prf = prfById(PrfId.PRF_HMAC_SHA2_256);
  assert.ok(prf);
  const base = toHex(initiatorSignedOctets(prf, realMessage1, Nr, SK_pi, IDi));
  const flip = (b: Uint8Array, i: number): Uint8Array => {
    const c = b.slice();
    c[i] = (c[i] ?? 0) ^ 1;
    return c;
  };
  assert.notEqual(toHex(initiatorSignedOctets(prf, flip(realMessage1, 40), Nr, SK_pi, IDi)), base);
  assert.notEqual(toHex(initiatorSignedOctets(prf, realMessage1, flip(Nr, 0), SK_pi, IDi)), base);
  assert.notEqual(toHex(initiatorSignedOctets(prf, realMessage1, Nr, flip(SK_pi, 31), IDi)), base);
  assert.notEqual(toHex(initiatorSignedOctets(prf, realMessage1, Nr, SK_pi, flip(IDi, 0))), base);
});
