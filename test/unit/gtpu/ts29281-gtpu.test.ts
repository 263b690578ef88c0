// GTP-U codec (TS 29.281): expected bytes are composed here field by field from the header
// layout of §5.1, the extension header layout of §5.2.1 and the IEs of §8; two messages are also
// checked against the byte arrays in the unit tests of an independent implementation, gtp-rs.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, hex, toHex } from "../../../src/wire/hex.js";
import { GTPU_UDP_PORT } from "../../../src/gtpu/constants.js";
import { newGtpuHeaderScan, scanGtpuHeader } from "../../../src/gtpu/header.js";
import {
  decodeGtpu,
  encodeEchoRequest,
  encodeEchoResponse,
  encodeEndMarker,
  encodeErrorIndication,
  encodeGpdu,
  encodeGtpu,
  type GtpuMessage,
} from "../../../src/gtpu/messages.js";

const TEID = hex("1a2b3c4d");
const T_PDU = hex("4500001c 0000 4000 4001 0000 0a000001 0a000002"); // any octets: the codec does not look inside

function decoded(bytes: Uint8Array): GtpuMessage {
  const r = decodeGtpu(bytes);
  assert.ok(r.ok, `decode failed: ${JSON.stringify(!r.ok && r.error)}`);
  return r.value;
}

function refusal(bytes: Uint8Array): string | undefined {
  const r = decodeGtpu(bytes);
  return r.ok ? undefined : r.error.code;
}

test("the registered GTP-U port is 2152", () => {
  assert.equal(GTPU_UDP_PORT, 2152);
});

test("§5.1 G-PDU with the plain 8-octet header: decode, and encodeGpdu gives the same bytes", () => {
  const bytes = concatBytes(
    hex("30"), // Version 001 | PT 1 | spare 0 | E 0 | S 0 | PN 0
    hex("ff"), // Message Type 255: G-PDU
    hex("0014"), // Length: the 20 octets after the mandatory 8
    TEID, // Tunnel Endpoint Identifier
    T_PDU,
  );
  const m = decoded(bytes);
  assert.equal(m.kind, "g-pdu");
  assert.ok(m.kind === "g-pdu");
  assert.equal(m.header.teid, 0x1a2b3c4d);
  assert.equal(m.header.sequence, undefined);
  assert.equal(m.header.nPduNumber, undefined);
  assert.deepEqual(m.header.extensionHeaders, []);
  assert.equal(toHex(m.payload), toHex(T_PDU));
  assert.equal(toHex(encodeGpdu(0x1a2b3c4d, T_PDU)), toHex(bytes));
  assert.equal(toHex(encodeGtpu(m)), toHex(bytes));
});

test("§5.1/§5.2.1 G-PDU with S, PN and a chain of two extension headers", () => {
  const bytes = concatBytes(
    hex("37"), // Version 1 | PT 1 | spare 0 | E 1 | S 1 | PN 1
    hex("ff"),
    hex("0024"), // 4 optional + 4 + 8 extension header octets + 20 T-PDU = 36
    TEID,
    hex("1234"), // Sequence Number
    hex("56"), // N-PDU Number
    hex("40"), // Next Extension Header Type: UDP Port
    hex("01 0868 20"), // Length 1 (x4 octets) | UDP port 2152 | next: type 0x20
    hex("02 2a00 0000 0000 00"), // Length 2 (x4 octets) | 6 octets of content | next: 0 (no more)
    T_PDU,
  );
  const m = decoded(bytes);
  assert.ok(m.kind === "g-pdu");
  assert.equal(m.header.sequence, 0x1234);
  assert.equal(m.header.nPduNumber, 0x56);
  assert.deepEqual(
    m.header.extensionHeaders.map((x) => [x.type, toHex(x.content)]),
    [
      [0x40, "0868"],
      [0x20, "2a0000000000"],
    ],
  );
  assert.equal(toHex(m.payload), toHex(T_PDU));
  assert.equal(toHex(encodeGtpu(m)), toHex(bytes));
});

test("§5.1 only S set: the N-PDU and next-type octets are present, zero, and not evaluated", () => {
  const bytes = concatBytes(hex("32 ff 0006"), TEID, hex("0001 00 00"), hex("abcd"));
  const m = decoded(bytes);
  assert.ok(m.kind === "g-pdu");
  assert.equal(m.header.sequence, 1);
  assert.equal(m.header.nPduNumber, undefined);
  assert.deepEqual(m.header.extensionHeaders, []);
  assert.equal(toHex(m.payload), "abcd");
  assert.equal(toHex(encodeGtpu(m)), toHex(bytes));
  // Only E/S/PN say what is evaluated: with S = 0 a non-zero sequence octet is ignored.
  const m2 = decoded(concatBytes(hex("31 ff 0006"), TEID, hex("ffff 07 00"), hex("abcd")));
  assert.ok(m2.kind === "g-pdu");
  assert.equal(m2.header.sequence, undefined);
  assert.equal(m2.header.nPduNumber, 7);
});

test("§5.2.1 extension types with the two high bits 10/11 are flagged as comprehension-required", () => {
  // 0xC0 = PDCP PDU Number (comprehension required); the codec skips it, the scan flags it.
  const bytes = concatBytes(hex("34 ff 0009"), TEID, hex("0000 00 c0"), hex("01 0102 00"), hex("ee"));
  const m = decoded(bytes);
  assert.ok(m.kind === "g-pdu");
  assert.equal(toHex(m.payload), "ee");
  const scan = newGtpuHeaderScan();
  assert.equal(scanGtpuHeader(bytes, scan), undefined);
  assert.equal(scan.comprehensionRequired, true);
  assert.equal(scan.bodyOffset, 16);
  const plain = newGtpuHeaderScan();
  assert.equal(scanGtpuHeader(concatBytes(hex("34 ff 0009"), TEID, hex("0000 00 40"), hex("01 0102 00"), hex("ee")), plain), undefined);
  assert.equal(plain.comprehensionRequired, false);
});

test("§7.2.1/§7.2.2 Echo Request and Echo Response: S = 1, TEID 0, Recovery 0", () => {
  const request = concatBytes(
    hex("32"), // Version 1 | PT 1 | S 1
    hex("01"), // Echo Request
    hex("0004"), // only the optional fields follow
    hex("00000000"), // TEID 0 for path management
    hex("f64b 00 00"), // Sequence Number 63051 | N-PDU 0 | no extension header
  );
  const response = concatBytes(
    hex("32"),
    hex("02"), // Echo Response
    hex("0006"),
    hex("00000000"),
    hex("f64b 00 00"), // the request's sequence number
    hex("0e 00"), // Recovery IE (type 14, TV): restart counter 0
  );
  assert.equal(toHex(encodeEchoRequest(63051)), toHex(request));
  assert.equal(toHex(encodeEchoResponse(63051)), toHex(response));
  // The same response bytes appear in gtp-rs (ErvinsK/gtp-rs src/gtpv1/gtpu/messages/echoresp.rs,
  // test_echo_resp_marshal @ 39b52a7ba5c8a79b77e92deb18ac0e3ad9d6623c).
  assert.equal(toHex(response), "3202000600000000f64b00000e00");
  const req = decoded(request);
  assert.ok(req.kind === "echo-request");
  assert.equal(req.header.sequence, 63051);
  const res = decoded(response);
  assert.ok(res.kind === "echo-response");
  assert.equal(res.recovery, 0);
  assert.equal(res.header.teid, 0);
});

test("§8.6 a Private Extension is kept and re-encoded; unknown TLV IEs are skipped", () => {
  const withPrivate = concatBytes(hex("32 02 000e 00000000 f64b 00 00"), hex("0e 00"), hex("ff 0005 0008 010203"));
  const m = decoded(withPrivate);
  assert.ok(m.kind === "echo-response");
  assert.equal(toHex(m.privateExtension ?? new Uint8Array()), "0008010203");
  assert.equal(toHex(encodeGtpu(m)), toHex(withPrivate));
  const withUnknownTlv = concatBytes(hex("32 02 000b 00000000 0001 00 00"), hex("0e 00"), hex("c8 0002 abcd"));
  const u = decoded(withUnknownTlv);
  assert.ok(u.kind === "echo-response");
  assert.equal(u.privateExtension, undefined);
});

test("§7.3.1 Error Indication: TEID Data I, GTP-U Peer Address and the UDP Port extension header", () => {
  const bytes = concatBytes(
    hex("36"), // Version 1 | PT 1 | E 1 | S 1
    hex("1a"), // Error Indication (26)
    hex("0014"), // 4 optional + 4 extension + 5 + 7 IE octets = 20
    hex("00000000"), // TEID 0
    hex("49ca 00 40"), // Sequence Number | N-PDU | next: UDP Port
    hex("01 1000 00"), // UDP Port extension header: port 4096, no more
    hex("10 0000ffff"), // TEID Data I (type 16, TV): 0x0000ffff
    hex("85 0004 64758235"), // GTP-U Peer Address (type 133, TLV): 100.117.130.53
  );
  const built = encodeErrorIndication({ teidDataI: 0xffff, peerAddress: hex("64758235"), sequence: 0x49ca, udpPort: 4096 });
  assert.equal(toHex(built), toHex(bytes));
  // gtp-rs has the same 28 octets (src/gtpv1/gtpu/messages/errorindication.rs, test_error_indication_marshal).
  assert.equal(toHex(bytes), "361a00140000000049ca00400110000010" + "0000ffff850004" + "64758235");
  const m = decoded(bytes);
  assert.ok(m.kind === "error-indication");
  assert.equal(m.teidDataI, 0xffff);
  assert.equal(toHex(m.peerAddress), "64758235");
  assert.deepEqual(
    m.header.extensionHeaders.map((x) => [x.type, toHex(x.content)]),
    [[0x40, "1000"]],
  );
  const v6 = decoded(encodeErrorIndication({ teidDataI: 7, peerAddress: hex("20010db8000000000000000000000001") }));
  assert.ok(v6.kind === "error-indication");
  assert.equal(v6.peerAddress.length, 16);
});

test("§7.3.2 End Marker: the tunnel's TEID, no body", () => {
  const bytes = concatBytes(hex("30 fe 0000"), TEID);
  assert.equal(toHex(encodeEndMarker(0x1a2b3c4d)), toHex(bytes));
  const m = decoded(bytes);
  assert.ok(m.kind === "end-marker");
  assert.equal(m.header.teid, 0x1a2b3c4d);
});

test("refusals: truncation, version, PT, Length, optional fields, extension headers, IEs, types", () => {
  const cases: Array<[string, string, string]> = [
    ["seven octets", "30ff0000000000", "truncated"],
    ["GTPv2 (version 2)", "48ff000000000001", "unsupported-version"],
    ["GTP' (PT = 0)", "20ff000000000001", "unsupported-version"],
    ["Length past the datagram", "30ff000200000001ee", "truncated"],
    ["Length short of the datagram", "30ff000000000001ee", "length-mismatch"],
    ["S set, no optional fields", "32ff000200000001abcd", "truncated"],
    ["extension header Length 0", "34ff0008000000010000004000000000", "bad-value"],
    ["extension header past the end", "34ff000600000001000000400208", "truncated"],
    ["next type set, nothing follows", "34ff000400000001000000c0", "truncated"],
    ["Echo Response without Recovery", "320200040000000000010000", "bad-value"],
    ["Error Indication without Peer Address", "321a0009000000000001000010000000ff", "bad-value"],
    ["Error Indication without TEID Data I", "321a000b00000000000100008500040a000001", "bad-value"],
    ["Peer Address of 5 octets", "321a0011000000000001000010000000ff8500050a00000100", "bad-value"],
    ["unknown TV IE (type 3)", "320200060000000000010000030e", "bad-value"],
    ["TLV IE past the end", "32020008000000000001000085000a0a", "truncated"],
    ["Supported Extension Headers Notification (31)", "301f000000000000", "bad-value"],
    ["message type 100", "3064000000000000", "bad-value"],
  ];
  for (const [what, bytes, code] of cases) assert.equal(refusal(hex(bytes)), code, what);
});

test("length scaling: 16382 four-octet extension headers (a 65535-octet message) decode in one linear pass", () => {
  const n = 16382;
  const chain = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) chain.set([1, 0, 0, i === n - 1 ? 0 : 0x20], i * 4);
  const bytes = concatBytes(hex("34 ff"), new Uint8Array([((n * 4 + 4) >> 8) & 0xff, (n * 4 + 4) & 0xff]), TEID, hex("0000 00 20"), chain);
  const start = performance.now();
  const m = decoded(bytes);
  assert.ok(performance.now() - start < 1000);
  assert.equal(m.header.extensionHeaders.length, n);
  assert.equal(toHex(encodeGtpu(m)), toHex(bytes));
});

test("property: any bytes decode to a message or a CodecError, never a throw", () => {
  const gtpuLike = fc
    .tuple(fc.integer({ min: 0x30, max: 0x37 }), fc.constantFrom(1, 2, 26, 31, 254, 255, 7), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ maxLength: 60 }))
    .map(([flags, type, teid, rest]) => concatBytes(new Uint8Array([flags, type, rest.length >> 8, rest.length & 0xff]), teid, rest));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), gtpuLike), (bytes) => {
      const r = decodeGtpu(bytes);
      if (!r.ok) assert.equal(typeof r.error.code, "string");
    }),
    { numRuns: 5000 },
  );
});

const extensionHeader = fc.record({
  type: fc.integer({ min: 1, max: 255 }),
  content: fc.integer({ min: 1, max: 4 }).chain((n) => fc.uint8Array({ minLength: 4 * n - 2, maxLength: 4 * n - 2 })),
});
const header = fc
  .record(
    {
      teid: fc.nat({ max: 0xffffffff }),
      sequence: fc.nat({ max: 0xffff }),
      nPduNumber: fc.nat({ max: 0xff }),
      extensionHeaders: fc.array(extensionHeader, { maxLength: 3 }),
    },
    { requiredKeys: ["teid", "extensionHeaders"] },
  );
const privateExtension = fc.option(fc.uint8Array({ minLength: 2, maxLength: 8 }), { nil: undefined });
const message: fc.Arbitrary<GtpuMessage> = fc.oneof(
  fc.record({ kind: fc.constant("g-pdu" as const), header, payload: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant("echo-request" as const), header, privateExtension }, { requiredKeys: ["kind", "header"] }),
  fc.record({ kind: fc.constant("echo-response" as const), header, recovery: fc.nat({ max: 255 }), privateExtension }, { requiredKeys: ["kind", "header", "recovery"] }),
  fc.record(
    {
      kind: fc.constant("error-indication" as const),
      header,
      teidDataI: fc.nat({ max: 0xffffffff }),
      peerAddress: fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })),
      privateExtension,
    },
    { requiredKeys: ["kind", "header", "teidDataI", "peerAddress"] },
  ),
  fc.record({ kind: fc.constant("end-marker" as const), header, privateExtension }, { requiredKeys: ["kind", "header"] }),
) as fc.Arbitrary<GtpuMessage>;

/** Plain arrays for deepEqual, and absent optional values dropped. */
function plain(m: GtpuMessage): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v)));
}

test("property: decode(encode(m)) = m and the bytes re-encode identically", () => {
  fc.assert(
    fc.property(message, (m) => {
      const bytes = encodeGtpu(m);
      const back = decoded(bytes);
      assert.deepEqual(plain(back), plain(m));
      assert.equal(toHex(encodeGtpu(back)), toHex(bytes));
    }),
    { numRuns: 2000 },
  );
});

test("property: encodeGpdu equals the general encoder with a plain header", () => {
  fc.assert(
    fc.property(fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 100 }), (teid, payload) => {
      assert.equal(toHex(encodeGpdu(teid, payload)), toHex(encodeGtpu({ kind: "g-pdu", header: { teid, extensionHeaders: [] }, payload })));
    }),
  );
});
