// LWIPEP (TS 36.361) as a GRE header (RFC 2784) with the Key and Sequence Number extensions
// (RFC 2890). Expected bytes are composed here field by field from the RFC 2784 §2.1 / RFC 2890
// §2 layout; the Key carries the DRB identity in its low octet, an unconfirmed mapping (see
// greKeyForDrb) that these tests pin down so a change to it is deliberate.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, hex, toHex } from "../../../src/wire/hex.js";
import {
  decodeLwipep,
  drbForGreKey,
  encodeLwipep,
  EtherType,
  GRE_IP_PROTOCOL,
  greKeyForDrb,
  inspectLwipep,
  protocolTypeForSdu,
  type LwipepPacket,
} from "../../../src/lwipep/lwipep.js";

/** A PDCP SDU: the first octets of an IPv4 packet (the codec does not look inside). */
const SDU = hex("45000054 1c46 4000 4001 b1e6 c0a87b01 c0a87b02");

function decoded(bytes: Uint8Array): LwipepPacket {
  const r = decodeLwipep(bytes);
  assert.ok(r.ok, `decode failed: ${JSON.stringify(!r.ok && r.error)}`);
  return r.value;
}

function refusal(bytes: Uint8Array): string | undefined {
  const r = decodeLwipep(bytes);
  return r.ok ? undefined : r.error.code;
}

test("GRE is IP protocol 47; EtherTypes 0x0800 and 0x86DD", () => {
  assert.equal(GRE_IP_PROTOCOL, 47);
  assert.equal(EtherType.IPV4, 0x0800);
  assert.equal(EtherType.IPV6, 0x86dd);
});

test("K = 1 only (no aggregation): flags 0x2000, Protocol Type, Key = DRB identity", () => {
  const bytes = concatBytes(
    hex("20"), // C 0 | reserved 0 | K 1 | S 0 | Reserved0 (high bits) 0
    hex("00"), // Reserved0 (low bits) 0 | Ver 0
    hex("0800"), // Protocol Type: IPv4
    hex("00000005"), // Key: DRB identity 5 in the low octet
    SDU,
  );
  assert.equal(toHex(encodeLwipep({ drbId: 5, protocolType: EtherType.IPV4, payload: SDU })), toHex(bytes));
  const p = decoded(bytes);
  assert.equal(p.drbId, 5);
  assert.equal(p.protocolType, 0x0800);
  assert.equal(p.sequence, undefined);
  assert.equal(p.checksum, undefined);
  assert.equal(toHex(p.payload), toHex(SDU));
  assert.equal(inspectLwipep(bytes, 0, bytes.length), 8);
});

test("K = 1, S = 1 (LWIP aggregation): flags 0x3000, Key, then the GRE Sequence Number", () => {
  const bytes = concatBytes(
    hex("30"), // K 1 | S 1
    hex("00"),
    hex("86dd"), // Protocol Type: IPv6
    hex("00000020"), // DRB identity 32
    hex("0000002a"), // Sequence Number 42
    hex("6000"),
  );
  assert.equal(toHex(encodeLwipep({ drbId: 32, protocolType: EtherType.IPV6, payload: hex("6000"), sequence: 42 })), toHex(bytes));
  const p = decoded(bytes);
  assert.equal(p.drbId, 32);
  assert.equal(p.sequence, 42);
  assert.equal(toHex(p.payload), "6000");
  assert.equal(inspectLwipep(bytes, 0, bytes.length), 12);
});

test("C = 1: the checksum (RFC 2784 §2.5) over header and payload is written and verified", () => {
  // Words: a000 + 0800 + 0000 (checksum) + 0000 (Reserved1) + 0000 + 0001 (Key) + 4500 (payload)
  // = 0xed01; its one's complement is 0x12fe.
  const bytes = concatBytes(hex("a0 00 0800"), hex("12fe 0000"), hex("00000001"), hex("4500"));
  assert.equal(toHex(encodeLwipep({ drbId: 1, protocolType: 0x0800, payload: hex("4500"), checksum: true })), toHex(bytes));
  const p = decoded(bytes);
  assert.equal(p.checksum, true);
  assert.equal(p.drbId, 1);
  const corrupted = bytes.slice();
  corrupted[13] = 0x01;
  assert.equal(refusal(corrupted), "bad-value");
});

test("RFC 2784 §2.3: bits 6-12 are ignored on receipt (and sent as zero)", () => {
  const p = decoded(concatBytes(hex("23 f8 0800 00000001"), SDU));
  assert.equal(p.drbId, 1);
  assert.equal(toHex(encodeLwipep(p).subarray(0, 2)), "2000");
});

test("refusals: bits 1/4/5, Ver, no Key, a Key without a DRB identity, truncation", () => {
  const cases: Array<[string, string, string]> = [
    ["three octets", "200008", "truncated"],
    ["K set, Key missing", "20000800000001", "truncated"],
    ["S set, sequence missing", "3000080000000001000000", "truncated"],
    ["C set, Key missing", "a000080012fe0000", "truncated"],
    ["bit 1 (formerly Routing)", "6000080000000001", "reserved-not-zero"],
    ["bit 4 (strict source route)", "2800080000000001", "reserved-not-zero"],
    ["bit 5 (Recur)", "2400080000000001", "reserved-not-zero"],
    ["Ver 1 (PPTP's enhanced GRE)", "2001080000000001", "unsupported-version"],
    ["K = 0", "0000080000000001", "bad-value"],
    ["Key 0", "2000080000000000", "bad-value"],
    ["Key 33", "2000080000000021", "bad-value"],
    ["DRB identity with upper Key bits set", "2000080000000105", "bad-value"],
  ];
  for (const [what, bytes, code] of cases) {
    assert.equal(refusal(hex(bytes)), code, what);
    assert.ok(inspectLwipep(hex(bytes), 0, hex(bytes).length) < 0, what);
  }
});

test("inspectLwipep works on a slice in place (offsets into a larger packet)", () => {
  const lwipep = encodeLwipep({ drbId: 3, protocolType: 0x0800, payload: SDU, sequence: 7 });
  const packet = concatBytes(new Uint8Array(20), lwipep, new Uint8Array(5));
  assert.equal(inspectLwipep(packet, 20, 20 + lwipep.length), 12);
  assert.ok(inspectLwipep(packet, 20, 27) < 0);
});

test("the DRB identity <-> Key mapping: 1..32 both ways, nothing else", () => {
  for (let d = 1; d <= 32; d++) {
    assert.equal(greKeyForDrb(d), d);
    assert.equal(drbForGreKey(greKeyForDrb(d)), d);
  }
  for (const d of [0, 33, 1.5, -1]) assert.throws(() => greKeyForDrb(d), RangeError);
  for (const k of [0, 33, 0x100, 0x101, 0xffffffff]) assert.equal(drbForGreKey(k), undefined);
});

test("Protocol Type for an SDU follows its IP version", () => {
  assert.equal(protocolTypeForSdu(hex("45")), EtherType.IPV4);
  assert.equal(protocolTypeForSdu(hex("60")), EtherType.IPV6);
  assert.equal(protocolTypeForSdu(hex("00")), undefined);
  assert.equal(protocolTypeForSdu(new Uint8Array()), undefined);
});

test("encoder refuses values that do not fit", () => {
  assert.throws(() => encodeLwipep({ drbId: 0, protocolType: 0x800, payload: SDU }), RangeError);
  assert.throws(() => encodeLwipep({ drbId: 1, protocolType: 0x10000, payload: SDU }), RangeError);
  assert.throws(() => encodeLwipep({ drbId: 1, protocolType: 0x800, payload: SDU, sequence: 2 ** 32 }), RangeError);
});

test("property: any bytes give a packet or a CodecError, and inspectLwipep agrees", () => {
  const greLike = fc
    .tuple(fc.constantFrom(0x20, 0x30, 0xa0, 0xb0, 0x00, 0x60), fc.nat({ max: 255 }), fc.uint8Array({ maxLength: 24 }))
    .map(([b0, b1, rest]) => concatBytes(new Uint8Array([b0, b1, 0x08, 0x00, 0, 0, 0, rest.length % 34]), rest));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), greLike), (bytes) => {
      const r = decodeLwipep(bytes);
      assert.equal(r.ok, inspectLwipep(bytes, 0, bytes.length) >= 0);
    }),
    { numRuns: 5000 },
  );
});

const fields = fc.record(
  {
    drbId: fc.integer({ min: 1, max: 32 }),
    protocolType: fc.nat({ max: 0xffff }),
    payload: fc.uint8Array({ maxLength: 64 }),
    sequence: fc.nat({ max: 0xffffffff }),
    checksum: fc.constant(true as const),
  },
  { requiredKeys: ["drbId", "protocolType", "payload"] },
);

test("property: decode(encode(f)) = f, and re-encoding gives the same bytes", () => {
  fc.assert(
    fc.property(fields, (f) => {
      const bytes = encodeLwipep(f);
      const p = decoded(bytes);
      assert.deepEqual({ ...p, payload: toHex(p.payload) }, { ...f, payload: toHex(f.payload) });
      assert.equal(toHex(encodeLwipep(p)), toHex(bytes));
    }),
    { numRuns: 2000 },
  );
});

test("property: a received packet with zero reserved bits re-encodes to itself", () => {
  fc.assert(
    fc.property(fc.constantFrom(0x20, 0x30), fc.nat({ max: 0xffff }), fc.integer({ min: 1, max: 32 }), fc.uint8Array({ minLength: 4, maxLength: 40 }), (b0, type, drb, rest) => {
      const bytes = concatBytes(new Uint8Array([b0, 0, type >> 8, type & 0xff, 0, 0, 0, drb]), rest);
      const r = decodeLwipep(bytes);
      assert.ok(r.ok);
      assert.equal(toHex(encodeLwipep(r.value)), toHex(bytes));
    }),
    { numRuns: 2000 },
  );
});
