// ESP padding and trailer (RFC 4303 §2.4-2.6), against the RFC 3602 §4 sample packets.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { hex, toHex } from "../../../src/wire/hex.js";
import { espPayloadLength, padLengthFor, writeEspPlaintext } from "../../../src/esp/trailer.js";
import { loadVectors } from "../../support/vectors.js";

interface CbcCase {
  case: number;
  mode?: string;
  original_ip_header?: string;
  original_data?: string;
  padding?: string;
  pad_length?: string;
  next_header?: string;
  pre_encryption_data?: string;
}

const esp = loadVectors<{ cases: CbcCase[] }>("esp-aes-cbc-rfc3602.json").cases.filter((c) => c.case >= 5);

test("RFC 3602 cases 5-8: our trailer for the original packet is the one the RFC encrypted", () => {
  assert.equal(esp.length, 4);
  for (const c of esp) {
    const payload = hex((c.mode === "tunnel" ? (c.original_ip_header ?? "") : "") + (c.original_data ?? ""));
    const padLength = padLengthFor(payload.length, 16);
    assert.equal(padLength, parseInt(c.pad_length ?? "", 16), `case ${c.case}`);
    const out = new Uint8Array(payload.length + padLength + 2);
    assert.equal(writeEspPlaintext(out, 0, payload, padLength, parseInt(c.next_header ?? "", 16)), out.length);
    assert.equal(toHex(out), c.pre_encryption_data);
    assert.equal(espPayloadLength(out), payload.length);
  }
});

test("GCM aligns to 4 octets: pad 0-3", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => padLengthFor(n, 4)), [2, 1, 0, 3, 2, 1]);
});

test("the receiver checks the padding: not 1, 2, 3, ..., or a Pad Length past the start", () => {
  assert.equal(espPayloadLength(hex("aa0102030304")), 1);
  assert.equal(espPayloadLength(hex("aa0102040304")), -1);
  assert.equal(espPayloadLength(hex("01020304")), -1, "pad length 3 needs 3 octets before the trailer, has 2");
  assert.equal(espPayloadLength(hex("0004")), 0);
  assert.equal(espPayloadLength(hex("04")), -1);
});

test("property: write then read gives back the payload length for any payload and alignment", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(4, 16), fc.nat({ max: 255 }), (payload, align, nh) => {
      const padLength = padLengthFor(payload.length, align);
      const out = new Uint8Array(payload.length + padLength + 2);
      writeEspPlaintext(out, 0, payload, padLength, nh);
      assert.equal(out.length % align, 0);
      assert.equal(espPayloadLength(out), payload.length);
      assert.equal(out[out.length - 1], nh);
    }),
  );
});
