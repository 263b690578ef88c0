// ICMP echo (RFC 792) and ICMPv6 echo (RFC 4443 §4), and replies to pings, against captured
// packets: the pings printed in RFC 3602 §4 and a PcapPlusPlus ICMPv6 request/reply pair.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { hex, toHex } from "../../../src/wire/hex.js";
import { decodeIcmpEcho, decodeIcmpv6Echo, echoReplyFor, encodeIcmpEcho, encodeIcmpv6Echo } from "../../../src/inet/icmp.js";
import { decodeIpv4, encodeIpv4 } from "../../../src/inet/ipv4.js";
import { decodeIpv6 } from "../../../src/inet/ipv6.js";
import { loadVectors } from "../../support/vectors.js";
import { ICMPV6_ECHO_REPLY_FRAME, ICMPV6_ECHO_REQUEST_FRAME } from "./captured-icmpv6.js";

interface CbcCase {
  case: number;
  original_ip_header?: string;
  original_data?: string;
}

const pings = loadVectors<{ cases: CbcCase[] }>("esp-aes-cbc-rfc3602.json")
  .cases.filter((c) => c.case >= 5)
  .map((c) => hex((c.original_ip_header ?? "") + (c.original_data ?? "")));
const v6Request = hex(ICMPV6_ECHO_REQUEST_FRAME).subarray(14);
const v6Reply = hex(ICMPV6_ECHO_REPLY_FRAME).subarray(14);

/** RFC 1071 written the plainest way, to check our checksums independently. */
function naiveChecksumOk(bytes: Uint8Array, prefix: number[] = []): boolean {
  const all = [...prefix, ...bytes, ...(bytes.length % 2 ? [0] : [])];
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += (all[i] ?? 0) * 256 + (all[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum >>> 16) + (sum & 0xffff);
  return sum === 0xffff;
}

test("RFC 3602 pings are echo requests with valid checksums", () => {
  assert.equal(pings.length, 4);
  const seen = pings.map((p) => {
    const ip = decodeIpv4(p);
    assert.ok(ip.ok);
    const e = decodeIcmpEcho(ip.value.payload);
    assert.ok(e.ok, JSON.stringify(!e.ok && e.error));
    assert.equal(toHex(encodeIcmpEcho(e.value)), toHex(ip.value.payload));
    return [e.value.type, e.value.code, e.value.identifier, e.value.sequence];
  });
  // The pinging host wrote identifier and sequence in little-endian host order: read as the
  // network-order fields they are, sequence 5 shows as 0x0500.
  assert.deepEqual(seen, [
    [8, 0, 0xa70a, 0x0000],
    [8, 0, 0xa80a, 0x0500],
    [8, 0, 0xa90a, 0x0100],
    [8, 0, 0xaa0a, 0x0200],
  ]);
});

test("echoReplyFor an IPv4 ping: addresses swapped, type 0, same data, checksums valid", () => {
  for (const ping of pings) {
    const reply = echoReplyFor(ping);
    assert.ok(reply);
    const req = decodeIpv4(ping);
    const rep = decodeIpv4(reply);
    assert.ok(req.ok && rep.ok);
    assert.equal(toHex(rep.value.src), toHex(req.value.dst));
    assert.equal(toHex(rep.value.dst), toHex(req.value.src));
    assert.equal(rep.value.protocol, 1);
    const icmp = rep.value.payload;
    assert.equal(icmp[0], 0);
    assert.ok(naiveChecksumOk(icmp));
    assert.ok(naiveChecksumOk(reply.subarray(0, 20)));
    assert.equal(toHex(icmp.subarray(4)), toHex(req.value.payload.subarray(4)), "identifier, sequence and data echoed");
  }
});

test("echoReplyFor the captured ICMPv6 request equals the captured reply, byte for byte", () => {
  // The replying host used hop limit 128 and flow label 0; so do we when asked for 128.
  const reply = echoReplyFor(v6Request, 128);
  assert.ok(reply);
  assert.equal(toHex(reply), toHex(v6Reply));
});

test("ICMPv6 echo checksum covers the pseudo-header", () => {
  const ip = decodeIpv6(v6Reply);
  assert.ok(ip.ok);
  const { src, dst, payload } = ip.value;
  const e = decodeIcmpv6Echo(payload, src, dst);
  assert.ok(e.ok);
  assert.deepEqual([e.value.type, e.value.identifier, e.value.sequence], [129, 0x18, 0x14]);
  assert.equal(toHex(encodeIcmpv6Echo(e.value, src, dst)), toHex(payload));
  const pseudo = [...src, ...dst, 0, 0, 0, payload.length, 0, 0, 0, 58];
  assert.ok(naiveChecksumOk(payload, pseudo));
  const r = decodeIcmpv6Echo(payload, dst, src.map((b, i) => (i === 15 ? b ^ 1 : b)));
  assert.ok(!r.ok && r.error.code === "bad-value", "another address pair fails the checksum");
});

test("no reply to non-requests, fragments, multicast or damaged packets", () => {
  const ping = pings[0];
  assert.ok(ping);
  const ip = decodeIpv4(ping);
  assert.ok(ip.ok);
  assert.equal(echoReplyFor(echoReplyFor(ping) ?? new Uint8Array(0)), undefined, "a reply gets no reply");
  assert.equal(echoReplyFor(encodeIpv4({ ...ip.value, flags: 1 })), undefined, "more fragments");
  assert.equal(echoReplyFor(encodeIpv4({ ...ip.value, fragmentOffset: 3 })), undefined);
  assert.equal(echoReplyFor(encodeIpv4({ ...ip.value, dst: hex("e0000001") })), undefined, "multicast");
  const damaged = ping.slice();
  damaged[30] = (damaged[30] ?? 0) ^ 1;
  assert.equal(echoReplyFor(damaged), undefined, "bad ICMP checksum");
  assert.equal(echoReplyFor(v6Reply), undefined);
  assert.equal(echoReplyFor(new Uint8Array(0)), undefined);
});

test("property: decoders and echoReplyFor never throw on any bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.constantFrom(0x45, 0x60, 0x08, 0x80), (bytes, first) => {
      if (bytes.length > 0) bytes[0] = first;
      const a = decodeIcmpEcho(bytes);
      const b = decodeIcmpv6Echo(bytes, v6Request.subarray(8, 24), v6Request.subarray(24, 40));
      for (const r of [a, b]) assert.ok(r.ok || typeof r.error.code === "string");
      const reply = echoReplyFor(bytes);
      assert.ok(reply === undefined || reply instanceof Uint8Array);
    }),
    { numRuns: 3000 },
  );
});
