/**
 * The traffic-selector check on an inner packet (RFC 4301 §4.4.1.1, §5.2; IKEv2 encoding of
 * RFC 7296 §3.13.1). After decrypting, "the receiver MUST check that the packet's selectors match
 * the SA's" (§5.2 step 4 for tunnel mode): a packet outside them is dropped and counted.
 *
 * Runs on every decrypted packet, so it reads the packet in place: no decode, no allocation.
 */
import type { TrafficSelector } from "../ike/codec/payloads.js";
import { TsType } from "../ike/registry.js";
import { inRangeAt } from "./address.js";
import { IpProtocol } from "./constants.js";

/** Marks "no port information" (non-initial fragment, protocol without ports, short header). */
const NO_PORT = -1;
/** Extension headers followed at most; deeper chains are refused. */
const MAX_EXTENSION_HEADERS = 8;

function hasPorts(protocol: number): boolean {
  return (
    protocol === IpProtocol.TCP ||
    protocol === IpProtocol.UDP ||
    protocol === IpProtocol.SCTP ||
    protocol === IpProtocol.UDP_LITE ||
    protocol === IpProtocol.DCCP
  );
}

/**
 * Port fields of a selector against a packet's port (or ICMP type << 8 | code).
 * 0-65535 is ANY; 65535-0 is OPAQUE, which matches only packets without port information
 * (RFC 7296 §3.13.1, RFC 4301 §4.4.1.1).
 */
function portMatches(ts: TrafficSelector, port: number): boolean {
  if (ts.startPort === 0 && ts.endPort === 0xffff) return true;
  if (port === NO_PORT) return ts.startPort === 0xffff && ts.endPort === 0;
  return ts.startPort <= port && port <= ts.endPort;
}

function anyMatches(
  selectors: readonly TrafficSelector[],
  tsType: number,
  packet: Uint8Array,
  addressOffset: number,
  addressBytes: number,
  protocol: number,
  port: number,
): boolean {
  for (const ts of selectors) {
    if (ts.tsType !== tsType || ts.startAddress.length !== addressBytes || ts.endAddress.length !== addressBytes) continue;
    if (ts.ipProtocol !== 0 && ts.ipProtocol !== protocol) continue;
    if (!portMatches(ts, port)) continue;
    if (inRangeAt(packet, addressOffset, ts.startAddress, ts.endAddress)) return true;
  }
  return false;
}

/** Where the upper layer of an IPv6 packet starts; reused so the per-packet path allocates nothing. */
const upperLayer = { protocol: 0, offset: 0 };

/**
 * Skips IPv6 extension headers (RFC 8200 §4) and fills `upperLayer`, with offset -1 for a
 * non-first fragment (no port information). false if the chain is malformed or too long.
 */
function findIpv6UpperLayer(packet: Uint8Array): boolean {
  let nextHeader = packet[6] ?? 0;
  let offset = 40;
  let firstFragment = true;
  for (let i = 0; i < MAX_EXTENSION_HEADERS; i++) {
    if (nextHeader === IpProtocol.HOP_BY_HOP || nextHeader === IpProtocol.IPV6_ROUTING || nextHeader === IpProtocol.IPV6_DEST_OPTS) {
      if (offset + 2 > packet.length) return false;
      nextHeader = packet[offset] ?? 0;
      offset += ((packet[offset + 1] ?? 0) + 1) * 8;
    } else if (nextHeader === IpProtocol.IPV6_FRAGMENT) {
      if (offset + 8 > packet.length) return false;
      nextHeader = packet[offset] ?? 0;
      if ((((packet[offset + 2] ?? 0) << 8) | (packet[offset + 3] ?? 0)) >> 3 !== 0) firstFragment = false;
      offset += 8;
    } else {
      if (offset > packet.length) return false;
      upperLayer.protocol = nextHeader;
      upperLayer.offset = firstFragment ? offset : -1;
      return true;
    }
  }
  return false;
}

/**
 * Does a whole inner IP packet fall within the SA's selectors: its source address (and source
 * port) in one of `srcSelectors`, its destination in one of `dstSelectors`, the protocol
 * matching each? For ICMP and ICMPv6, type << 8 | code stands in for both ports (RFC 7296
 * §3.13.1), so it must lie in the port range of the source and the destination selector.
 *
 * For a packet received from the peer, `srcSelectors` are the peer's (TSi at the responder, TSr
 * at the initiator) and `dstSelectors` ours; for a packet to send, the other way round.
 * Malformed packets match nothing. Never throws, allocates nothing.
 */
export function selectorsAllowPacket(
  packet: Uint8Array,
  srcSelectors: readonly TrafficSelector[],
  dstSelectors: readonly TrafficSelector[],
): boolean {
  const version = (packet[0] ?? 0) >> 4;
  let tsType: number, addressBytes: number, srcOffset: number, protocol: number, l4: number;
  if (version === 4) {
    const headerBytes = ((packet[0] ?? 0) & 0x0f) * 4;
    if (packet.length < 20 || headerBytes < 20 || headerBytes > packet.length) return false;
    tsType = TsType.TS_IPV4_ADDR_RANGE;
    addressBytes = 4;
    srcOffset = 12;
    protocol = packet[9] ?? 0;
    const fragmentOffset = (((packet[6] ?? 0) & 0x1f) << 8) | (packet[7] ?? 0);
    l4 = fragmentOffset === 0 ? headerBytes : -1;
  } else if (version === 6) {
    if (packet.length < 40 || !findIpv6UpperLayer(packet)) return false;
    tsType = TsType.TS_IPV6_ADDR_RANGE;
    addressBytes = 16;
    srcOffset = 8;
    protocol = upperLayer.protocol;
    l4 = upperLayer.offset;
  } else {
    return false;
  }
  let srcPort = NO_PORT;
  let dstPort = NO_PORT;
  if (l4 >= 0 && hasPorts(protocol) && l4 + 4 <= packet.length) {
    srcPort = ((packet[l4] ?? 0) << 8) | (packet[l4 + 1] ?? 0);
    dstPort = ((packet[l4 + 2] ?? 0) << 8) | (packet[l4 + 3] ?? 0);
  } else if (l4 >= 0 && (protocol === IpProtocol.ICMP || protocol === IpProtocol.ICMPV6) && l4 + 2 <= packet.length) {
    srcPort = dstPort = ((packet[l4] ?? 0) << 8) | (packet[l4 + 1] ?? 0);
  }
  return (
    anyMatches(srcSelectors, tsType, packet, srcOffset, addressBytes, protocol, srcPort) &&
    anyMatches(dstSelectors, tsType, packet, srcOffset + addressBytes, addressBytes, protocol, dstPort)
  );
}
