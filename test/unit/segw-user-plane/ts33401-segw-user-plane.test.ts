// The LWIP-SeGW user plane (TS 33.401 clause 16.1, 16.2.2, 16.2.3): uplink policy and GTP-U
// (TS 29.281) forwarding of LWIPEP packets (TS 36.361) to the eNB, downlink back into the UE's
// tunnel. Expected G-PDUs and LWIPEP packets are composed here field by field.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, hex, toHex } from "../../../src/wire/hex.js";
import { decodeIpv4, encodeIpv4 } from "../../../src/inet/ipv4.js";
import { decodeIpv6, encodeIpv6 } from "../../../src/inet/ipv6.js";
import { decodeGtpu } from "../../../src/gtpu/messages.js";
import { errorIndicationFor, SegwUserPlane, type DownlinkResult, type UeBinding, type UplinkResult } from "../../../src/segw/user-plane.js";

const UE_IP = hex("0a400002"); // 10.64.0.2
const ENB_LWIP = hex("c000020a"); // 192.0.2.10
const OTHER_ENB_LWIP = hex("c0000214"); // 192.0.2.20, another eNB's endpoint
const ENB_LWIP_V6 = hex("20010db80000000000000000000000aa");
const UE_IP_V6 = hex("fd000000000000000000000000000002");

const ue: UeBinding = {
  idi: "0102030405060708",
  virtualIp: UE_IP,
  enbName: "enb-a",
  enbLwipEndpoints: [ENB_LWIP],
  enbGtp: { address: "198.51.100.1", port: 2152, teid: 0x0a0b0c0d },
  segwTeid: 0x00001234,
};
const ueV6: UeBinding = { ...ue, idi: "aa", virtualIp: UE_IP_V6, enbLwipEndpoints: [ENB_LWIP, ENB_LWIP_V6], segwTeid: 0x5678 };
const others: UeBinding = { ...ue, idi: "bb", virtualIp: hex("0a400003"), enbName: "enb-b", enbLwipEndpoints: [OTHER_ENB_LWIP], enbGtp: { address: "198.51.100.2", port: 2152, teid: 9 }, segwTeid: 0x9999 };
const bindings = new Map([ue, ueV6, others].map((u) => [u.segwTeid, u]));
const lookup = (teid: number): UeBinding | undefined => bindings.get(teid);

/** An LWIPEP packet: K = 1 (flags 0x2000), Protocol Type IPv4, Key = DRB 3, then a PDCP SDU. */
const LWIPEP = concatBytes(hex("2000 0800"), hex("00000003"), hex("4500001c000040004001f8e7c0a80001c0a80002 0800f7ff00000000"));

function innerV4(fields: Partial<Parameters<typeof encodeIpv4>[0]> = {}): Uint8Array {
  return encodeIpv4({ src: UE_IP, dst: ENB_LWIP, protocol: 47, ttl: 64, id: 1, payload: LWIPEP, ...fields });
}

function gpdu(teid: string, payload: Uint8Array): Uint8Array {
  const length = new Uint8Array([payload.length >> 8, payload.length & 0xff]);
  return concatBytes(hex("30 ff"), length, hex(teid), payload); // §5.1: V1 PT1 no flags | G-PDU | Length | TEID
}

function dropOf(r: UplinkResult | DownlinkResult): string | undefined {
  return r.ok ? undefined : r.drop;
}

test("uplink: the inner IP header is stripped and exactly the LWIPEP bytes go out in a G-PDU with the eNB's TEID", () => {
  const up = new SegwUserPlane();
  const r = up.uplink(innerV4(), ue);
  assert.ok(r.ok);
  assert.equal(toHex(r.gtpu), toHex(gpdu("0a0b0c0d", LWIPEP)));
  assert.deepEqual({ address: r.to.address, port: r.to.port }, { address: "198.51.100.1", port: 2152 });
  assert.equal(up.counters.uplinkPackets, 1);
  assert.equal(up.counters.uplinkBytes, LWIPEP.length);
});

test("uplink: bytes after the IPv4 Total Length (ESP TFC padding) are not forwarded", () => {
  const r = new SegwUserPlane().uplink(concatBytes(innerV4(), new Uint8Array(7)), ue);
  assert.ok(r.ok);
  assert.equal(toHex(r.gtpu), toHex(gpdu("0a0b0c0d", LWIPEP)));
});

test("uplink over IPv6: GRE right after the fixed header", () => {
  const packet = encodeIpv6({ src: UE_IP_V6, dst: ENB_LWIP_V6, nextHeader: 47, hopLimit: 64, payload: LWIPEP });
  const r = new SegwUserPlane().uplink(packet, ueV6);
  assert.ok(r.ok);
  assert.equal(toHex(r.gtpu), toHex(gpdu("0a0b0c0d", LWIPEP)));
});

test("uplink drops, one per reason, each counted (16.2.2: only the UE's address, only its eNB's LWIP endpoint, only LWIPEP)", () => {
  const up = new SegwUserPlane();
  const badChecksum = innerV4();
  badChecksum[10] = (badChecksum[10] ?? 0) ^ 0xff;
  const cases: Array<[string, Uint8Array, UeBinding]> = [
    ["spoofed-source", innerV4({ src: hex("0a400003") }), ue],
    ["spoofed-source", innerV4(), ueV6],
    ["forbidden-destination", innerV4({ dst: OTHER_ENB_LWIP }), ue],
    ["forbidden-destination", innerV4({ dst: hex("08080808") }), ue],
    ["forbidden-protocol", innerV4({ protocol: 17 }), ue],
    ["forbidden-protocol", innerV4({ protocol: 1 }), ue],
    ["fragment", innerV4({ flags: 1 }), ue],
    ["fragment", innerV4({ fragmentOffset: 100 }), ue],
    ["bad-lwipep", innerV4({ payload: concatBytes(hex("0000 0800"), LWIPEP.subarray(4)) }), ue],
    ["bad-lwipep", innerV4({ payload: hex("2000 0800 000000") }), ue],
    ["bad-lwipep", innerV4({ payload: concatBytes(hex("2000 0800 00000040"), LWIPEP.subarray(8)) }), ue],
    ["malformed-ip", badChecksum, ue],
    ["malformed-ip", innerV4().subarray(0, 30), ue],
    ["malformed-ip", innerV4().subarray(0, 12), ue],
    ["malformed-ip", hex("50000000"), ue],
    ["malformed-ip", new Uint8Array(), ue],
    ["fragment", encodeIpv6({ src: UE_IP_V6, dst: ENB_LWIP_V6, nextHeader: 44, hopLimit: 64, payload: LWIPEP }), ueV6],
    ["forbidden-protocol", encodeIpv6({ src: UE_IP_V6, dst: ENB_LWIP_V6, nextHeader: 60, hopLimit: 64, payload: LWIPEP }), ueV6],
    ["forbidden-destination", encodeIpv6({ src: UE_IP_V6, dst: UE_IP_V6, nextHeader: 47, hopLimit: 64, payload: LWIPEP }), ueV6],
    ["malformed-ip", encodeIpv6({ src: UE_IP_V6, dst: ENB_LWIP_V6, nextHeader: 47, hopLimit: 64, payload: LWIPEP }).subarray(0, 50), ueV6],
  ];
  const expected: Record<string, number> = {};
  for (const [reason, packet, binding] of cases) {
    assert.equal(dropOf(up.uplink(packet, binding)), reason, `${reason}: ${toHex(packet.subarray(0, 20))}`);
    expected[reason] = (expected[reason] ?? 0) + 1;
  }
  for (const [reason, n] of Object.entries(expected)) assert.equal(up.counters.uplinkDrops[reason as keyof typeof up.counters.uplinkDrops], n, reason);
  assert.equal(up.counters.uplinkPackets, 0);
});

test("downlink: a G-PDU on our TEID becomes eNB endpoint -> UE, protocol 47, TTL 64, with a valid IPv4 checksum", () => {
  const up = new SegwUserPlane();
  const r = up.downlink(gpdu("00001234", LWIPEP), lookup);
  assert.ok(r.ok && r.kind === "deliver");
  assert.equal(r.ue, ue);
  const ip = decodeIpv4(r.innerPacket); // verifies the header checksum
  assert.ok(ip.ok);
  assert.equal(toHex(ip.value.src), toHex(ENB_LWIP));
  assert.equal(toHex(ip.value.dst), toHex(UE_IP));
  assert.equal(ip.value.protocol, 47);
  assert.equal(ip.value.ttl, 64);
  assert.equal(ip.value.fragmentOffset, 0);
  assert.equal(ip.value.flags, 2); // DF: an atomic datagram
  assert.equal(ip.value.totalLength, r.innerPacket.length);
  assert.equal(toHex(ip.value.payload), toHex(LWIPEP));
  assert.equal(up.counters.downlinkPackets, 1);
  assert.equal(up.counters.downlinkBytes, LWIPEP.length);
});

test("downlink to an IPv6 UE: an IPv6 header from the eNB's IPv6 endpoint", () => {
  const r = new SegwUserPlane().downlink(gpdu("00005678", LWIPEP), lookup);
  assert.ok(r.ok && r.kind === "deliver");
  const ip = decodeIpv6(r.innerPacket);
  assert.ok(ip.ok);
  assert.equal(toHex(ip.value.src), toHex(ENB_LWIP_V6));
  assert.equal(toHex(ip.value.dst), toHex(UE_IP_V6));
  assert.equal(ip.value.nextHeader, 47);
  assert.equal(ip.value.hopLimit, 64);
  assert.equal(toHex(ip.value.payload), toHex(LWIPEP));
});

test("round trip: the UE answering the downlink packet gives the same LWIPEP back to the eNB", () => {
  const up = new SegwUserPlane();
  const down = up.downlink(gpdu("00001234", LWIPEP), lookup);
  assert.ok(down.ok && down.kind === "deliver");
  const ip = decodeIpv4(down.innerPacket);
  assert.ok(ip.ok);
  const fromUe = encodeIpv4({ ...ip.value, src: ip.value.dst, dst: ip.value.src });
  const upR = up.uplink(fromUe, down.ue);
  assert.ok(upR.ok);
  const g = decodeGtpu(upR.gtpu);
  assert.ok(g.ok && g.value.kind === "g-pdu");
  assert.equal(g.value.header.teid, ue.enbGtp.teid);
  assert.equal(toHex(g.value.payload), toHex(LWIPEP));
});

test("downlink drops: unknown TEID (with the Error Indication to return), wrong eNB, bad LWIPEP, no endpoint", () => {
  const up = new SegwUserPlane();
  const unknown = gpdu("0badbeef", LWIPEP);
  assert.equal(dropOf(up.downlink(unknown, lookup)), "unknown-teid");
  assert.equal(dropOf(up.downlink(gpdu("00000000", LWIPEP), lookup)), "unknown-teid");
  const ei = errorIndicationFor(unknown, hex("c6336401"), 40000);
  assert.ok(ei);
  const m = decodeGtpu(ei);
  assert.ok(m.ok && m.value.kind === "error-indication");
  assert.equal(m.value.teidDataI, 0x0badbeef);
  assert.equal(toHex(m.value.peerAddress), "c6336401");
  assert.deepEqual(m.value.header.extensionHeaders.map((x) => [x.type, toHex(x.content)]), [[0x40, "9c40"]]);
  assert.equal(errorIndicationFor(gpdu("00000000", LWIPEP), hex("c6336401"), 1), undefined);
  assert.equal(dropOf(up.downlink(gpdu("00001234", LWIPEP), lookup, "198.51.100.2")), "wrong-enb");
  assert.ok(up.downlink(gpdu("00001234", LWIPEP), lookup, "198.51.100.1").ok);
  assert.equal(dropOf(up.downlink(gpdu("00001234", hex("0000 0800 00000003")), lookup)), "bad-lwipep");
  const v6Only: UeBinding = { ...ueV6, enbLwipEndpoints: [ENB_LWIP], segwTeid: 0x77 };
  assert.equal(dropOf(up.downlink(gpdu("00000077", LWIPEP), () => v6Only)), "no-lwip-endpoint");
  assert.equal(up.counters.downlinkDrops["unknown-teid"], 2);
  assert.equal(up.counters.downlinkDrops["wrong-enb"], 1);
  assert.equal(up.counters.downlinkDrops["bad-lwipep"], 1);
  assert.equal(up.counters.downlinkDrops["no-lwip-endpoint"], 1);
});

test("downlink: Echo Request answered with the same sequence number; other signalling handed up", () => {
  const up = new SegwUserPlane();
  const r = up.downlink(hex("32 01 0004 00000000 beef 00 00"), lookup);
  assert.ok(r.ok && r.kind === "reply");
  assert.equal(toHex(r.reply), "32020006" + "00000000" + "beef0000" + "0e00");
  assert.equal(up.counters.echoReplies, 1);
  const ei = up.downlink(hex("32 1a 0010 00000000 0001 00 00 10 0a0b0c0d 85 0004 c6336401"), lookup);
  assert.ok(ei.ok && ei.kind === "signalling" && ei.message.kind === "error-indication");
  assert.equal(ei.message.teidDataI, 0x0a0b0c0d);
  const em = up.downlink(hex("30 fe 0000 00001234"), lookup);
  assert.ok(em.ok && em.kind === "signalling" && em.message.kind === "end-marker");
});

test("downlink drops: malformed GTP-U, unsupported message, extension header needing comprehension", () => {
  const up = new SegwUserPlane();
  assert.equal(dropOf(up.downlink(hex("30ff00"), lookup)), "malformed-gtpu");
  assert.equal(dropOf(up.downlink(hex("32 02 0004 00000000 0001 00 00"), lookup)), "malformed-gtpu");
  assert.equal(dropOf(up.downlink(hex("30 1f 0000 00000000"), lookup)), "unsupported-message");
  const withPdcpNumber = concatBytes(hex("34 ff"), new Uint8Array([0, LWIPEP.length + 8]), hex("00001234 0000 00 c0 01 0102 00"), LWIPEP);
  assert.equal(dropOf(up.downlink(withPdcpNumber, lookup)), "unsupported-extension-header");
  const withUdpPort = concatBytes(hex("34 ff"), new Uint8Array([0, LWIPEP.length + 8]), hex("00001234 0000 00 40 01 0868 00"), LWIPEP);
  const ok = up.downlink(withUdpPort, lookup);
  assert.ok(ok.ok && ok.kind === "deliver");
  assert.equal(toHex(ok.innerPacket.subarray(20)), toHex(LWIPEP));
  assert.equal(up.counters.downlinkDrops["malformed-gtpu"], 2);
  assert.equal(up.counters.downlinkDrops["unsupported-message"], 1);
  assert.equal(up.counters.downlinkDrops["unsupported-extension-header"], 1);
});

test("uplink rate limits per UE and per eNB (16.1): excess dropped and counted, the eNB's budget shared", () => {
  let now = 0;
  const up = new SegwUserPlane({
    now: () => now,
    uplinkPerUe: { packets: { perSecond: 10, burst: 2 } },
    uplinkPerEnb: { packets: { perSecond: 10, burst: 3 } },
  });
  const other = { ...ue, idi: "cc", virtualIp: hex("0a400009") };
  const fromOther = innerV4({ src: other.virtualIp });
  const results = [up.uplink(innerV4(), ue), up.uplink(innerV4(), ue), up.uplink(innerV4(), ue), up.uplink(fromOther, other), up.uplink(fromOther, other)];
  assert.deepEqual(results.map(dropOf), [undefined, undefined, "rate-limited-ue", undefined, "rate-limited-enb"]);
  now += 100; // one token per bucket back
  assert.equal(dropOf(up.uplink(innerV4(), ue)), undefined);
  assert.equal(up.counters.uplinkDrops["rate-limited-ue"], 1);
  assert.equal(up.counters.uplinkDrops["rate-limited-enb"], 1);
  assert.throws(() => new SegwUserPlane({ uplinkPerUe: { packets: { perSecond: 1, burst: 1 } } }), RangeError);
});

test("uplink byte limit counts G-PDU octets (8 + LWIPEP)", () => {
  const gpduOctets = 8 + LWIPEP.length;
  const up = new SegwUserPlane({ now: () => 0, uplinkPerUe: { bytes: { perSecond: 0, burst: 2 * gpduOctets } } });
  assert.deepEqual([up.uplink(innerV4(), ue), up.uplink(innerV4(), ue), up.uplink(innerV4(), ue)].map(dropOf), [undefined, undefined, "rate-limited-ue"]);
});

test("property: uplink and downlink never throw, whatever the bytes", () => {
  const up = new SegwUserPlane();
  const anyLookup = (): UeBinding => ue;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      up.uplink(bytes, ue);
      up.uplink(bytes, ueV6);
      up.downlink(bytes, anyLookup);
      const asGpdu = gpdu("00001234", bytes);
      const r = up.downlink(asGpdu, lookup);
      if (r.ok && r.kind === "deliver") assert.equal(toHex(r.innerPacket.subarray(20)), toHex(bytes));
    }),
    { numRuns: 3000 },
  );
});

test("property: any valid LWIPEP survives downlink then uplink unchanged", () => {
  const up = new SegwUserPlane();
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 32 }), fc.option(fc.nat({ max: 0xffffffff }), { nil: undefined }), fc.uint8Array({ maxLength: 200 }), (drb, seq, sdu) => {
      const header = seq === undefined ? hex("2000 0800") : hex("3000 0800");
      const key = new Uint8Array([0, 0, 0, drb]);
      const s = seq === undefined ? new Uint8Array() : new Uint8Array([seq >>> 24, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff]);
      const lwipep = concatBytes(header, key, s, sdu);
      const down = up.downlink(gpdu("00001234", lwipep), lookup);
      assert.ok(down.ok && down.kind === "deliver");
      const ip = decodeIpv4(down.innerPacket);
      assert.ok(ip.ok);
      const back = up.uplink(encodeIpv4({ ...ip.value, src: ip.value.dst, dst: ip.value.src }), ue);
      assert.ok(back.ok);
      assert.equal(toHex(back.gtpu), toHex(gpdu("0a0b0c0d", lwipep)));
    }),
    { numRuns: 500 },
  );
});
