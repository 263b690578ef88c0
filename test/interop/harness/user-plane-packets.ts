// The user-plane packets the SeGW interop tests send and look for: an LWIPEP packet as the UE sends
// it inside its tunnel, and the G-PDU in a datagram the eNB's GTP-U stand-in captured.
import { decodeGtpu } from "../../../src/gtpu/messages.js";
import { encodeIpv4 } from "../../../src/inet/ipv4.js";
import { EtherType, encodeLwipep } from "../../../src/lwipep/lwipep.js";
import type { TapPacket } from "./packet-tap.js";

/** An LWIPEP packet (TS 36.361 as GRE) carrying a small IPv4 PDCP SDU with `text` in it. */
export function lwipep(drbId: number, text: string): Uint8Array {
  const sdu = encodeIpv4({ src: new Uint8Array([198, 18, 100, 7]), dst: new Uint8Array([198, 18, 101, 9]), protocol: 17, ttl: 64, id: drbId, payload: new TextEncoder().encode(text) });
  return encodeLwipep({ drbId, protocolType: EtherType.IPV4, payload: sdu });
}

/** The G-PDU in a datagram of the GTP-U stand-in, or undefined. */
export function gpdu(p: TapPacket): { teid: number; payload: Uint8Array } | undefined {
  const m = decodeGtpu(p.bytes);
  return m.ok && m.value.kind === "g-pdu" ? { teid: m.value.header.teid, payload: m.value.payload } : undefined;
}
