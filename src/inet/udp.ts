/**
 * UDP datagrams inside tunnelled IP packets (RFC 768; IPv6: RFC 8200 §8.1): what the NDS/IP (Zb)
 * tunnel between SeGW and eNB carries, GTP-U on port 2152.
 *
 *   0      7 8     15 16    23 24    31
 *  +--------+--------+--------+--------+
 *  |   Source Port   | Destination Port|
 *  +--------+--------+--------+--------+
 *  |     Length      |    Checksum     |
 *  +--------+--------+--------+--------+
 */
import { codecError, type CodecError } from "../wire/codec-error.js";
import { err, ok, type Result } from "../wire/result.js";
import { finishChecksum, ipv6PseudoHeaderSum, sumWords } from "./checksum.js";
import { IpProtocol } from "./constants.js";
import { decodeIpv4, encodeIpv4 } from "./ipv4.js";
import { decodeIpv6, encodeIpv6 } from "./ipv6.js";

export const UDP_HEADER_BYTES = 8;

export interface UdpDatagram {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Views the decoded packet. */
  readonly payload: Uint8Array;
}

/** The checksum over the pseudo-header (same word sum for IPv4 and IPv6 below 64 KiB) and the datagram. */
function udpChecksum(src: Uint8Array, dst: Uint8Array, datagram: Uint8Array): number {
  const sum = finishChecksum(sumWords(datagram, 0, datagram.length, ipv6PseudoHeaderSum(src, dst, datagram.length, IpProtocol.UDP)));
  // RFC 768: a computed zero is sent as all ones (zero means "no checksum" in IPv4).
  return sum === 0 ? 0xffff : sum;
}

/** A whole IPv4 or IPv6 packet carrying one UDP datagram with a valid checksum. @throws RangeError on mismatched address families or an oversized payload. */
export function encodeUdpPacket(d: UdpDatagram, ttl = 64): Uint8Array {
  if (d.src.length !== d.dst.length) throw new RangeError("UDP source and destination of different families");
  const datagram = new Uint8Array(UDP_HEADER_BYTES + d.payload.length);
  if (datagram.length > 0xffff) throw new RangeError("UDP datagram above 65535 octets");
  const view = new DataView(datagram.buffer);
  view.setUint16(0, d.srcPort);
  view.setUint16(2, d.dstPort);
  view.setUint16(4, datagram.length);
  datagram.set(d.payload, UDP_HEADER_BYTES);
  view.setUint16(6, udpChecksum(d.src, d.dst, datagram));
  return d.src.length === 4
    ? encodeIpv4({ src: d.src, dst: d.dst, protocol: IpProtocol.UDP, ttl, id: 0, flags: 0x2, payload: datagram })
    : encodeIpv6({ src: d.src, dst: d.dst, nextHeader: IpProtocol.UDP, hopLimit: ttl, payload: datagram });
}

/** Decodes an IPv4/IPv6 packet that must carry one unfragmented UDP datagram; checks lengths and the checksum. */
export function decodeUdpPacket(packet: Uint8Array): Result<UdpDatagram, CodecError> {
  const version = (packet[0] ?? 0) >> 4;
  const ip = version === 6 ? decodeIpv6(packet) : decodeIpv4(packet);
  if (!ip.ok) return ip;
  const v = ip.value;
  const protocol = "protocol" in v ? v.protocol : v.nextHeader;
  if (protocol !== IpProtocol.UDP) return err(codecError("bad-value", `not UDP (protocol ${protocol})`, 0));
  if ("fragmentOffset" in v && (v.fragmentOffset !== 0 || (v.flags & 0x1) !== 0)) return err(codecError("bad-value", "fragmented UDP", 0));
  const d = v.payload;
  if (d.length < UDP_HEADER_BYTES) return err(codecError("truncated", "UDP header needs 8 octets", 0));
  const length = ((d[4] ?? 0) << 8) | (d[5] ?? 0);
  if (length < UDP_HEADER_BYTES || length > d.length) return err(codecError("length-mismatch", `UDP length ${length} with ${d.length} octets`, 4));
  const datagram = d.subarray(0, length);
  const stored = ((d[6] ?? 0) << 8) | (d[7] ?? 0);
  const zeroAllowed = version === 4 && stored === 0;
  if (!zeroAllowed && finishChecksum(sumWords(datagram, 0, length, ipv6PseudoHeaderSum(v.src, v.dst, length, IpProtocol.UDP))) !== 0) {
    return err(codecError("bad-value", "UDP checksum", 6));
  }
  return ok({ src: v.src, dst: v.dst, srcPort: ((d[0] ?? 0) << 8) | (d[1] ?? 0), dstPort: ((d[2] ?? 0) << 8) | (d[3] ?? 0), payload: datagram.subarray(UDP_HEADER_BYTES) });
}
