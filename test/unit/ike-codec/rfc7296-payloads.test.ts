/**
 * KE, ID, CERT, CERTREQ, AUTH, Nonce, Notify, Delete, Vendor ID, TS, CP and EAP payloads
 * (RFC 7296 §3.4-§3.16): bodies written out from the RFC layouts, decoded field by field,
 * re-encoded, and each bounds check refused with its code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "../../support/vectors.js";
import { hex } from "../../../src/wire/hex.js";
import { PayloadType } from "../../../src/ike/registry.js";
import { decodePayloads, encodePayloads } from "../../../src/ike/codec/message.js";
import type { Payload } from "../../../src/ike/codec/payloads.js";
import { assertHex, decodeSingle, refusedSingle, withGenericHeader } from "./helpers.js";

/** Decodes the body, compares with `expected`, and checks the payload re-encodes to the same bytes. */
function roundTrip(type: number, bodyHex: string, expected: Payload): void {
  assert.deepEqual(decodeSingle(type, bodyHex), expected);
  assertHex(encodePayloads([expected]), withGenericHeader(0, bodyHex));
}

// RFC 8031 Appendix A: the initiator's Curve25519 public value, the Key Exchange Data of KEi.
const x25519 = loadVectors<{ cases: { origin: string; public_i: string }[] }>("ikev2-x25519-rfc7748-rfc8031.json");
const X25519_PUBLIC = x25519.cases.find((c) => c.origin.startsWith("RFC 8031"))?.public_i ?? "";

test("KE (§3.4): DH Group Num | RESERVED | data; known groups must have their length", () => {
  assert.equal(X25519_PUBLIC.length, 64);
  roundTrip(PayloadType.KE, "001f 0000" + X25519_PUBLIC, { type: PayloadType.KE, critical: false, dhGroup: 31, keyData: hex(X25519_PUBLIC) });
  refusedSingle(PayloadType.KE, "001f 0000" + X25519_PUBLIC.slice(2), "length-mismatch"); // 31 octets
  refusedSingle(PayloadType.KE, "0013 0000" + X25519_PUBLIC, "length-mismatch"); //        group 19 wants 64
  refusedSingle(PayloadType.KE, "000e 0000", "length-mismatch"); //                        MODP-2048 with no data
  refusedSingle(PayloadType.KE, "001f 00", "truncated");
  // An unknown group is kept, so the exchange can answer INVALID_KE_PAYLOAD instead.
  roundTrip(PayloadType.KE, "ffff 0000 0102", { type: PayloadType.KE, critical: false, dhGroup: 0xffff, keyData: hex("0102") });
});

test("IDi/IDr (§3.5): ID Type | RESERVED | data; address IDs have address lengths", () => {
  roundTrip(PayloadType.IDi, "01 000000 c6124001", { type: PayloadType.IDi, critical: false, idType: 1, data: hex("c6124001") });
  const fqdn = Buffer.from("segw.example", "ascii").toString("hex");
  roundTrip(PayloadType.IDr, "02 000000" + fqdn, { type: PayloadType.IDr, critical: false, idType: 2, data: hex(fqdn) });
  refusedSingle(PayloadType.IDi, "01 000000 c61240", "length-mismatch");
  refusedSingle(PayloadType.IDi, "05 000000 c6124001", "length-mismatch");
  refusedSingle(PayloadType.IDi, "01 0000", "truncated");
});

test("CERT and CERTREQ (§3.6, §3.7): Cert Encoding | data", () => {
  roundTrip(PayloadType.CERT, "04 308201", { type: PayloadType.CERT, critical: false, encoding: 4, data: hex("308201") });
  const caHash = "00112233445566778899aabbccddeeff00112233"; // one SHA-1 hash
  roundTrip(PayloadType.CERTREQ, "04" + caHash, { type: PayloadType.CERTREQ, critical: false, encoding: 4, data: hex(caHash) });
  refusedSingle(PayloadType.CERT, "", "truncated");
  refusedSingle(PayloadType.CERTREQ, "", "truncated");
});

test("AUTH (§3.8): Auth Method | RESERVED | data", () => {
  roundTrip(PayloadType.AUTH, "02 000000 a1a2a3", { type: PayloadType.AUTH, critical: false, method: 2, data: hex("a1a2a3") });
  refusedSingle(PayloadType.AUTH, "02 00", "truncated");
});

test("Nonce (§3.9): 16..256 octets, else invalid-syntax", () => {
  const n16 = "00".repeat(16);
  const n256 = "ab".repeat(256);
  roundTrip(PayloadType.NONCE, n16, { type: PayloadType.NONCE, critical: false, nonce: hex(n16) });
  roundTrip(PayloadType.NONCE, n256, { type: PayloadType.NONCE, critical: false, nonce: hex(n256) });
  refusedSingle(PayloadType.NONCE, "00".repeat(15), "invalid-syntax");
  refusedSingle(PayloadType.NONCE, "00".repeat(257), "invalid-syntax");
  refusedSingle(PayloadType.NONCE, "", "invalid-syntax");
  // The size rule is the Nonce payload's: the same octets are a valid Vendor ID.
  roundTrip(PayloadType.VENDOR, "00".repeat(15), { type: PayloadType.VENDOR, critical: false, vendorId: hex("00".repeat(15)) });
});

test("Notify (§3.10): Protocol ID | SPI Size | Notify Message Type | SPI | data", () => {
  // REKEY_SA (16393) for ESP SPI c0ffee01, no data.
  roundTrip(PayloadType.NOTIFY, "03 04 4009 c0ffee01", {
    type: PayloadType.NOTIFY,
    critical: false,
    protocolId: 3,
    spi: hex("c0ffee01"),
    notifyType: 16393,
    data: new Uint8Array(0),
  });
  // NAT_DETECTION_SOURCE_IP (16388): no SPI, 20 octets of SHA-1.
  const natd = "0123456789abcdef0123456789abcdef01234567";
  roundTrip(PayloadType.NOTIFY, "00 00 4004" + natd, {
    type: PayloadType.NOTIFY,
    critical: false,
    protocolId: 0,
    spi: new Uint8Array(0),
    notifyType: 16388,
    data: hex(natd),
  });
  refusedSingle(PayloadType.NOTIFY, "03 04 4009 c0ffee", "truncated"); // SPI Size past the payload
  refusedSingle(PayloadType.NOTIFY, "00 00 40", "truncated");
});

test("Delete (§3.11): SPI Size per protocol, Num of SPIs x SPI Size = SPI octets", () => {
  roundTrip(PayloadType.DELETE, "03 04 0002 c0ffee01 c0ffee02", {
    type: PayloadType.DELETE,
    critical: false,
    protocolId: 3,
    spiSize: 4,
    spis: [hex("c0ffee01"), hex("c0ffee02")],
  });
  roundTrip(PayloadType.DELETE, "01 00 0000", { type: PayloadType.DELETE, critical: false, protocolId: 1, spiSize: 0, spis: [] });
  refusedSingle(PayloadType.DELETE, "03 04 0002 c0ffee01", "length-mismatch");
  refusedSingle(PayloadType.DELETE, "03 04 0001 c0ffee01 00", "length-mismatch");
  refusedSingle(PayloadType.DELETE, "01 00 0000 00", "length-mismatch");
  refusedSingle(PayloadType.DELETE, "03 08 0001 0102030405060708", "bad-value"); // ESP with 8
  refusedSingle(PayloadType.DELETE, "01 08 0001 0102030405060708", "bad-value"); // IKE with 8
  refusedSingle(PayloadType.DELETE, "07 04 0001 c0ffee01", "bad-value"); //        unknown protocol
  refusedSingle(PayloadType.DELETE, "03 04 00", "truncated");
});

test("Vendor ID (§3.12): opaque octets, possibly none", () => {
  roundTrip(PayloadType.VENDOR, "4048b7d56ebce88525e7de7f00d6c2d3", {
    type: PayloadType.VENDOR,
    critical: false,
    vendorId: hex("4048b7d56ebce88525e7de7f00d6c2d3"),
  });
  roundTrip(PayloadType.VENDOR, "", { type: PayloadType.VENDOR, critical: false, vendorId: new Uint8Array(0) });
});

test("TSi/TSr (§3.13, §3.13.1): 198.18.64.1/32, any protocol and port, bytes from the layout", () => {
  const tsr: Payload = {
    type: PayloadType.TSr,
    critical: false,
    selectors: [{ tsType: 7, ipProtocol: 0, startPort: 0, endPort: 65535, startAddress: hex("c6124001"), endAddress: hex("c6124001") }],
  };
  const tsi: Payload = { ...tsr, type: PayloadType.TSi };
  const body =
    "01 000000" + //  Number of TSs 1, RESERVED
    "07 00 0010" + // TS_IPV4_ADDR_RANGE, IP Protocol ID 0 (any), Selector Length 16
    "0000 ffff" + //  Start Port 0, End Port 65535
    "c6124001" + //   Starting Address 198.18.64.1
    "c6124001"; //    Ending Address 198.18.64.1
  const expected =
    "2d 00 0018" + body + // TSi: Next Payload TSr (45), Payload Length 24
    "00 00 0018" + body; //  TSr: last
  assertHex(encodePayloads([tsi, tsr]), expected);
  const back = decodePayloads(PayloadType.TSi, hex(expected));
  assert.ok(back.ok);
  assert.deepEqual(back.value, [tsi, tsr]);
});

test("TS: IPv6 selector of 40 octets, several selectors", () => {
  const a = "20010db8000000000000000000000001";
  const b = "20010db800000000ffffffffffffffff";
  const body = "02 000000" + "08 06 0028 0050 0050" + a + b + "07 11 0010 0000 ffff 0a000000 0affffff";
  roundTrip(PayloadType.TSi, body, {
    type: PayloadType.TSi,
    critical: false,
    selectors: [
      { tsType: 8, ipProtocol: 6, startPort: 80, endPort: 80, startAddress: hex(a), endAddress: hex(b) },
      { tsType: 7, ipProtocol: 17, startPort: 0, endPort: 65535, startAddress: hex("0a000000"), endAddress: hex("0affffff") },
    ],
  });
});

test("TS: Selector Length must be 16 (IPv4) or 40 (IPv6); TS Type must be known; count must match", () => {
  const v4 = "07 00 0010 0000 ffff c6124001 c6124001";
  refusedSingle(PayloadType.TSi, "01 000000 07 00 0028 0000 ffff c6124001 c6124001", "length-mismatch"); // IPv4 type, 40
  refusedSingle(PayloadType.TSi, "01 000000 08 00 0010 0000 ffff c6124001 c6124001", "length-mismatch"); // IPv6 type, 16
  refusedSingle(PayloadType.TSi, "01 000000 09 00 0010 0000 ffff c6124001 c6124001", "bad-value");
  refusedSingle(PayloadType.TSi, "02 000000" + v4, "truncated");
  refusedSingle(PayloadType.TSi, "01 000000" + v4 + "00", "length-mismatch");
  refusedSingle(PayloadType.TSi, "01 000000 07 00 0010 0000 ffff c6124001 c61240", "truncated");
  refusedSingle(PayloadType.TSi, "01 0000", "truncated");
});

test("TS encoder refuses addresses that do not match the TS Type (programmer error)", () => {
  const bad: Payload = {
    type: PayloadType.TSi,
    critical: false,
    selectors: [{ tsType: 8, ipProtocol: 0, startPort: 0, endPort: 65535, startAddress: hex("c6124001"), endAddress: hex("c6124001") }],
  };
  assert.throws(() => encodePayloads([bad]), RangeError);
});

test("CP (§3.15, §3.15.1): CFG_REQUEST with empty attributes, CFG_REPLY with values", () => {
  roundTrip(PayloadType.CP, "01 000000" + "0001 0000" + "0003 0000" + "0008 0000", {
    type: PayloadType.CP,
    critical: false,
    cfgType: 1,
    attributes: [
      { type: 1, value: new Uint8Array(0) }, // INTERNAL_IP4_ADDRESS
      { type: 3, value: new Uint8Array(0) }, // INTERNAL_IP4_DNS
      { type: 8, value: new Uint8Array(0) }, // INTERNAL_IP6_ADDRESS
    ],
  });
  roundTrip(PayloadType.CP, "02 000000" + "0001 0004 0a000102" + "000d 0008 0a000000 ffffff00" + "000e 0004 00010003", {
    type: PayloadType.CP,
    critical: false,
    cfgType: 2,
    attributes: [
      { type: 1, value: hex("0a000102") },
      { type: 13, value: hex("0a000000ffffff00") }, // INTERNAL_IP4_SUBNET
      { type: 14, value: hex("00010003") }, // SUPPORTED_ATTRIBUTES
    ],
  });
});

test("CP: attribute lengths from the §3.15.1 table and TLV bounds", () => {
  refusedSingle(PayloadType.CP, "01 000000 0001 0003 0a0001", "length-mismatch"); //      IPv4 address of 3
  refusedSingle(PayloadType.CP, "01 000000 0008 0010" + "00".repeat(16), "length-mismatch"); // IPv6 address needs 17
  refusedSingle(PayloadType.CP, "01 000000 000a 0004 0a000102", "length-mismatch"); //   IPv6 DNS of 4
  refusedSingle(PayloadType.CP, "01 000000 000e 0003 000100", "length-mismatch"); //      SUPPORTED_ATTRIBUTES odd
  refusedSingle(PayloadType.CP, "01 000000 0001 0004 0a00", "truncated"); //              value past the payload
  refusedSingle(PayloadType.CP, "01 000000 0001 00", "truncated"); //                     partial attribute header
  refusedSingle(PayloadType.CP, "01 00", "truncated");
  // Unknown attributes (P-CSCF, RFC 7651) take any length; the R bit is ignored on receipt.
  const p = decodeSingle(PayloadType.CP, "01 000000 8014 0000");
  assert.deepEqual(p, { type: PayloadType.CP, critical: false, cfgType: 1, attributes: [{ type: 20, value: new Uint8Array(0) }] });
});

test("EAP (§3.16): the EAP Length field equals the payload data length", () => {
  // EAP-Response/Identity "a": Code 2, Identifier 5, Length 6, Type 1.
  roundTrip(PayloadType.EAP, "02 05 0006 01 61", { type: PayloadType.EAP, critical: false, message: hex("020500060161") });
  roundTrip(PayloadType.EAP, "03 05 0004", { type: PayloadType.EAP, critical: false, message: hex("03050004") }); // Success
  refusedSingle(PayloadType.EAP, "02 05 0007 01 61", "length-mismatch");
  refusedSingle(PayloadType.EAP, "02 05 0005 01 61", "length-mismatch");
  refusedSingle(PayloadType.EAP, "02 05 00", "truncated");
});
