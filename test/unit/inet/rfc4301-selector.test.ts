// The traffic-selector check on decrypted packets (RFC 4301 §4.4.1.1, §5.2; IKEv2 selector
// encoding of RFC 7296 §3.13.1), on the RFC 3602 pings, the captured ICMPv6 ping and built packets.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, hex } from "../../../src/wire/hex.js";
import type { TrafficSelector } from "../../../src/ike/codec/payloads.js";
import { cidrRange, parseCidr } from "../../../src/inet/address.js";
import { encodeIpv4 } from "../../../src/inet/ipv4.js";
import { encodeIpv6 } from "../../../src/inet/ipv6.js";
import { selectorsAllowPacket } from "../../../src/inet/selector.js";
import { loadVectors } from "../../support/vectors.js";
import { ICMPV6_ECHO_REQUEST_FRAME } from "./captured-icmpv6.js";

function ts(cidr: string, ipProtocol = 0, startPort = 0, endPort = 0xffff): TrafficSelector {
  const c = parseCidr(cidr);
  assert.ok(c.ok, cidr);
  const { start, end } = cidrRange(c.value);
  return { tsType: c.value.family === 4 ? 7 : 8, ipProtocol, startPort, endPort, startAddress: start, endAddress: end };
}

interface CbcCase {
  case: number;
  original_ip_header?: string;
  original_data?: string;
}
const case5 = loadVectors<{ cases: CbcCase[] }>("esp-aes-cbc-rfc3602.json").cases.find((c) => c.case === 5);
// 192.168.123.3 -> 192.168.123.100, ICMP echo request (type 8, code 0)
const ping = hex((case5?.original_ip_header ?? "") + (case5?.original_data ?? ""));
const ping6 = hex(ICMPV6_ECHO_REQUEST_FRAME).subarray(14); // fe80::215:5dff:fea5:c4c5 -> fe80::dd05:dae0:74bc:7341

function udp4(src: string, dst: string, sport: number, dport: number, extra: Partial<Parameters<typeof encodeIpv4>[0]> = {}): Uint8Array {
  const s = parseCidr(src + "/32");
  const d = parseCidr(dst + "/32");
  assert.ok(s.ok && d.ok);
  const header = Uint8Array.of(sport >> 8, sport & 255, dport >> 8, dport & 255, 0, 12, 0, 0);
  return encodeIpv4({ src: s.value.address, dst: d.value.address, protocol: 17, ttl: 64, id: 1, payload: concatBytes(header, hex("cafebabe")), ...extra });
}

test("addresses: the source must be in the source set and the destination in the other", () => {
  assert.ok(ping.length > 0);
  assert.equal(selectorsAllowPacket(ping, [ts("192.168.123.0/24")], [ts("192.168.123.100/32")]), true);
  assert.equal(selectorsAllowPacket(ping, [ts("192.168.123.100/32")], [ts("192.168.123.3/32")]), false, "reversed");
  assert.equal(selectorsAllowPacket(ping, [ts("192.168.123.4/30")], [ts("0.0.0.0/0")]), false);
  assert.equal(selectorsAllowPacket(ping, [ts("10.0.0.0/8"), ts("192.168.123.3/32")], [ts("0.0.0.0/0")]), true, "any of a list");
  assert.equal(selectorsAllowPacket(ping, [], [ts("0.0.0.0/0")]), false, "empty list allows nothing");
  assert.equal(selectorsAllowPacket(ping, [ts("::/0")], [ts("::/0")]), false, "IPv6 selectors never match IPv4");
});

test("protocol and ports: UDP to the GTP-U port only", () => {
  const ue = [ts("10.45.0.7/32")];
  const enb = [ts("192.0.2.10/32", 17, 2152, 2152)];
  assert.equal(selectorsAllowPacket(udp4("10.45.0.7", "192.0.2.10", 40000, 2152), ue, enb), true);
  assert.equal(selectorsAllowPacket(udp4("10.45.0.7", "192.0.2.10", 40000, 2153), ue, enb), false);
  const tcp = udp4("10.45.0.7", "192.0.2.10", 40000, 2152, { protocol: 6 });
  assert.equal(selectorsAllowPacket(tcp, ue, enb), false, "TCP is not UDP");
  assert.equal(selectorsAllowPacket(tcp, ue, [ts("192.0.2.10/32")]), true, "protocol 0 is any");
  assert.equal(selectorsAllowPacket(udp4("10.45.0.7", "192.0.2.10", 1000, 2152), [ts("10.45.0.7/32", 17, 1024, 65535)], enb), false, "source port range");
});

test("ICMP: type << 8 | code stands in for the ports (RFC 7296 §3.13.1)", () => {
  const echoRequests = ts("0.0.0.0/0", 1, 0x0800, 0x08ff);
  const echoReplies = ts("0.0.0.0/0", 1, 0x0000, 0x00ff);
  assert.equal(selectorsAllowPacket(ping, [echoRequests], [echoRequests]), true);
  assert.equal(selectorsAllowPacket(ping, [echoReplies], [echoReplies]), false);
  assert.equal(selectorsAllowPacket(ping, [ts("0.0.0.0/0", 1)], [echoRequests]), true, "any ports on one side");
  assert.equal(selectorsAllowPacket(ping6, [ts("fe80::/10", 58, 0x8000, 0x80ff)], [ts("fe80::/10", 58)]), true, "ICMPv6 type 128");
  assert.equal(selectorsAllowPacket(ping6, [ts("fe80::/10", 58, 0x8100, 0x81ff)], [ts("fe80::/10", 58)]), false);
});

test("no port information: non-initial fragments match ANY or OPAQUE ports only", () => {
  const fragment = udp4("10.45.0.7", "192.0.2.10", 40000, 2152, { fragmentOffset: 185 });
  const opaque = ts("192.0.2.10/32", 17, 0xffff, 0);
  assert.equal(selectorsAllowPacket(fragment, [ts("10.45.0.7/32")], [ts("192.0.2.10/32", 17, 2152, 2152)]), false);
  assert.equal(selectorsAllowPacket(fragment, [ts("10.45.0.7/32")], [opaque]), true);
  assert.equal(selectorsAllowPacket(fragment, [ts("10.45.0.7/32")], [ts("192.0.2.10/32", 17)]), true);
  const first = udp4("10.45.0.7", "192.0.2.10", 40000, 2152);
  assert.equal(selectorsAllowPacket(first, [ts("10.45.0.7/32")], [opaque]), false, "OPAQUE excludes packets with ports");
});

test("IPv6: addresses, and ports found behind extension headers", () => {
  assert.equal(selectorsAllowPacket(ping6, [ts("fe80::215:5dff:fea5:c4c5/128")], [ts("fe80::/64")]), true);
  assert.equal(selectorsAllowPacket(ping6, [ts("fe80::/64")], [ts("2001:db8::/32")]), false);
  assert.equal(selectorsAllowPacket(ping6, [ts("0.0.0.0/0")], [ts("0.0.0.0/0")]), false);
  const src = hex("20010db8000000000000000000000001");
  const dst = hex("20010db8000000000000000000000002");
  const udp = hex("9c400868000c0000cafebabe"); // 40000 -> 2152
  const hopByHop = hex("1100000000000000"); // Next Header 17, length 0 (8 octets), PadN
  const fragment = (offset: number): Uint8Array => Uint8Array.of(17, 0, offset >> 5, (offset << 3) & 0xff, 0, 0, 0, 1);
  const gtp = [ts("2001:db8::2/128", 17, 2152, 2152)];
  const any = [ts("2001:db8::/32")];
  const withHbh = encodeIpv6({ src, dst, nextHeader: 0, hopLimit: 64, payload: concatBytes(hopByHop, udp) });
  assert.equal(selectorsAllowPacket(withHbh, any, gtp), true);
  const firstFragment = encodeIpv6({ src, dst, nextHeader: 44, hopLimit: 64, payload: concatBytes(fragment(0), udp) });
  assert.equal(selectorsAllowPacket(firstFragment, any, gtp), true);
  const laterFragment = encodeIpv6({ src, dst, nextHeader: 44, hopLimit: 64, payload: concatBytes(fragment(100), udp) });
  assert.equal(selectorsAllowPacket(laterFragment, any, gtp), false);
  assert.equal(selectorsAllowPacket(laterFragment, any, [ts("2001:db8::2/128", 17)]), true);
  const cutShort = encodeIpv6({ src, dst, nextHeader: 0, hopLimit: 64, payload: hex("11ff") });
  assert.equal(selectorsAllowPacket(cutShort, any, any), false, "extension header runs past the packet");
});

test("malformed packets match nothing, and random bytes never throw", () => {
  const all = [ts("0.0.0.0/0"), ts("::/0")];
  assert.equal(selectorsAllowPacket(new Uint8Array(0), all, all), false);
  assert.equal(selectorsAllowPacket(ping.subarray(0, 19), all, all), false);
  assert.equal(selectorsAllowPacket(Uint8Array.of(0x4f, ...ping.subarray(1, 40)), all, all), false, "IHL past the end");
  assert.equal(selectorsAllowPacket(ping6.subarray(0, 39), all, all), false);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.constantFrom(0x45, 0x46, 0x60, 0x00), (bytes, first) => {
      if (bytes.length > 0) bytes[0] = first;
      assert.equal(typeof selectorsAllowPacket(bytes, all, all), "boolean");
    }),
    { numRuns: 3000 },
  );
});
