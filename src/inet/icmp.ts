/**
 * ICMP echo (RFC 792) and ICMPv6 echo (RFC 4443 §4.1-4.2), and the reply a host sends to a ping.
 *
 *   0                   1                   2                   3
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  |           Identifier          |        Sequence Number        |
 *  |     Data ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * ICMP's checksum covers the message; ICMPv6's also covers the IPv6 pseudo-header (RFC 4443 §2.3).
 */
import { codecError, type CodecError } from "../wire/codec-error.js";
import { err, ok, type Result } from "../wire/result.js";
import { internetChecksum, ipv6PseudoHeaderSum } from "./checksum.js";
import { IcmpType, Icmpv6Type, IpProtocol } from "./constants.js";
import { decodeIpv4, encodeIpv4 } from "./ipv4.js";
import { decodeIpv6, encodeIpv6 } from "./ipv6.js";

const ECHO_HEADER_BYTES = 8;
/** Hop limit / TTL of the replies we build (RFC 1700's recommended default TTL). */
const DEFAULT_REPLY_HOP_LIMIT = 64;

export interface IcmpEcho {
  readonly type: number;
  readonly code: number;
  readonly identifier: number;
  readonly sequence: number;
  readonly data: Uint8Array;
}

function writeEcho(m: IcmpEcho, initialSum: number): Uint8Array {
  const out = new Uint8Array(ECHO_HEADER_BYTES + m.data.length);
  out[0] = m.type;
  out[1] = m.code;
  out[4] = (m.identifier >> 8) & 0xff;
  out[5] = m.identifier & 0xff;
  out[6] = (m.sequence >> 8) & 0xff;
  out[7] = m.sequence & 0xff;
  out.set(m.data, ECHO_HEADER_BYTES);
  const checksum = internetChecksum(out, 0, out.length, initialSum);
  out[2] = checksum >> 8;
  out[3] = checksum & 0xff;
  return out;
}

function readEcho(bytes: Uint8Array, types: readonly number[], initialSum: number): Result<IcmpEcho, CodecError> {
  if (bytes.length < ECHO_HEADER_BYTES) return err(codecError("truncated", `echo needs 8 octets, have ${bytes.length}`, 0));
  const type = bytes[0] ?? 0;
  if (!types.includes(type)) return err(codecError("bad-value", `ICMP type ${type} is not an echo`, 0));
  if (internetChecksum(bytes, 0, bytes.length, initialSum) !== 0) return err(codecError("bad-value", "ICMP checksum", 2));
  return ok({
    type,
    code: bytes[1] ?? 0,
    identifier: ((bytes[4] ?? 0) << 8) | (bytes[5] ?? 0),
    sequence: ((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0),
    data: bytes.subarray(ECHO_HEADER_BYTES),
  });
}

/** An ICMP Echo or Echo Reply message with its checksum (RFC 792). */
export function encodeIcmpEcho(m: IcmpEcho): Uint8Array {
  return writeEcho(m, 0);
}

/** Decodes an ICMP Echo (8) or Echo Reply (0), verifying the checksum. `data` views the input. */
export function decodeIcmpEcho(bytes: Uint8Array): Result<IcmpEcho, CodecError> {
  return readEcho(bytes, [IcmpType.ECHO_REQUEST, IcmpType.ECHO_REPLY], 0);
}

/** An ICMPv6 Echo Request/Reply; the checksum covers the pseudo-header of src and dst. */
export function encodeIcmpv6Echo(m: IcmpEcho, src: Uint8Array, dst: Uint8Array): Uint8Array {
  return writeEcho(m, ipv6PseudoHeaderSum(src, dst, ECHO_HEADER_BYTES + m.data.length, IpProtocol.ICMPV6));
}

/** Decodes an ICMPv6 Echo Request (128) or Reply (129) sent from src to dst, verifying the checksum. */
export function decodeIcmpv6Echo(bytes: Uint8Array, src: Uint8Array, dst: Uint8Array): Result<IcmpEcho, CodecError> {
  const sum = ipv6PseudoHeaderSum(src, dst, bytes.length, IpProtocol.ICMPV6);
  return readEcho(bytes, [Icmpv6Type.ECHO_REQUEST, Icmpv6Type.ECHO_REPLY], sum);
}

/**
 * The reply to a whole IPv4 or IPv6 packet carrying an echo request, addresses swapped (RFC 792:
 * "the source and destination addresses are simply reversed, the type code changed to 0, and the
 * checksum recomputed"; RFC 4443 §4.2 for ICMPv6). undefined for anything else: not an echo
 * request, a fragment, IPv6 extension headers, or a multicast destination (which must not
 * become a reply's source).
 */
export function echoReplyFor(packet: Uint8Array, hopLimit = DEFAULT_REPLY_HOP_LIMIT): Uint8Array | undefined {
  const version = (packet[0] ?? 0) >> 4;
  if (version === 4) {
    const ip = decodeIpv4(packet);
    if (!ip.ok || ip.value.protocol !== IpProtocol.ICMP) return undefined;
    const { src, dst, flags, fragmentOffset, id } = ip.value;
    if (fragmentOffset !== 0 || flags & 0x1 || (dst[0] ?? 0) >= 224) return undefined;
    const echo = decodeIcmpEcho(ip.value.payload);
    if (!echo.ok || echo.value.type !== IcmpType.ECHO_REQUEST) return undefined;
    const reply = encodeIcmpEcho({ ...echo.value, type: IcmpType.ECHO_REPLY, code: 0 });
    return encodeIpv4({ src: dst, dst: src, protocol: IpProtocol.ICMP, ttl: hopLimit, id, payload: reply });
  }
  if (version === 6) {
    const ip = decodeIpv6(packet);
    if (!ip.ok || ip.value.nextHeader !== IpProtocol.ICMPV6 || ip.value.dst[0] === 0xff) return undefined;
    const { src, dst } = ip.value;
    const echo = decodeIcmpv6Echo(ip.value.payload, src, dst);
    if (!echo.ok || echo.value.type !== Icmpv6Type.ECHO_REQUEST) return undefined;
    const reply = encodeIcmpv6Echo({ ...echo.value, type: Icmpv6Type.ECHO_REPLY, code: 0 }, dst, src);
    return encodeIpv6({ src: dst, dst: src, nextHeader: IpProtocol.ICMPV6, hopLimit, payload: reply });
  }
  return undefined;
}
