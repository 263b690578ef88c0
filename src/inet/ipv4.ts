/**
 * IPv4 header codec (RFC 791 §3.1) with the header checksum (RFC 1071).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  |         Identification        |Flags|      Fragment Offset    |
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  |                       Source Address                          |
 *  |                    Destination Address                        |
 *  |                    Options (IHL > 5)                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { codecError, type CodecError } from "../wire/codec-error.js";
import { err, ok, type Result } from "../wire/result.js";
import { internetChecksum } from "./checksum.js";

export const IPV4_HEADER_BYTES = 20;
const MAX_OPTIONS_BYTES = 40;
const MAX_TOTAL_LENGTH = 0xffff;

/** What encodeIpv4 takes; a decoded Ipv4Packet is one too. */
export interface Ipv4Fields {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly protocol: number;
  readonly ttl: number;
  readonly id: number;
  readonly payload: Uint8Array;
  /** DSCP | ECN (RFC 2474, RFC 3168); default 0. */
  readonly tos?: number;
  /** The 3 flag bits (reserved, DF, MF); default 0. */
  readonly flags?: number;
  /** In 8-octet units; default 0. */
  readonly fragmentOffset?: number;
  /** Header options, a multiple of 4 octets, at most 40; default none. */
  readonly options?: Uint8Array;
}

/** A decoded packet. Byte fields view the decoded buffer (no copies). */
export interface Ipv4Packet extends Required<Ipv4Fields> {
  readonly totalLength: number;
}

function fail(code: CodecError["code"], message: string, offset: number): Result<never, CodecError> {
  return err(codecError(code, message, offset));
}

/**
 * Decodes an IPv4 packet. The buffer may be longer than Total Length (link padding, or ESP TFC
 * padding after a tunnelled packet, RFC 4303 §2.7); the payload stops at Total Length.
 */
export function decodeIpv4(bytes: Uint8Array): Result<Ipv4Packet, CodecError> {
  if (bytes.length < IPV4_HEADER_BYTES) return fail("truncated", `IPv4 header needs 20 octets, have ${bytes.length}`, 0);
  const b0 = bytes[0] ?? 0;
  if (b0 >> 4 !== 4) return fail("unsupported-version", `IP version ${b0 >> 4}, expected 4`, 0);
  const headerBytes = (b0 & 0x0f) * 4;
  if (headerBytes < IPV4_HEADER_BYTES) return fail("bad-value", `IHL ${headerBytes / 4} < 5`, 0);
  const totalLength = ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  if (totalLength < headerBytes) return fail("length-mismatch", `Total Length ${totalLength} < header ${headerBytes}`, 2);
  if (totalLength > bytes.length) return fail("truncated", `Total Length ${totalLength} > ${bytes.length} octets`, 2);
  if (internetChecksum(bytes, 0, headerBytes) !== 0) return fail("bad-value", "IPv4 header checksum", 10);
  return ok({
    tos: bytes[1] ?? 0,
    totalLength,
    id: ((bytes[4] ?? 0) << 8) | (bytes[5] ?? 0),
    flags: (bytes[6] ?? 0) >> 5,
    fragmentOffset: (((bytes[6] ?? 0) & 0x1f) << 8) | (bytes[7] ?? 0),
    ttl: bytes[8] ?? 0,
    protocol: bytes[9] ?? 0,
    src: bytes.subarray(12, 16),
    dst: bytes.subarray(16, 20),
    options: bytes.subarray(IPV4_HEADER_BYTES, headerBytes),
    payload: bytes.subarray(headerBytes, totalLength),
  });
}

/**
 * Encodes an IPv4 packet with its header checksum.
 * @throws RangeError for field values that do not fit (a programmer error, not packet data).
 */
export function encodeIpv4(p: Ipv4Fields): Uint8Array {
  const options = p.options ?? new Uint8Array(0);
  const headerBytes = IPV4_HEADER_BYTES + options.length;
  const totalLength = headerBytes + p.payload.length;
  if (options.length % 4 !== 0 || options.length > MAX_OPTIONS_BYTES) throw new RangeError(`IPv4 options: ${options.length} octets`);
  if (totalLength > MAX_TOTAL_LENGTH) throw new RangeError(`IPv4 Total Length ${totalLength} > 65535`);
  if (p.src.length !== 4 || p.dst.length !== 4) throw new RangeError("IPv4 addresses have 4 octets");
  const out = new Uint8Array(totalLength);
  const flagsAndOffset = (((p.flags ?? 0) & 0x7) << 13) | ((p.fragmentOffset ?? 0) & 0x1fff);
  out[0] = 0x40 | (headerBytes / 4);
  out[1] = p.tos ?? 0;
  out[2] = totalLength >> 8;
  out[3] = totalLength & 0xff;
  out[4] = (p.id >> 8) & 0xff;
  out[5] = p.id & 0xff;
  out[6] = flagsAndOffset >> 8;
  out[7] = flagsAndOffset & 0xff;
  out[8] = p.ttl;
  out[9] = p.protocol;
  out.set(p.src, 12);
  out.set(p.dst, 16);
  out.set(options, IPV4_HEADER_BYTES);
  const checksum = internetChecksum(out, 0, headerBytes);
  out[10] = checksum >> 8;
  out[11] = checksum & 0xff;
  out.set(p.payload, headerBytes);
  return out;
}
