// A real cross-check of SkCipher.open(): free5gc's IKE_AUTH request with known SK_ei/SK_ai
// (ENCR_AES_CBC-256 + AUTH_HMAC_SHA1_96) verifies and decrypts to the expected EAP-5G payload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { EncrId, IntegId, IKE_HEADER_LENGTH, GENERIC_PAYLOAD_HEADER_LENGTH, PayloadType } from "../../../src/ike/registry.js";
import { createSkCipher } from "../../../src/ike/crypto/sk-cipher.js";

interface Free5gcCase {
  message: string;
  SK_ei: string;
  SK_er: string;
  SK_ai: string;
  SK_ar: string;
  expected_inner_payloads: {
    eap_code: number;
    eap_identifier: number;
    vendor_id: number;
    vendor_type: number;
    vendor_data: string;
  }[];
}

const c = loadVectors<{ cases: Free5gcCase[] }>("ikev2-message-sk-eap-free5gc.json").cases[0];
assert.ok(c);
const message = hex(c.message);
// aad = IKE header | SK generic payload header (RFC 7296 §3.14); the body follows.
const split = IKE_HEADER_LENGTH + GENERIC_PAYLOAD_HEADER_LENGTH;
const aad = message.subarray(0, split);
const body = message.subarray(split);
const suite = { encrId: EncrId.ENCR_AES_CBC, encrKeyBits: 256, integId: IntegId.AUTH_HMAC_SHA1_96 };

test("free5gc IKE_AUTH: ICV verifies with SK_ai and the body decrypts with SK_ei to one EAP-5G payload", () => {
  assert.equal(message[16], PayloadType.SK, "first payload is SK");
  const sk = createSkCipher(suite, hex(c.SK_ei), hex(c.SK_ai));
  assert.ok(sk);
  assert.equal(sk.icvLength, 12);
  const inner = sk.open(aad, body);
  assert.ok(inner, "open() refused the message");
  // RFC 7296 §3.2 generic header: Next Payload 0, payload length = the whole inner data.
  assert.equal(inner[0], 0);
  assert.equal((inner[2] ?? 0) * 256 + (inner[3] ?? 0), inner.length);
  const eap = inner.subarray(4);
  const want = c.expected_inner_payloads[0];
  assert.ok(want);
  assert.equal(eap[0], want.eap_code);
  assert.equal(eap[1], want.eap_identifier);
  assert.equal((eap[2] ?? 0) * 256 + (eap[3] ?? 0), eap.length, "EAP length");
  assert.equal(eap[4], 254, "Expanded Type");
  assert.equal(toHex(eap.subarray(5, 8)), want.vendor_id.toString(16).padStart(6, "0"));
  assert.equal(toHex(eap.subarray(8, 12)), want.vendor_type.toString(16).padStart(8, "0"));
  assert.equal(toHex(eap.subarray(12)), want.vendor_data);
  // free5gc used minimal padding, so our length formula reproduces the body length.
  assert.equal(sk.bodyLength(inner.length), body.length);
});

test("free5gc IKE_AUTH: the responder's keys, a changed header octet or a changed ICV are refused", () => {
  const wrongKeys = createSkCipher(suite, hex(c.SK_er), hex(c.SK_ar));
  assert.equal(wrongKeys?.open(aad, body), undefined);
  const sk = createSkCipher(suite, hex(c.SK_ei), hex(c.SK_ai));
  assert.ok(sk);
  const badAad = aad.slice();
  badAad[19] = (badAad[19] ?? 0) ^ 0x20; // the R flag
  assert.equal(sk.open(badAad, body), undefined);
  const badBody = body.slice();
  badBody[badBody.length - 1] = (badBody[badBody.length - 1] ?? 0) ^ 1;
  assert.equal(sk.open(aad, badBody), undefined);
});
