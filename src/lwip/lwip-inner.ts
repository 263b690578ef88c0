/**
 * What the UE sends and receives inside its IPsec tunnel: one LWIPEP packet (TS 36.361) per PDCP
 * SDU, in an inner IPv4 packet between the UE's virtual address (from the configuration payload)
 * and the eNB's LWIP endpoint (the SeGW's narrowed TSr), IP protocol 47. The SeGW checks exactly
 * these addresses and the protocol before it forwards (TS 33.401 16.2.2), strips the inner header
 * and passes the LWIPEP packet to the eNB in GTP-U, so the eNB never sees a UE IP packet (16.1).
 */
import { decodeIpv4, encodeIpv4 } from "../inet/ipv4.js";
import { decodeLwipep, encodeLwipep, GRE_IP_PROTOCOL, protocolTypeForSdu } from "../lwipep/lwipep.js";
import { bytesEqual } from "../wire/hex.js";

/** TTL of the inner packets (the SeGW uses the same for its downlink). */
export const INNER_TTL = 64;
/** IPv4 flags with DF: an inner packet is never fragmented (the SeGW drops fragments). */
const FLAG_DF = 0b010;

/** An LWIPEP packet for one SDU; undefined for an SDU that is not an IP packet (LWIPEP types its payload by EtherType). */
export function lwipepForSdu(drbId: number, sdu: Uint8Array): Uint8Array | undefined {
  const protocolType = protocolTypeForSdu(sdu);
  return protocolType === undefined ? undefined : encodeLwipep({ drbId, protocolType, payload: sdu });
}

/** The inner IPv4 packet the UE sends for one SDU of `drbId`; undefined if the SDU is not an IP packet. */
export function uplinkInnerPacket(virtualIp: Uint8Array, enbLwipEndpoint: Uint8Array, id: number, drbId: number, sdu: Uint8Array): Uint8Array | undefined {
  const lwipep = lwipepForSdu(drbId, sdu);
  if (!lwipep) return undefined;
  return encodeIpv4({ src: virtualIp, dst: enbLwipEndpoint, protocol: GRE_IP_PROTOCOL, ttl: INNER_TTL, id: id & 0xffff, flags: FLAG_DF, payload: lwipep });
}

/** Why a downlink inner packet was not delivered. */
export type InnerDrop = "malformed-ip" | "not-from-enb" | "not-lwipep" | "bad-lwipep";

/**
 * Reads a downlink inner packet: it must come from the eNB's LWIP endpoint to our virtual address
 * and carry a valid LWIPEP packet. Never throws.
 */
export function readDownlinkInner(packet: Uint8Array, virtualIp: Uint8Array, enbLwipEndpoint: Uint8Array): { drbId: number; sdu: Uint8Array } | InnerDrop {
  const ip = decodeIpv4(packet);
  if (!ip.ok) return "malformed-ip";
  if (!bytesEqual(ip.value.src, enbLwipEndpoint) || !bytesEqual(ip.value.dst, virtualIp)) return "not-from-enb";
  if (ip.value.protocol !== GRE_IP_PROTOCOL || ip.value.fragmentOffset !== 0 || (ip.value.flags & 0b001) !== 0) return "not-lwipep";
  const lwipep = decodeLwipep(ip.value.payload);
  if (!lwipep.ok) return "bad-lwipep";
  return { drbId: lwipep.value.drbId, sdu: lwipep.value.payload };
}
