/**
 * SA payload, Proposal and Transform substructures, transform attributes (RFC 7296 §3.3.1-§3.3.5).
 * Bodies are written out field by field from the RFC layouts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { hex } from "../../../src/wire/hex.js";
import { PayloadType } from "../../../src/ike/registry.js";
import { encodePayloads } from "../../../src/ike/codec/message.js";
import type { SaPayload } from "../../../src/ike/codec/payloads.js";
import { assertHex, decodeSingle, refusedSingle, withGenericHeader } from "./helpers.js";

// ESP proposal: AES-GCM-16 with Key Length 128 (TV attribute), No ESN.
const ESP_ENCR = "03 00 000c" + "01 00 0014" + "800e 0080"; // more, length 12, ENCR, id 20, AF=1 type 14 value 128
const ESP_ESN = "00 00 0008" + "05 00 0000"; //                  last, length 8, ESN, id 0
const ESP_PROPOSAL = "00 00 0020" + "01 03 04 02" + "c0ffee01" + ESP_ENCR + ESP_ESN; // last, length 32, #1, ESP, SPI Size 4, 2 transforms

// IKE proposal (IKE_SA_INIT: SPI Size 0), then a second proposal, with a TLV attribute.
const IKE_PROPOSAL_MORE = "02 00 0016" + "01 01 00 01" + "00 00 000e" + "01 00 000c" + "000e 0002 0100"; // more, 22; ENCR_AES_CBC (14), TLV type 14 len 2
const IKE_PROPOSAL_LAST = "00 00 0010" + "02 01 00 01" + "00 00 0008" + "02 00 0007"; // last, 16; PRF_HMAC_SHA2_512

const espSa: SaPayload = {
  type: PayloadType.SA,
  critical: false,
  proposals: [
    {
      number: 1,
      protocolId: 3,
      spi: hex("c0ffee01"),
      transforms: [
        { type: 1, id: 20, attributes: [{ type: 14, value: 128 }] },
        { type: 5, id: 0, attributes: [] },
      ],
    },
  ],
};

test("ESP proposal with SPI, TV key length and ESN decodes field by field and re-encodes", () => {
  assert.deepEqual(decodeSingle(PayloadType.SA, ESP_PROPOSAL), espSa);
  assertHex(encodePayloads([espSa]), withGenericHeader(0, ESP_PROPOSAL));
});

test("two proposals chained by Last Substruc 2 then 0; a TLV attribute stays TLV", () => {
  const sa: SaPayload = {
    type: PayloadType.SA,
    critical: false,
    proposals: [
      { number: 1, protocolId: 1, spi: new Uint8Array(0), transforms: [{ type: 1, id: 12, attributes: [{ type: 14, value: hex("0100") }] }] },
      { number: 2, protocolId: 1, spi: new Uint8Array(0), transforms: [{ type: 2, id: 7, attributes: [] }] },
    ],
  };
  assert.deepEqual(decodeSingle(PayloadType.SA, IKE_PROPOSAL_MORE + IKE_PROPOSAL_LAST), sa);
  assertHex(encodePayloads([sa]), withGenericHeader(0, IKE_PROPOSAL_MORE + IKE_PROPOSAL_LAST));
});

test("IKE rekey proposal with an 8-octet SPI is accepted (§3.3.1)", () => {
  const body = "00 00 0010" + "01 01 08 00" + "0102030405060708";
  const sa = decodeSingle(PayloadType.SA, body);
  assert.ok(sa.type === PayloadType.SA && !("unknown" in sa));
  assert.equal(sa.proposals[0]?.spi.length, 8);
});

test("SA payload without proposals is bad-value", () => {
  refusedSingle(PayloadType.SA, "", "bad-value");
});

test("Proposal Last Substruc other than 0 or 2 is bad-value", () => {
  for (const v of ["01", "03", "ff"]) refusedSingle(PayloadType.SA, v + ESP_PROPOSAL.replace(/\s+/g, "").slice(2), "bad-value");
});

test("Proposal Last Substruc 2 at the end of the SA payload is length-mismatch", () => {
  refusedSingle(PayloadType.SA, "02" + ESP_PROPOSAL.replace(/\s+/g, "").slice(2), "length-mismatch");
});

test("Proposal Last Substruc 0 followed by more octets is length-mismatch", () => {
  refusedSingle(PayloadType.SA, ESP_PROPOSAL + IKE_PROPOSAL_LAST, "length-mismatch");
});

test("Proposal Length shorter than header + SPI is length-mismatch; past the payload is truncated", () => {
  refusedSingle(PayloadType.SA, "00 00 0007" + "01 03 00 00", "length-mismatch");
  refusedSingle(PayloadType.SA, "00 00 000b" + "01 03 04 00" + "c0ffee", "length-mismatch"); // 11 < 8 + 4
  refusedSingle(PayloadType.SA, "00 00 0021" + ESP_PROPOSAL.replace(/\s+/g, "").slice(8), "truncated");
  refusedSingle(PayloadType.SA, "00 00 00", "truncated");
});

test("SPI Size must match the protocol: IKE 0 or 8, ESP and AH 4 (§3.3.1)", () => {
  refusedSingle(PayloadType.SA, "00 00 000c" + "01 01 04 00" + "01020304", "bad-value"); // IKE with 4
  refusedSingle(PayloadType.SA, "00 00 0008" + "01 03 00 00", "bad-value"); //             ESP with 0
  refusedSingle(PayloadType.SA, "00 00 0010" + "01 02 08 00" + "0102030405060708", "bad-value"); // AH with 8
});

test("Transform Last Substruc must be 3 before the last and 0 on the last (Num Transforms)", () => {
  const badFirst = "00 00 0020" + "01 03 04 02" + "c0ffee01" + "00 00 000c 01 00 0014 800e 0080" + ESP_ESN;
  refusedSingle(PayloadType.SA, badFirst, "bad-value");
  const badLast = "00 00 0020" + "01 03 04 02" + "c0ffee01" + ESP_ENCR + "03 00 0008 05 00 0000";
  refusedSingle(PayloadType.SA, badLast, "bad-value");
  const two = "00 00 0020" + "01 03 04 02" + "c0ffee01" + ESP_ENCR + "02 00 0008 05 00 0000";
  refusedSingle(PayloadType.SA, two, "bad-value");
});

test("Num Transforms above the transforms present is truncated; below is length-mismatch", () => {
  refusedSingle(PayloadType.SA, "00 00 0020" + "01 03 04 03" + "c0ffee01" + ESP_ENCR + ESP_ESN, "bad-value"); // ESN says last but 3 announced
  refusedSingle(PayloadType.SA, "00 00 0018" + "01 03 04 02" + "c0ffee01" + ESP_ENCR, "truncated");
  refusedSingle(PayloadType.SA, "00 00 0020" + "01 03 04 01" + "c0ffee01" + "00 00 000c 01 00 0014 800e 0080" + ESP_ESN, "length-mismatch");
});

test("Transform Length below 8 is length-mismatch; past the proposal is truncated", () => {
  refusedSingle(PayloadType.SA, "00 00 0014" + "01 03 04 01" + "c0ffee01" + "00 00 0007 01 00 0014", "length-mismatch");
  refusedSingle(PayloadType.SA, "00 00 0014" + "01 03 04 01" + "c0ffee01" + "00 00 000c 01 00 0014", "truncated");
});

test("transform attribute TLV length past the transform is truncated; a partial attribute header too", () => {
  refusedSingle(PayloadType.SA, "00 00 0018" + "01 03 04 01" + "c0ffee01" + "00 00 000c 01 00 0014 000e 0001", "truncated");
  refusedSingle(PayloadType.SA, "00 00 0016" + "01 03 04 01" + "c0ffee01" + "00 00 000a 01 00 0014 800e", "truncated");
});

test("an unknown protocol ID keeps whatever SPI it carries (left to proposal selection)", () => {
  const sa = decodeSingle(PayloadType.SA, "00 00 000a" + "01 09 02 00" + "abcd");
  assert.ok(sa.type === PayloadType.SA && !("unknown" in sa));
  assert.deepEqual(sa.proposals[0], { number: 1, protocolId: 9, spi: hex("abcd"), transforms: [] });
});

test("encoder refuses attribute values that do not fit their fields (programmer error)", () => {
  const bad = (value: number | Uint8Array, type = 14): SaPayload => ({
    type: PayloadType.SA,
    critical: false,
    proposals: [{ number: 1, protocolId: 1, spi: new Uint8Array(0), transforms: [{ type: 1, id: 12, attributes: [{ type, value }] }] }],
  });
  assert.throws(() => encodePayloads([bad(0x10000)]), RangeError);
  assert.throws(() => encodePayloads([bad(1, 0x8000)]), RangeError);
});
