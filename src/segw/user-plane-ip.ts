/**
 * The inner IP layer of the SeGW user plane, read and written in place (no decode objects, no
 * allocation): the policy check on a UE's decrypted packet before its IP header is stripped, and
 * the IP header put in front of a downlink LWIPEP packet.
 */
import { internetChecksum } from "../inet/checksum.js";
import { IpProtocol } from "../inet/constants.js";
import { IPV4_HEADER_BYTES } from "../inet/ipv4.js";
import { IPV6_HEADER_BYTES } from "../inet/ipv6.js";
import { GRE_IP_PROTOCOL } from "../lwipep/lwipep.js";

/** Hop limit / TTL of the inner packets the SeGW builds for the UE (the brief: TTL 64). */
export const INNER_HOP_LIMIT = 64;
/** IPv4 flags field with DF set: the inner packet is atomic (RFC 6864 §4.1 lets its ID be 0). */
const IPV4_DF = 0x40;
const IPV4_MF_AND_OFFSET_MASK = 0x3fff;

/** Where the GRE packet inside an accepted inner packet is: filled by checkUplinkInner. */
export interface GreSpan {
  start: number;
  end: number;
}

/** The outcome of the inner-packet policy check; every value but "ok" is an uplink drop reason. */
export type InnerVerdict = "ok" | "malformed-ip" | "spoofed-source" | "forbidden-destination" | "forbidden-protocol" | "fragment";

function equalAt(bytes: Uint8Array, at: number, address: Uint8Array): boolean {
  for (let i = 0; i < address.length; i++) if (bytes[at + i] !== address[i]) return false;
  return true;
}

function anyEqualAt(bytes: Uint8Array, at: number, length: number, addresses: readonly Uint8Array[]): boolean {
  for (const a of addresses) if (a.length === length && equalAt(bytes, at, a)) return true;
  return false;
}

/** The addressing checks common to both versions (TS 33.401 16.2.2: only the UE's own address, only its eNB). */
function checkAddresses(p: Uint8Array, srcAt: number, length: number, virtualIp: Uint8Array, endpoints: readonly Uint8Array[]): InnerVerdict {
  if (virtualIp.length !== length || !equalAt(p, srcAt, virtualIp)) return "spoofed-source";
  if (!anyEqualAt(p, srcAt + length, length, endpoints)) return "forbidden-destination";
  return "ok";
}

function checkIpv4(p: Uint8Array, virtualIp: Uint8Array, endpoints: readonly Uint8Array[], gre: GreSpan): InnerVerdict {
  const headerBytes = ((p[0] ?? 0) & 0x0f) * 4;
  const totalLength = ((p[2] ?? 0) << 8) | (p[3] ?? 0);
  if (p.length < IPV4_HEADER_BYTES || headerBytes < IPV4_HEADER_BYTES || totalLength < headerBytes || totalLength > p.length) return "malformed-ip";
  if (internetChecksum(p, 0, headerBytes) !== 0) return "malformed-ip";
  const addresses = checkAddresses(p, 12, 4, virtualIp, endpoints);
  if (addresses !== "ok") return addresses;
  if (p[9] !== GRE_IP_PROTOCOL) return "forbidden-protocol";
  if ((((p[6] ?? 0) << 8) | (p[7] ?? 0)) & IPV4_MF_AND_OFFSET_MASK) return "fragment";
  gre.start = headerBytes;
  gre.end = totalLength;
  return "ok";
}

/**
 * IPv6: GRE must follow the fixed header directly. A Fragment header is a fragment; any other
 * extension header is refused as a forbidden protocol, since a UE has no reason to send one
 * to the eNB's LWIP endpoint.
 */
function checkIpv6(p: Uint8Array, virtualIp: Uint8Array, endpoints: readonly Uint8Array[], gre: GreSpan): InnerVerdict {
  const end = IPV6_HEADER_BYTES + (((p[4] ?? 0) << 8) | (p[5] ?? 0));
  if (p.length < IPV6_HEADER_BYTES || end > p.length) return "malformed-ip";
  const addresses = checkAddresses(p, 8, 16, virtualIp, endpoints);
  if (addresses !== "ok") return addresses;
  const nextHeader = p[6] ?? 0;
  if (nextHeader === IpProtocol.IPV6_FRAGMENT) return "fragment";
  if (nextHeader !== GRE_IP_PROTOCOL) return "forbidden-protocol";
  gre.start = IPV6_HEADER_BYTES;
  gre.end = end;
  return "ok";
}

/**
 * The SeGW's check on every packet a UE sends through its tunnel (TS 33.401 16.2.2, 16.1): it
 * must come from the UE's inner address, go to one of the LWIP endpoint addresses of the eNB
 * that provisioned the UE, carry GRE (LWIPEP) and be a whole packet (the SeGW does not
 * reassemble). On "ok", `gre` holds where the GRE packet is. Never throws, allocates nothing.
 */
export function checkUplinkInner(packet: Uint8Array, virtualIp: Uint8Array, endpoints: readonly Uint8Array[], gre: GreSpan): InnerVerdict {
  const version = (packet[0] ?? 0) >> 4;
  if (version === 4) return checkIpv4(packet, virtualIp, endpoints, gre);
  if (version === 6) return checkIpv6(packet, virtualIp, endpoints, gre);
  return "malformed-ip";
}

/** Octets of the inner header for an address of 4 or 16 octets. */
export function innerHeaderLength(address: Uint8Array): number {
  return address.length === 4 ? IPV4_HEADER_BYTES : IPV6_HEADER_BYTES;
}

/**
 * Writes the inner IPv4 (RFC 791) or IPv6 (RFC 8200) header of a GRE packet of `payloadLength`
 * octets from `src` to `dst` (both 4 or both 16 octets) at out[0..innerHeaderLength(src)):
 * TTL / hop limit 64, IPv4 with DF, ID 0 and its header checksum. The caller checks that an
 * IPv4 total length fits in 16 bits; `out` is fresh (zero-filled): fields left at zero are not written.
 */
export function writeInnerHeader(out: Uint8Array, src: Uint8Array, dst: Uint8Array, payloadLength: number): void {
  if (src.length === 4) {
    const totalLength = IPV4_HEADER_BYTES + payloadLength;
    out[0] = 0x45;
    out[2] = totalLength >> 8;
    out[3] = totalLength & 0xff;
    out[6] = IPV4_DF;
    out[8] = INNER_HOP_LIMIT;
    out[9] = GRE_IP_PROTOCOL;
    out.set(src, 12);
    out.set(dst, 16);
    const checksum = internetChecksum(out, 0, IPV4_HEADER_BYTES);
    out[10] = checksum >> 8;
    out[11] = checksum & 0xff;
    return;
  }
  out[0] = 0x60;
  out[4] = payloadLength >> 8;
  out[5] = payloadLength & 0xff;
  out[6] = GRE_IP_PROTOCOL;
  out[7] = INNER_HOP_LIMIT;
  out.set(src, 8);
  out.set(dst, 24);
}
