/**
 * IKE header (RFC 7296 §3.1) and the generic payload chain (§3.2, §2.5, §3.14): expected bytes are
 * composed here from the RFC layouts, not taken from encoder output.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { hex, toHex } from "../../../src/wire/hex.js";
import { NotifyType, PayloadType } from "../../../src/ike/registry.js";
import { decodeIkeHeader, encodeIkeHeader } from "../../../src/ike/codec/header.js";
import {
  decodeMessage,
  decodePayloads,
  encodeGenericHeader,
  encodeMessage,
  encodePayloads,
  firstPayloadType,
} from "../../../src/ike/codec/message.js";
import type { Payload } from "../../../src/ike/codec/payloads.js";
import { assertHex, refused, withGenericHeader } from "./helpers.js";

const SPI_I = "0102030405060708";
const SPI_R = "1112131415161718";

/** SPIi | SPIr | Next Payload | MjVer.MnVer | Exchange Type | Flags | Message ID | Length. */
function headerHex(next: number, version: number, exchange: number, flags: number, messageId: number, length: number): string {
  const b = (v: number, n: number): string => v.toString(16).padStart(2 * n, "0");
  return SPI_I + SPI_R + b(next, 1) + b(version, 1) + b(exchange, 1) + b(flags, 1) + b(messageId, 4) + b(length, 4);
}

const VENDOR_BODY = "deadbeef";

test("encodeIkeHeader writes the §3.1 layout with Length and Next Payload as given", () => {
  const h = {
    spiI: hex(SPI_I),
    spiR: hex(SPI_R),
    nextPayload: 33,
    version: 0x20,
    exchangeType: 34,
    flags: 0x08,
    messageId: 0x01020304,
    length: 300,
  };
  assertHex(encodeIkeHeader(h), SPI_I + SPI_R + "21" + "20" + "22" + "08" + "01020304" + "0000012c");
  const back = decodeIkeHeader(hex(headerHex(33, 0x20, 34, 0x08, 0x01020304, 28)));
  assert.ok(back.ok);
  assert.deepEqual(back.value, { ...h, length: 28 });
});

test("encodeIkeHeader refuses SPIs that are not 8 octets (programmer error)", () => {
  assert.throws(
    () => encodeIkeHeader({ spiI: new Uint8Array(4), spiR: hex(SPI_R), nextPayload: 0, version: 0x20, exchangeType: 34, flags: 0, messageId: 0, length: 28 }),
    RangeError,
  );
});

test("header shorter than 28 octets is truncated, with no notify (the datagram is dropped)", () => {
  refused(decodeIkeHeader(hex(headerHex(0, 0x20, 34, 8, 0, 28)).subarray(0, 27)), "truncated", "none");
  refused(decodeMessage(new Uint8Array(0)), "truncated", "none");
});

test("major version other than 2 is unsupported-version with INVALID_MAJOR_VERSION (§2.5)", () => {
  for (const version of [0x10, 0x30, 0x00]) {
    const e = refused(decodeMessage(hex(headerHex(0, version, 34, 8, 0, 28))), "unsupported-version", NotifyType.INVALID_MAJOR_VERSION);
    assert.equal(e.offset, 17);
  }
});

test("a different minor version is accepted and kept (§2.5: ignore the minor version)", () => {
  const m = decodeMessage(hex(headerHex(0, 0x21, 37, 0x20, 7, 28)));
  assert.ok(m.ok);
  assert.equal(m.value.header.version, 0x21);
  assert.deepEqual(m.value.payloads, []);
});

test("header Length below 28 is length-mismatch; above the datagram is truncated", () => {
  refused(decodeIkeHeader(hex(headerHex(0, 0x20, 34, 8, 0, 27))), "length-mismatch", "none");
  refused(decodeIkeHeader(hex(headerHex(0, 0x20, 34, 8, 0, 29))), "truncated", "none");
});

test("octets after header Length are not part of the message", () => {
  const vendor = withGenericHeader(0, VENDOR_BODY);
  const m = decodeMessage(hex(headerHex(43, 0x20, 37, 0x08, 2, 28 + 8) + vendor + "ffffffff"));
  assert.ok(m.ok);
  assert.deepEqual(m.value.payloads, [{ type: PayloadType.VENDOR, critical: false, vendorId: hex(VENDOR_BODY) }]);
});

test("encodeMessage computes Next Payload and Length; an empty chain gives Next Payload 0", () => {
  const header = { spiI: hex(SPI_I), spiR: hex(SPI_R), version: 0x20, exchangeType: 37, flags: 0x20, messageId: 9 };
  assertHex(encodeMessage(header, []), headerHex(0, 0x20, 37, 0x20, 9, 28));
  const vendor: Payload = { type: PayloadType.VENDOR, critical: false, vendorId: hex(VENDOR_BODY) };
  assertHex(encodeMessage(header, [vendor]), headerHex(43, 0x20, 37, 0x20, 9, 36) + "00000008" + VENDOR_BODY);
  assert.equal(firstPayloadType([vendor]), 43);
  assert.equal(firstPayloadType([]), 0);
});

test("encodeGenericHeader: Next Payload | C bit | Payload Length (§3.2)", () => {
  assertHex(encodeGenericHeader(35, false, 0x50), "23000050");
  assertHex(encodeGenericHeader(48, true, 4), "30800004");
  assert.throws(() => encodeGenericHeader(0, false, 0x10000), RangeError);
});

test("encodePayloads chains Next Payload; SK's own Next Payload is innerFirst (§3.14)", () => {
  const payloads: Payload[] = [
    { type: PayloadType.NOTIFY, critical: false, protocolId: 0, spi: new Uint8Array(0), notifyType: 16384, data: new Uint8Array(0) },
    { type: PayloadType.VENDOR, critical: false, vendorId: hex("ab") },
    { type: PayloadType.SK, critical: false, innerFirst: PayloadType.IDi, body: hex("0102030405") },
  ];
  const expected =
    "2b000008" + "00004000" + // N: next VENDOR, length 8, Protocol 0, SPI Size 0, INITIAL_CONTACT
    "2e000005" + "ab" + //       V: next SK (46), length 5
    "23000009" + "0102030405"; // SK: Next Payload = IDi (35), length 9
  assertHex(encodePayloads(payloads), expected);
  const back = decodePayloads(PayloadType.NOTIFY, hex(expected));
  assert.ok(back.ok);
  assert.deepEqual(back.value, payloads);
});

test("encodePayloads refuses SK or SKF before another payload (programmer error)", () => {
  const sk: Payload = { type: PayloadType.SK, critical: false, innerFirst: 0, body: new Uint8Array(0) };
  const v: Payload = { type: PayloadType.VENDOR, critical: false, vendorId: new Uint8Array(0) };
  assert.throws(() => encodePayloads([sk, v]), RangeError);
  const skf: Payload = { type: PayloadType.SKF, critical: false, innerFirst: 0, fragmentNumber: 1, totalFragments: 1, body: new Uint8Array(0) };
  assert.throws(() => encodePayloads([skf, v]), RangeError);
});

test("anything after SK or SKF is invalid-syntax (§3.14: SK MUST be the last payload)", () => {
  // SK whose generic header ends the chain, then a stray Vendor ID payload.
  const e = refused(decodePayloads(PayloadType.SK, hex("2b000006" + "aabb" + "00000004")), "invalid-syntax");
  assert.equal(e.offset, 6);
  refused(decodePayloads(PayloadType.SKF, hex("00000008" + "00010001" + "00")), "invalid-syntax");
  const msg = headerHex(46, 0x20, 35, 0x08, 1, 28 + 6 + 4) + "00000006aabb" + "00000004";
  refused(decodeMessage(hex(msg)), "invalid-syntax");
});

test("generic header: Payload Length < 4 is length-mismatch, past the end is truncated", () => {
  refused(decodePayloads(PayloadType.VENDOR, hex("00000003")), "length-mismatch");
  refused(decodePayloads(PayloadType.VENDOR, hex("00000000")), "length-mismatch");
  refused(decodePayloads(PayloadType.VENDOR, hex("00000009" + "aabbccdd")), "truncated");
  refused(decodePayloads(PayloadType.VENDOR, hex("000000")), "truncated");
  // Next Payload names a payload that is not there.
  refused(decodePayloads(PayloadType.VENDOR, hex("2b000004")), "truncated");
});

test("octets after the payload whose Next Payload is 0 are length-mismatch", () => {
  refused(decodePayloads(PayloadType.VENDOR, hex("00000004" + "00")), "length-mismatch");
  refused(decodePayloads(PayloadType.NONE, hex("00")), "length-mismatch");
  const empty = decodePayloads(PayloadType.NONE, new Uint8Array(0));
  assert.ok(empty.ok);
  assert.deepEqual(empty.value, []);
});

test("error offsets count from baseOffset", () => {
  const e = refused(decodePayloads(PayloadType.VENDOR, hex("00000003"), 28), "length-mismatch");
  assert.equal(e.offset, 30);
});

test("unknown payload with the critical bit: unsupported-critical-payload naming the type (§2.5, §3.10.1)", () => {
  const e = refused(decodePayloads(99, hex("0080000600aa")), "unsupported-critical-payload", NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD);
  assert.match(e.message, /\b99\b/);
  assert.equal(e.offset, 0);
});

test("unknown payload without the critical bit is kept raw and re-encoded", () => {
  const bytes = hex("2b000006" + "00aa" + "00000004");
  const r = decodePayloads(49, bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.value, [
    { type: 49, critical: false, body: hex("00aa"), unknown: true },
    { type: PayloadType.VENDOR, critical: false, vendorId: new Uint8Array(0) },
  ]);
  assert.equal(toHex(encodePayloads(r.value)), toHex(bytes));
});

test("the critical bit of a known payload is reported; RESERVED bits are ignored on receipt (§3.2)", () => {
  const critical = decodePayloads(PayloadType.VENDOR, hex("00800005" + "01"));
  assert.ok(critical.ok);
  assert.deepEqual(critical.value, [{ type: PayloadType.VENDOR, critical: true, vendorId: hex("01") }]);
  assertHex(encodePayloads(critical.value), "00800005" + "01");
  // RESERVED = 0x7f: "MUST be ignored on receipt", so decoded as usual and sent back as zero.
  const reserved = decodePayloads(PayloadType.VENDOR, hex("007f0005" + "01"));
  assert.ok(reserved.ok);
  assert.deepEqual(reserved.value, [{ type: PayloadType.VENDOR, critical: false, vendorId: hex("01") }]);
  assertHex(encodePayloads(reserved.value), "00000005" + "01");
});

test("IKE_SA_INIT: an IKE proposal with a SPI is refused; the same SA is fine in CREATE_CHILD_SA (§3.3.1)", () => {
  // SA | proposal: last, length 16, #1, IKE, SPI Size 8, 0 transforms | SPI
  const sa = withGenericHeader(0, "00000010" + "01010800" + "0102030405060708");
  const length = 28 + sa.length / 2;
  refused(decodeMessage(hex(headerHex(33, 0x20, 34, 0x08, 0, length) + sa)), "bad-value");
  const rekey = decodeMessage(hex(headerHex(33, 0x20, 36, 0x08, 2, length) + sa));
  assert.ok(rekey.ok);
});
