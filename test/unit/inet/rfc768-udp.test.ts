import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeUdpPacket, encodeUdpPacket } from "../../../src/inet/udp.js";

/** RFC 768 checksum composed independently: pseudo-header + header + data as 16-bit words, folded, complemented. */
function referenceChecksum(src: number[], dst: number[], srcPort: number, dstPort: number, data: number[]): number {
  const length = 8 + data.length;
  const bytes = [...src, ...dst, 0, 17, length >> 8, length & 0xff, srcPort >> 8, srcPort & 0xff, dstPort >> 8, dstPort & 0xff, length >> 8, length & 0xff, 0, 0, ...data];
  if (bytes.length % 2) bytes.push(0);
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) + (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  return c === 0 ? 0xffff : c;
}

test("RFC 768: a GTP-U datagram between NDS/IP peers carries the checksum over the IPv4 pseudo-header", () => {
  const src = [198, 18, 0, 1];
  const dst = [198, 18, 1, 2];
  const data = [0x30, 0xff, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0xaa, 0xbb, 0xcc];
  const packet = encodeUdpPacket({ src: new Uint8Array(src), dst: new Uint8Array(dst), srcPort: 2152, dstPort: 2152, payload: new Uint8Array(data) });
  assert.equal(packet[9], 17, "IPv4 protocol UDP");
  const udp = packet.subarray(20);
  assert.equal((udp[0] ?? 0) << 8 | (udp[1] ?? 0), 2152);
  assert.equal((udp[4] ?? 0) << 8 | (udp[5] ?? 0), 8 + data.length);
  assert.equal((udp[6] ?? 0) << 8 | (udp[7] ?? 0), referenceChecksum(src, dst, 2152, 2152, data));
  const back = decodeUdpPacket(packet);
  assert.ok(back.ok);
  assert.deepEqual([...back.value.payload], data);
  assert.equal(back.value.dstPort, 2152);
});

test("RFC 768: a corrupted datagram fails its checksum; a zero checksum over IPv4 means none", () => {
  const packet = encodeUdpPacket({ src: new Uint8Array([198, 18, 0, 1]), dst: new Uint8Array([198, 18, 1, 2]), srcPort: 1, dstPort: 2, payload: new Uint8Array([1, 2, 3]) });
  const bad = packet.slice();
  bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
  assert.equal(decodeUdpPacket(bad).ok, false);
  const unchecked = packet.slice();
  unchecked[26] = 0;
  unchecked[27] = 0;
  unchecked[unchecked.length - 1] = 9;
  assert.equal(decodeUdpPacket(unchecked).ok, true);
});

test("RFC 8200 §8.1: UDP over IPv6 round-trips with a mandatory checksum", () => {
  const src = new Uint8Array(16).fill(1);
  const dst = new Uint8Array(16).fill(2);
  const p = encodeUdpPacket({ src, dst, srcPort: 2152, dstPort: 2152, payload: new Uint8Array([9, 8, 7]) });
  const back = decodeUdpPacket(p);
  assert.ok(back.ok);
  assert.deepEqual([...back.value.payload], [9, 8, 7]);
});

test("property: any bytes decode to a datagram or a CodecError, never a throw", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 128 }), (b) => {
    decodeUdpPacket(b);
  }));
});
