/**
 * Encrypted Fragment payload SKF (RFC 7383 §2.5): framing only (Fragment Number, Total Fragments,
 * opaque IV | ciphertext | ICV), bytes composed from the RFC layout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { hex } from "../../../src/wire/hex.js";
import { PayloadType } from "../../../src/ike/registry.js";
import { decodeMessage, encodeGenericHeader, encodeMessage, encodePayloads } from "../../../src/ike/codec/message.js";
import { encodeSkf } from "../../../src/ike/codec/sk.js";
import type { SkfPayload } from "../../../src/ike/codec/payloads.js";
import { assertHex, decodeSingle, refusedSingle } from "./helpers.js";

const BODY = "000102030405060708090a0b0c0d0e0f" + "aabbccdd" + "112233445566778899aabbcc"; // IV | ct | ICV

test("first fragment: Next Payload names the first inner payload, fragment 1 of 3", () => {
  const skf: SkfPayload = {
    type: PayloadType.SKF,
    critical: false,
    innerFirst: PayloadType.IDi,
    fragmentNumber: 1,
    totalFragments: 3,
    body: hex(BODY),
  };
  const length = 4 + 4 + BODY.length / 2;
  // Next Payload 35 (IDi) | C 0 | Payload Length | Fragment Number 1 | Total Fragments 3 | body
  const expected = "23 00" + length.toString(16).padStart(4, "0") + "0001 0003" + BODY;
  assertHex(encodePayloads([skf]), expected);
  assert.deepEqual(decodeSingle(PayloadType.SKF, "0001 0003" + BODY).type, PayloadType.SKF);
  const header = { spiI: hex("0102030405060708"), spiR: hex("1112131415161718"), version: 0x20, exchangeType: 35, flags: 0x08, messageId: 1 };
  const m = decodeMessage(encodeMessage(header, [skf]));
  assert.ok(m.ok);
  assert.equal(m.value.header.nextPayload, PayloadType.SKF);
  assert.deepEqual(m.value.payloads, [skf]);
});

test("later fragment with Next Payload 0, and the 8-octet prefix of the SKF associated data", () => {
  const p = decodeSingle(PayloadType.SKF, "0003 0003" + BODY);
  assert.deepEqual(p, { type: PayloadType.SKF, critical: false, innerFirst: 0, fragmentNumber: 3, totalFragments: 3, body: hex(BODY) });
  const empty: SkfPayload = { type: PayloadType.SKF, critical: false, innerFirst: 0, fragmentNumber: 3, totalFragments: 3, body: new Uint8Array(0) };
  const length = 8 + BODY.length / 2;
  assertHex(encodeGenericHeader(0, false, length), "0000" + length.toString(16).padStart(4, "0"));
  assertHex(encodeSkf(empty), "0003 0003");
});

test("Fragment Number must be 1..Total Fragments, Total Fragments at least 1", () => {
  refusedSingle(PayloadType.SKF, "0000 0003" + BODY, "bad-value");
  refusedSingle(PayloadType.SKF, "0004 0003" + BODY, "bad-value");
  refusedSingle(PayloadType.SKF, "0001 0000" + BODY, "bad-value");
  refusedSingle(PayloadType.SKF, "0000 0000", "bad-value");
  refusedSingle(PayloadType.SKF, "0001 00", "truncated");
});
