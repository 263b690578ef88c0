/**
 * IPv6 fixed header codec (RFC 8200 §3). Extension headers stay in the payload; `nextHeader` is
 * the header's own Next Header field.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  |                  Source Address (16 octets)                   |
 *  |               Destination Address (16 octets)                 |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { codecError, type CodecError } from "../wire/codec-error.js";
import { err, ok, type Result } from "../wire/result.js";

export const IPV6_HEADER_BYTES = 40;

/** What encodeIpv6 takes; a decoded Ipv6Packet is one too. */
export interface Ipv6Fields {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly payload: Uint8Array;
  /** Default 0. */
  readonly trafficClass?: number;
  /** 20 bits; default 0. */
  readonly flowLabel?: number;
}

/** A decoded packet. Byte fields view the decoded buffer (no copies). */
export type Ipv6Packet = Required<Ipv6Fields>;

/**
 * Decodes an IPv6 packet. The buffer may be longer than 40 + Payload Length (padding, e.g. ESP
 * TFC padding, RFC 4303 §2.7). Jumbograms (RFC 2675) are not supported: Payload Length is taken
 * as it stands.
 */
export function decodeIpv6(bytes: Uint8Array): Result<Ipv6Packet, CodecError> {
  if (bytes.length < IPV6_HEADER_BYTES) {
    return err(codecError("truncated", `IPv6 header needs 40 octets, have ${bytes.length}`, 0));
  }
  const b0 = bytes[0] ?? 0;
  if (b0 >> 4 !== 6) return err(codecError("unsupported-version", `IP version ${b0 >> 4}, expected 6`, 0));
  const payloadLength = ((bytes[4] ?? 0) << 8) | (bytes[5] ?? 0);
  const end = IPV6_HEADER_BYTES + payloadLength;
  if (end > bytes.length) return err(codecError("truncated", `Payload Length ${payloadLength} > ${bytes.length - 40} octets`, 4));
  return ok({
    trafficClass: ((b0 & 0x0f) << 4) | ((bytes[1] ?? 0) >> 4),
    flowLabel: (((bytes[1] ?? 0) & 0x0f) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0),
    nextHeader: bytes[6] ?? 0,
    hopLimit: bytes[7] ?? 0,
    src: bytes.subarray(8, 24),
    dst: bytes.subarray(24, 40),
    payload: bytes.subarray(IPV6_HEADER_BYTES, end),
  });
}

/** @throws RangeError for field values that do not fit (a programmer error, not packet data). */
export function encodeIpv6(p: Ipv6Fields): Uint8Array {
  if (p.payload.length > 0xffff) throw new RangeError(`IPv6 Payload Length ${p.payload.length} > 65535`);
  if (p.src.length !== 16 || p.dst.length !== 16) throw new RangeError("IPv6 addresses have 16 octets");
  const out = new Uint8Array(IPV6_HEADER_BYTES + p.payload.length);
  const tc = (p.trafficClass ?? 0) & 0xff;
  const flow = (p.flowLabel ?? 0) & 0xfffff;
  out[0] = 0x60 | (tc >> 4);
  out[1] = ((tc & 0x0f) << 4) | (flow >> 16);
  out[2] = (flow >> 8) & 0xff;
  out[3] = flow & 0xff;
  out[4] = p.payload.length >> 8;
  out[5] = p.payload.length & 0xff;
  out[6] = p.nextHeader;
  out[7] = p.hopLimit;
  out.set(p.src, 8);
  out.set(p.dst, 24);
  out.set(p.payload, IPV6_HEADER_BYTES);
  return out;
}
