/**
 * Data-plane codecs and the SeGW user plane (TS 33.401 16.1, 16.2.2): inner IPv4/IPv6/UDP/ICMP
 * packets as a UE sends them through its tunnel (RFC 791, RFC 8200, RFC 768, RFC 792/4443),
 * LWIPEP (TS 36.361, GRE) and GTP-U from an eNB (TS 29.281). Oracles: decode -> encode -> decode
 * is stable, and whatever the user plane forwards is well formed on the other side.
 */
import { isDeepStrictEqual } from "node:util";
import { decodeIpv4, encodeIpv4 } from "../../../src/inet/ipv4.js";
import { decodeIpv6, encodeIpv6 } from "../../../src/inet/ipv6.js";
import { decodeUdpPacket, encodeUdpPacket } from "../../../src/inet/udp.js";
import { decodeIcmpEcho, echoReplyFor, encodeIcmpEcho } from "../../../src/inet/icmp.js";
import { selectorsAllowPacket } from "../../../src/inet/selector.js";
import { decodeGtpu, encodeEchoRequest, encodeEndMarker, encodeErrorIndication, encodeGpdu, encodeGtpu } from "../../../src/gtpu/messages.js";
import { decodeLwipep, encodeLwipep, inspectLwipep, EtherType, GRE_IP_PROTOCOL } from "../../../src/lwipep/lwipep.js";
import { errorIndicationFor, SegwUserPlane, type UeBinding } from "../../../src/segw/user-plane.js";
import { selectorFromCidr, parseCidr } from "../../../src/ike/traffic-selector.js";
import { IpProtocol } from "../../../src/inet/constants.js";
import { hex } from "../../../src/wire/hex.js";
import type { FuzzTarget } from "../campaign/target.js";
import { FuzzViolation, invariant } from "../campaign/target.js";
import { tokens } from "../campaign/mutators.js";

export const UE_INNER = hex("c6124001"); // 198.18.64.1, the first pool address
export const ENB_LWIP = hex("c6120101"); // 198.18.1.1
const UE_INNER_V6 = hex("fd000000000000000000000000000002");
const ENB_LWIP_V6 = hex("20010db80000000000000000000000aa");

/** The UE the user-plane targets forward for (as the daemon binds it after IKE_AUTH). */
export const FUZZ_UE: UeBinding = {
  idi: "4c5749502d55452d30303031",
  virtualIp: UE_INNER,
  enbName: "alpha",
  enbLwipEndpoints: [ENB_LWIP, ENB_LWIP_V6],
  enbGtp: { address: "127.0.0.5", port: 2152, teid: 0x0a0b0c0d },
  segwTeid: 0x00001234,
};
const FUZZ_UE_V6: UeBinding = { ...FUZZ_UE, idi: "aa", virtualIp: UE_INNER_V6, segwTeid: 0x5678 };
const BINDINGS = new Map([FUZZ_UE, FUZZ_UE_V6].map((u) => [u.segwTeid, u]));

function anySelector() {
  const c = parseCidr("0.0.0.0/0");
  if (!c) throw new Error("0.0.0.0/0");
  return [selectorFromCidr(c)];
}
const ANY = anySelector();

/** A fresh user plane with its rate limits far above what one input sends. */
function userPlane(): SegwUserPlane {
  const limit = { packets: { perSecond: 1e9, burst: 1e9 }, bytes: { perSecond: 1e12, burst: 1e12 } };
  return new SegwUserPlane({ uplinkPerUe: limit, uplinkPerEnb: limit, now: () => 0 });
}

/** Runs `encode` on a decoded value; a throw means the decoder accepted something unencodable. */
function encodeAgain<T>(what: string, encode: () => T): T {
  try {
    return encode();
  } catch (e) {
    throw new FuzzViolation(`${what}: a decoded value does not encode again (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The uplink path of an inner packet from FUZZ_UE; a forwarded packet must be a G-PDU carrying valid LWIPEP. */
export function checkUplink(packet: Uint8Array, up: SegwUserPlane = userPlane()): void {
  selectorsAllowPacket(packet, ANY, ANY);
  const out = up.uplink(packet, packet[0] !== undefined && packet[0] >> 4 === 6 ? FUZZ_UE_V6 : FUZZ_UE);
  if (!out.ok) return;
  const g = decodeGtpu(out.gtpu);
  invariant(g.ok && g.value.kind === "g-pdu", "uplink produced a G-PDU that does not decode");
  invariant(g.value.header.teid === FUZZ_UE.enbGtp.teid, "uplink G-PDU on the wrong TEID");
  invariant(decodeLwipep(g.value.payload).ok, "uplink forwarded an LWIPEP packet that does not decode");
}

/** One inner-ip input: an IP packet as it leaves a UE's tunnel. */
export function runInnerIp(packet: Uint8Array): void {
  const v4 = decodeIpv4(packet);
  if (v4.ok) {
    const again = decodeIpv4(encodeAgain("IPv4", () => encodeIpv4(v4.value)));
    invariant(again.ok && isDeepStrictEqual({ ...again.value, payload: [...again.value.payload] }, { ...v4.value, payload: [...v4.value.payload] }), "IPv4 decode -> encode -> decode changed the packet");
    decodeIcmpEcho(v4.value.payload);
  }
  const v6 = decodeIpv6(packet);
  if (v6.ok) {
    const again = decodeIpv6(encodeAgain("IPv6", () => encodeIpv6(v6.value)));
    invariant(again.ok && isDeepStrictEqual([...again.value.payload], [...v6.value.payload]), "IPv6 decode -> encode -> decode changed the payload");
  }
  const udp = decodeUdpPacket(packet);
  if (udp.ok) invariant(decodeUdpPacket(encodeAgain("UDP", () => encodeUdpPacket(udp.value))).ok, "UDP decode -> encode -> decode failed");
  const reply = echoReplyFor(packet);
  if (reply) invariant(decodeIpv4(reply).ok || decodeIpv6(reply).ok, "echo reply is not a valid IP packet");
  checkUplink(packet);
}

/** One lwipep input: a GRE packet (TS 36.361 LWIPEP header and PDCP SDU). */
export function runLwipep(bytes: Uint8Array): void {
  const d = decodeLwipep(bytes);
  invariant((inspectLwipep(bytes, 0, bytes.length) >= 0) === d.ok, "inspectLwipep and decodeLwipep disagree");
  if (!d.ok) return;
  const again = decodeLwipep(encodeAgain("LWIPEP", () => encodeLwipep(d.value)));
  invariant(again.ok && again.value.drbId === d.value.drbId && again.value.protocolType === d.value.protocolType && again.value.sequence === d.value.sequence, "LWIPEP decode -> encode -> decode changed the header");
}

/** One gtpu input: a GTP-U datagram an eNB sends to the SeGW (port 2152). */
export function runGtpu(bytes: Uint8Array): void {
  const d = decodeGtpu(bytes);
  if (d.ok) {
    const again = decodeGtpu(encodeAgain("GTP-U", () => encodeGtpu(d.value)));
    invariant(again.ok && again.value.kind === d.value.kind, "GTP-U decode -> encode -> decode changed the message kind");
  }
  errorIndicationFor(bytes, hex("7f000001"), 2152);
  const r = userPlane().downlink(bytes, (teid) => BINDINGS.get(teid), FUZZ_UE.enbGtp.address);
  if (!r.ok || r.kind !== "deliver") return;
  const inner = r.innerPacket;
  const ip = inner[0] !== undefined && inner[0] >> 4 === 6 ? decodeIpv6(inner) : decodeIpv4(inner);
  invariant(ip.ok, "downlink built an inner packet that does not decode");
  invariant(isDeepStrictEqual([...ip.value.dst], [...r.ue.virtualIp]), "downlink inner packet not addressed to the UE");
  invariant(decodeLwipep(ip.value.payload).ok, "downlink delivered an LWIPEP packet that does not decode");
}

/** An LWIPEP packet carrying an ICMP echo, DRB `drb`. */
export function lwipepSample(drb: number, sequence?: number): Uint8Array {
  const ping = encodeIpv4({ src: UE_INNER, dst: hex("08080808"), protocol: IpProtocol.ICMP, ttl: 64, id: 1, payload: encodeIcmpEcho({ type: 8, code: 0, identifier: 7, sequence: 1, data: new Uint8Array(16).fill(0x61) }) });
  return encodeLwipep({ drbId: drb, protocolType: EtherType.IPV4, payload: ping, ...(sequence === undefined ? {} : { sequence }) });
}

/** The inner packet a UE sends to its eNB's LWIP endpoint: IPv4, protocol 47 (GRE), LWIPEP. */
export function uplinkSample(lwipep: Uint8Array = lwipepSample(1)): Uint8Array {
  return encodeIpv4({ src: UE_INNER, dst: ENB_LWIP, protocol: GRE_IP_PROTOCOL, ttl: 64, id: 0, flags: 0x2, payload: lwipep });
}

function innerSeeds(): Uint8Array[] {
  const ping = encodeIpv4({ src: UE_INNER, dst: ENB_LWIP, protocol: IpProtocol.ICMP, ttl: 64, id: 9, payload: encodeIcmpEcho({ type: 8, code: 0, identifier: 1, sequence: 2, data: new Uint8Array(8) }) });
  return [
    uplinkSample(),
    uplinkSample(lwipepSample(32, 77)),
    encodeIpv6({ src: UE_INNER_V6, dst: ENB_LWIP_V6, nextHeader: GRE_IP_PROTOCOL, hopLimit: 64, payload: lwipepSample(5) }),
    encodeUdpPacket({ src: UE_INNER, dst: ENB_LWIP, srcPort: 2152, dstPort: 2152, payload: encodeEchoRequest(1) }),
    ping,
  ];
}

const IP_DICTIONARY = [...tokens([0x45, 0x46, 0x4f, 0x60, 47, 17, 1, 58, 44, 0x40, 0x20], 1), ...tokens([0x0800, 0x86dd, 0x2000, 0x3000, 0xb000, 0x4000, 0x2000], 2), UE_INNER, ENB_LWIP, ENB_LWIP_V6, UE_INNER_V6];

export const innerIpTarget: FuzzTarget = {
  name: "inner-ip",
  inputFormat: "an inner IPv4 or IPv6 packet as decrypted from a UE's ESP SA",
  async seeds() {
    return innerSeeds();
  },
  run: runInnerIp,
  maxLength: 2048,
  dictionary: IP_DICTIONARY,
  mutators: [],
};

export const lwipepTarget: FuzzTarget = {
  name: "lwipep",
  inputFormat: "an LWIPEP packet (GRE header, PDCP SDU)",
  async seeds() {
    return [lwipepSample(1), lwipepSample(32, 5), encodeLwipep({ drbId: 3, protocolType: EtherType.IPV6, payload: new Uint8Array(4), checksum: true })];
  },
  run: runLwipep,
  maxLength: 1024,
  dictionary: [...tokens([0x20, 0x30, 0xb0, 0x80, 0x10], 1), ...tokens([0x0800, 0x86dd], 2), ...tokens([1, 32, 33, 0], 4)],
  mutators: [],
};

export const gtpuTarget: FuzzTarget = {
  name: "gtpu",
  inputFormat: "a GTP-U datagram (UDP payload on port 2152) from the eNB at 127.0.0.5",
  async seeds() {
    return [
      encodeGpdu(FUZZ_UE.segwTeid, lwipepSample(1)),
      encodeGpdu(0x5678, lwipepSample(2, 9)),
      encodeEchoRequest(7),
      encodeEndMarker(FUZZ_UE.segwTeid),
      encodeErrorIndication({ teidDataI: 5, peerAddress: hex("7f000005"), udpPort: 2152 }),
    ];
  },
  run: runGtpu,
  maxLength: 2048,
  dictionary: [...tokens([0x30, 0x32, 0x34, 0x36, 0xff, 0x01, 0x02, 0x1a, 0xfe, 0x85, 0x0e, 0x10, 0x84, 0xc0], 1), ...tokens([0x1234, 0x5678], 4)],
  mutators: [],
};
