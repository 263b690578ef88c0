/**
 * LWIPEP, the LWIP Encapsulation Protocol (TS 36.361): one PDCP SDU of a data radio bearer
 * behind a GRE header (RFC 2784) with the Key and Sequence Number extensions (RFC 2890), the
 * two documents TS 36.361 references. Inside the UE's IPsec tunnel it travels as IP protocol 47
 * between the UE's inner address and the eNB's LWIP endpoint; on Xw-U the SeGW forwards it
 * without that IP header, as the T-PDU of a G-PDU.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |C| |K|S| Reserved0       | Ver |         Protocol Type         |
 *  |      Checksum (if C)          |       Reserved1 (if C)        |
 *  |                         Key (if K)                            |
 *  |                 Sequence Number (if S)                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * What is confirmed and what is not (spec brief §4.3; TS 36.361 §5-6 could not be read):
 * - K = 1 with the Key carrying the DRB identity: expected, bit placement [U], see greKeyForDrb.
 * - S = 1 with the GRE sequence number only when LWIP aggregation is configured for the bearer
 *   (TS 36.331 lwip-UL/DL-Aggregation: "insert/decode LWIPEP header with GRE sequence number") [P].
 * - C = 0: we never send a checksum [U]; a received one (RFC 2784 §2.5) is verified.
 * - Protocol Type = EtherType of the SDU (0x0800 / 0x86DD) [U]: we send that, and accept any
 *   value on receipt since the SeGW forwards the packet without looking at the SDU.
 */
import { internetChecksum } from "../inet/checksum.js";
import { codecError, type CodecError, type CodecErrorCode } from "../wire/codec-error.js";
import { err, ok, type Result } from "../wire/result.js";

/** IANA protocol number of GRE: the inner IP packets carrying LWIPEP in the IPsec tunnel. */
export const GRE_IP_PROTOCOL = 47;

/** EtherTypes for the Protocol Type field (RFC 2784 §2.4 refers to ETHER TYPES). */
export const EtherType = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
} as const;

/** DRB-Identity ::= INTEGER (1..32) (TS 36.331 §6.3.2). */
const MIN_DRB_ID = 1;
const MAX_DRB_ID = 32;

const FLAG_C = 0x80;
const FLAG_K = 0x20;
const FLAG_S = 0x10;
/** Bits 1, 4 and 5: RFC 2784 §2.3 "A receiver MUST discard a packet where any of bits 1-5 are non-zero" (RFC 2890 made bits 2-3 K and S). */
const MUST_BE_ZERO = 0x4c;
/** Ver (bits 13-15 of the first word) MUST be 0 (RFC 2784 §2.3.1). Bits 6-12 are ignored on receipt. */
const VERSION_MASK = 0x07;
const BASE_HEADER_BYTES = 4;
const OPTION_BYTES = 4;

/**
 * THE mapping between a DRB identity and the 32-bit GRE Key of LWIPEP, in one place because it
 * is unconfirmed [U]: the spec brief (§4.3, open item 4) expects the Key to carry the DRB identity
 * but TS 36.361 §6 could not be read for the bit placement. Here the DRB identity sits in the
 * low octet and the upper 24 bits are zero. Decoding inverts this function (KEY_TO_DRB below),
 * so a change here changes both directions.
 * @throws RangeError for a DRB identity outside 1..32 (a programmer error).
 */
export function greKeyForDrb(drbId: number): number {
  if (!Number.isInteger(drbId) || drbId < MIN_DRB_ID || drbId > MAX_DRB_ID) throw new RangeError(`DRB identity ${drbId} is not in 1..32`);
  return drbId & 0xff;
}

const KEY_TO_DRB: ReadonlyMap<number, number> = new Map(
  Array.from({ length: MAX_DRB_ID - MIN_DRB_ID + 1 }, (_, i) => [greKeyForDrb(MIN_DRB_ID + i), MIN_DRB_ID + i] as const),
);

/** The DRB identity a received GRE Key carries, undefined if it carries none. */
export function drbForGreKey(key: number): number | undefined {
  return KEY_TO_DRB.get(key >>> 0);
}

/**
 * The Protocol Type to send for an SDU: the EtherType of its IP version, undefined if it is not
 * an IP packet. [U] (see the file comment).
 */
export function protocolTypeForSdu(sdu: Uint8Array): number | undefined {
  const version = (sdu[0] ?? 0) >> 4;
  return version === 4 ? EtherType.IPV4 : version === 6 ? EtherType.IPV6 : undefined;
}

/** What encodeLwipep takes; a decoded LwipepPacket is one too. */
export interface LwipepFields {
  /** 1..32. */
  readonly drbId: number;
  /** EtherType of the payload. */
  readonly protocolType: number;
  /** The PDCP SDU. */
  readonly payload: Uint8Array;
  /** GRE Sequence Number (S = 1), only with LWIP aggregation. */
  readonly sequence?: number;
  /** Send a GRE checksum (C = 1). Not used by LWIPEP as far as we know; kept for symmetry. */
  readonly checksum?: boolean;
}

/** A decoded packet; `payload` views the decoded buffer. */
export type LwipepPacket = LwipepFields;

function u32At(bytes: Uint8Array, at: number): number {
  return (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0;
}

/** Why inspectLwipep refused a packet: its negative results, with the CodecError each maps to. */
const DEFECTS: Readonly<Record<number, readonly [CodecErrorCode, string, number]>> = {
  [-1]: ["truncated", "LWIPEP header past the end of the packet", 0],
  [-2]: ["reserved-not-zero", "GRE bits 1, 4 or 5 set (RFC 2784 §2.3)", 0],
  [-3]: ["unsupported-version", "GRE Ver is not 0 (RFC 2784 §2.3.1)", 1],
  [-4]: ["bad-value", "LWIPEP needs the GRE Key (K = 1) carrying the DRB identity", 0],
  [-5]: ["bad-value", "GRE Key carries no DRB identity", 4],
  [-6]: ["bad-value", "GRE checksum (RFC 2784 §2.5)", 4],
};

/**
 * Checks the LWIPEP header of bytes[start..end) in place and returns its length (8 to 16
 * octets), or a negative defect number. For the per-packet path: no allocation, never throws.
 */
export function inspectLwipep(bytes: Uint8Array, start: number, end: number): number {
  if (end - start < BASE_HEADER_BYTES) return -1;
  const b0 = bytes[start] ?? 0;
  if (b0 & MUST_BE_ZERO) return -2;
  if ((bytes[start + 1] ?? 0) & VERSION_MASK) return -3;
  if (!(b0 & FLAG_K)) return -4;
  const keyAt = start + BASE_HEADER_BYTES + (b0 & FLAG_C ? OPTION_BYTES : 0);
  const headerEnd = keyAt + OPTION_BYTES + (b0 & FLAG_S ? OPTION_BYTES : 0);
  if (headerEnd > end) return -1;
  if (drbForGreKey(u32At(bytes, keyAt)) === undefined) return -5;
  // RFC 2784 §2.5: the checksum covers the GRE header and the payload.
  if (b0 & FLAG_C && internetChecksum(bytes, start, end) !== 0) return -6;
  return headerEnd - start;
}

/** Decodes an LWIPEP packet (GRE header and PDCP SDU). Never throws. */
export function decodeLwipep(bytes: Uint8Array): Result<LwipepPacket, CodecError> {
  const headerLength = inspectLwipep(bytes, 0, bytes.length);
  if (headerLength < 0) {
    const [code, message, offset] = DEFECTS[headerLength] ?? ["bad-value", "LWIPEP", 0];
    return err(codecError(code, message, offset));
  }
  const b0 = bytes[0] ?? 0;
  const keyAt = BASE_HEADER_BYTES + (b0 & FLAG_C ? OPTION_BYTES : 0);
  const packet: { -readonly [K in keyof LwipepPacket]: LwipepPacket[K] } = {
    drbId: drbForGreKey(u32At(bytes, keyAt)) ?? 0,
    protocolType: ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0),
    payload: bytes.subarray(headerLength),
  };
  if (b0 & FLAG_S) packet.sequence = u32At(bytes, keyAt + OPTION_BYTES);
  if (b0 & FLAG_C) packet.checksum = true;
  return ok(packet);
}

/**
 * Encodes an LWIPEP packet: C = 0 unless asked, K = 1 with the DRB identity, S = 1 iff a
 * sequence number is given, reserved bits and Ver zero.
 * @throws RangeError for a DRB identity outside 1..32, a Protocol Type or sequence number that
 *   does not fit (programmer errors).
 */
export function encodeLwipep(f: LwipepFields): Uint8Array {
  const key = greKeyForDrb(f.drbId);
  if (!Number.isInteger(f.protocolType) || f.protocolType < 0 || f.protocolType > 0xffff) throw new RangeError(`Protocol Type ${f.protocolType}`);
  if (f.sequence !== undefined && (!Number.isInteger(f.sequence) || f.sequence < 0 || f.sequence > 0xffffffff)) {
    throw new RangeError(`GRE sequence number ${f.sequence}`);
  }
  const c = f.checksum === true;
  const headerLength = BASE_HEADER_BYTES + (c ? OPTION_BYTES : 0) + OPTION_BYTES + (f.sequence !== undefined ? OPTION_BYTES : 0);
  const out = new Uint8Array(headerLength + f.payload.length);
  const view = new DataView(out.buffer);
  out[0] = (c ? FLAG_C : 0) | FLAG_K | (f.sequence !== undefined ? FLAG_S : 0);
  view.setUint16(2, f.protocolType);
  const keyAt = BASE_HEADER_BYTES + (c ? OPTION_BYTES : 0);
  view.setUint32(keyAt, key);
  if (f.sequence !== undefined) view.setUint32(keyAt + OPTION_BYTES, f.sequence);
  out.set(f.payload, headerLength);
  if (c) view.setUint16(4, internetChecksum(out));
  return out;
}
