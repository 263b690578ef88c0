/** ICMP echo through a tunnel: the initiator's `--ping n` (send, count replies) and the responder's echo. */
import { encodeIpv4 } from "../inet/ipv4.js";
import { decodeIpv4 } from "../inet/ipv4.js";
import { decodeIcmpEcho, encodeIcmpEcho } from "../inet/icmp.js";
import { IcmpType, IpProtocol } from "../inet/constants.js";

const PING_DATA_BYTES = 56;

export function echoRequest(src: Uint8Array, dst: Uint8Array, identifier: number, sequence: number): Uint8Array {
  const data = new Uint8Array(PING_DATA_BYTES).map((_, i) => i & 0xff);
  const payload = encodeIcmpEcho({ type: IcmpType.ECHO_REQUEST, code: 0, identifier, sequence, data });
  return encodeIpv4({ src, dst, protocol: IpProtocol.ICMP, ttl: 64, id: sequence & 0xffff, payload });
}

/** The sequence number of an IPv4 echo reply with our identifier, or undefined. */
export function echoReplySequence(packet: Uint8Array, identifier: number): number | undefined {
  const ip = decodeIpv4(packet);
  if (!ip.ok || ip.value.protocol !== IpProtocol.ICMP) return undefined;
  const echo = decodeIcmpEcho(ip.value.payload);
  if (!echo.ok || echo.value.type !== IcmpType.ECHO_REPLY || echo.value.identifier !== identifier) return undefined;
  return echo.value.sequence;
}
