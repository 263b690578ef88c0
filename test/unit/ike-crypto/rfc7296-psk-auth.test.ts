// Shared-key AUTH (RFC 7296 §2.15). Cross-check: the expected value is composed again here with
// raw node:crypto HMAC calls from the RFC formula, independently of auth-psk.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { PrfId } from "../../../src/ike/registry.js";
import { prfById } from "../../../src/ike/crypto/prf.js";
import { KEY_PAD_FOR_IKEV2, pskAuthData, verifyPskAuth } from "../../../src/ike/crypto/auth-psk.js";

const prf = prfById(PrfId.PRF_HMAC_SHA2_256);
assert.ok(prf);
// RealMessage1: a real IKE_SA_INIT request from the node-ikev2 capture.
const captured = loadVectors<{ cases: { exchange: string; response_flag: boolean; ike_message: string }[] }>("ikev2-messages-captured-node-ikev2.json").cases;
const initRequest = captured.find((m) => m.exchange === "IKE_SA_INIT" && !m.response_flag);
assert.ok(initRequest);
const realMessage1 = hex(initRequest.ike_message);
const psk = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const Nr = hex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf");
const SK_pi = hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
// IDi' = ID Type ID_FQDN (2) | RESERVED | "ue.lwip.example"
const IDi = new Uint8Array([2, 0, 0, 0, ...new TextEncoder().encode("ue.lwip.example")]);

test('"Key Pad for IKEv2" is the 17 ASCII octets of RFC 7296 §2.15', () => {
  assert.equal(toHex(KEY_PAD_FOR_IKEV2), "4b65792050616420666f7220494b457632");
});

test("cross-check: AUTH = prf(prf(PSK, Key Pad), RealMessage1 | Nr | prf(SK_pi, IDi')) by hand", () => {
  const padKey = createHmac("sha256", psk).update("Key Pad for IKEv2", "ascii").digest();
  const macedId = createHmac("sha256", SK_pi).update(IDi).digest();
  const expected = createHmac("sha256", padKey).update(realMessage1).update(Nr).update(macedId).digest("hex");
  assert.equal(toHex(pskAuthData(prf, psk, realMessage1, Nr, SK_pi, IDi)), expected);
});

test("verifyPskAuth: accepts the right value, refuses a flipped bit, a truncation, another PSK or nonce", () => {
  const auth = pskAuthData(prf, psk, realMessage1, Nr, SK_pi, IDi);
  assert.equal(verifyPskAuth(prf, psk, realMessage1, Nr, SK_pi, IDi, auth), true);
  const flipped = auth.slice();
  flipped[0] = (flipped[0] ?? 0) ^ 1;
  assert.equal(verifyPskAuth(prf, psk, realMessage1, Nr, SK_pi, IDi, flipped), false);
  assert.equal(verifyPskAuth(prf, psk, realMessage1, Nr, SK_pi, IDi, auth.subarray(0, 31)), false);
  assert.equal(verifyPskAuth(prf, psk, realMessage1, Nr, SK_pi, IDi, new Uint8Array(0)), false);
  const otherPsk = psk.slice();
  otherPsk[31] = 0;
  assert.equal(verifyPskAuth(prf, otherPsk, realMessage1, Nr, SK_pi, IDi, auth), false);
  const otherNr = Nr.slice();
  otherNr[0] = 0;
  assert.equal(verifyPskAuth(prf, psk, realMessage1, otherNr, SK_pi, IDi, auth), false);
});
