/**
 * The GTP-U header (TS 29.281 §5.1) and its extension headers (§5.2).
 *
 *   Octet 1   Version(3)=1 | PT(1)=1 | spare(1) | E(1) | S(1) | PN(1)
 *   Octet 2   Message Type
 *   Octets 3-4  Length: octets after the first 8 (optional fields and extension headers included)
 *   Octets 5-8  Tunnel Endpoint Identifier (TEID)
 *   Octets 9-10 Sequence Number      \
 *   Octet 11    N-PDU Number          > present iff any of E, S, PN is 1; a field whose flag is 0
 *   Octet 12    Next Extension Header Type /  is sent as zero and not evaluated (§5.1)
 *
 * Each extension header (§5.2.1): Length (1, in 4-octet units, the whole header) | Content |
 * Next Extension Header Type (1, 0 = no more).
 */
import { codecError, type CodecError } from "../wire/codec-error.js";
import {
  GTPU_EXTENSION_COMPREHENSION_REQUIRED,
  GTPU_HEADER_BYTES,
  GTPU_OPTIONAL_BYTES,
  GTPU_VERSION_PT,
  GTPU_VERSION_PT_MASK,
  GtpuExtensionHeaderType,
  GtpuFlag,
} from "./constants.js";

/** One extension header: its type and its content (4n - 2 octets, n >= 1). */
export interface GtpuExtensionHeader {
  readonly type: number;
  readonly content: Uint8Array;
}

/** The header fields a message carries besides its type. */
export interface GtpuHeader {
  readonly teid: number;
  /** Present iff the S flag is set. */
  readonly sequence?: number;
  /** Present iff the PN flag is set. */
  readonly nPduNumber?: number;
  /** Non-empty iff the E flag is set. */
  readonly extensionHeaders: readonly GtpuExtensionHeader[];
}

/**
 * Where the parts of a received header are. scanGtpuHeader fills one the caller keeps, so the
 * per-packet path allocates nothing.
 */
export interface GtpuHeaderScan {
  messageType: number;
  /** Octet 1. */
  flags: number;
  teid: number;
  /** Type of the first extension header, 0 when there is none. */
  firstExtensionType: number;
  /** Where the first extension header (if any) starts. */
  extensionsOffset: number;
  /** Where the body (T-PDU or information elements) starts. */
  bodyOffset: number;
  /** 8 + Length: one past the message's last octet. */
  end: number;
  /** Some extension header has a type the receiving endpoint must understand (§5.2.1). */
  comprehensionRequired: boolean;
}

/** A scan record to pass to scanGtpuHeader. */
export function newGtpuHeaderScan(): GtpuHeaderScan {
  return { messageType: 0, flags: 0, teid: 0, firstExtensionType: 0, extensionsOffset: 0, bodyOffset: 0, end: 0, comprehensionRequired: false };
}

function u16At(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

function u32At(bytes: Uint8Array, at: number): number {
  return (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0;
}

/**
 * Walks the extension header chain from `offset` (first type `type`) up to `end`; returns the
 * body offset, or a CodecError. Sets scan.comprehensionRequired. Every header is at least four
 * octets long, so the walk is bounded by the message length.
 */
function skipExtensionHeaders(bytes: Uint8Array, offset: number, type: number, end: number, scan: GtpuHeaderScan): number | CodecError {
  let next = type;
  let at = offset;
  while (next !== GtpuExtensionHeaderType.NO_MORE) {
    if (next & GTPU_EXTENSION_COMPREHENSION_REQUIRED) scan.comprehensionRequired = true;
    if (at >= end) return codecError("truncated", `extension header 0x${next.toString(16)} missing`, at);
    const length = (bytes[at] ?? 0) * 4;
    // §5.2.1: the Length field "shall never be zero".
    if (length === 0) return codecError("bad-value", "extension header Length 0", at);
    if (at + length > end) return codecError("truncated", `extension header of ${length} octets past the message end`, at);
    next = bytes[at + length - 1] ?? 0;
    at += length;
  }
  return at;
}

/**
 * Checks a GTP-U header and fills `scan`. The buffer must hold exactly one message
 * (8 + Length octets: a UDP payload). Never throws, allocates only on error.
 */
export function scanGtpuHeader(bytes: Uint8Array, scan: GtpuHeaderScan): CodecError | undefined {
  if (bytes.length < GTPU_HEADER_BYTES) return codecError("truncated", `GTP-U header needs 8 octets, have ${bytes.length}`, 0);
  const flags = bytes[0] ?? 0;
  if ((flags & GTPU_VERSION_PT_MASK) !== GTPU_VERSION_PT) {
    return codecError("unsupported-version", `octet 1 is 0x${flags.toString(16)}: not GTPv1 with PT=1`, 0);
  }
  const end = GTPU_HEADER_BYTES + u16At(bytes, 2);
  if (end > bytes.length) return codecError("truncated", `Length says ${end} octets, have ${bytes.length}`, 2);
  if (end < bytes.length) return codecError("length-mismatch", `Length says ${end} octets, datagram has ${bytes.length}`, 2);
  scan.flags = flags;
  scan.messageType = bytes[1] ?? 0;
  scan.teid = u32At(bytes, 4);
  scan.firstExtensionType = 0;
  scan.comprehensionRequired = false;
  scan.extensionsOffset = scan.bodyOffset = GTPU_HEADER_BYTES;
  if ((flags & (GtpuFlag.E | GtpuFlag.S | GtpuFlag.PN)) === 0) {
    scan.end = end;
    return undefined;
  }
  const optionalEnd = GTPU_HEADER_BYTES + GTPU_OPTIONAL_BYTES;
  if (optionalEnd > end) return codecError("truncated", "optional fields (E/S/PN set) past the message end", 8);
  scan.extensionsOffset = optionalEnd;
  scan.firstExtensionType = flags & GtpuFlag.E ? (bytes[11] ?? 0) : 0;
  const body = skipExtensionHeaders(bytes, optionalEnd, scan.firstExtensionType, end, scan);
  if (typeof body !== "number") return body;
  scan.bodyOffset = body;
  scan.end = end;
  return undefined;
}

/** The header fields of a scanned message; extension header contents view `bytes`. */
export function headerFromScan(bytes: Uint8Array, scan: GtpuHeaderScan): GtpuHeader {
  const extensionHeaders: GtpuExtensionHeader[] = [];
  let type = scan.firstExtensionType;
  let at = scan.extensionsOffset;
  while (type !== GtpuExtensionHeaderType.NO_MORE) {
    const length = (bytes[at] ?? 0) * 4;
    extensionHeaders.push({ type, content: bytes.subarray(at + 1, at + length - 1) });
    type = bytes[at + length - 1] ?? 0;
    at += length;
  }
  const header: { -readonly [K in keyof GtpuHeader]: GtpuHeader[K] } = { teid: scan.teid, extensionHeaders };
  if (scan.flags & GtpuFlag.S) header.sequence = u16At(bytes, 8);
  if (scan.flags & GtpuFlag.PN) header.nPduNumber = bytes[10] ?? 0;
  return header;
}

/** Octets the header of `h` takes: 8, plus 4 for the optional fields, plus the extension headers. */
export function gtpuHeaderLength(h: GtpuHeader): number {
  if (h.sequence === undefined && h.nPduNumber === undefined && h.extensionHeaders.length === 0) return GTPU_HEADER_BYTES;
  let n = GTPU_HEADER_BYTES + GTPU_OPTIONAL_BYTES;
  for (const x of h.extensionHeaders) n += x.content.length + 2;
  return n;
}

/**
 * Writes the header of a message of `messageType` whose body has `bodyLength` octets into
 * out[0..gtpuHeaderLength(h)). Unused optional fields are zero (§5.1).
 * @throws RangeError for values that do not fit (programmer errors): a Length above 65535, an
 *   extension header type of 0 or content that is not 4n - 2 octets (n = 1..255).
 */
export function writeGtpuHeader(out: Uint8Array, messageType: number, h: GtpuHeader, bodyLength: number): void {
  const headerLength = gtpuHeaderLength(h);
  const length = headerLength - GTPU_HEADER_BYTES + bodyLength;
  if (length > 0xffff) throw new RangeError(`GTP-U Length ${length} > 65535`);
  const e = h.extensionHeaders.length > 0;
  out[0] = GTPU_VERSION_PT | (e ? GtpuFlag.E : 0) | (h.sequence !== undefined ? GtpuFlag.S : 0) | (h.nPduNumber !== undefined ? GtpuFlag.PN : 0);
  out[1] = messageType;
  out[2] = length >> 8;
  out[3] = length & 0xff;
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(4, h.teid >>> 0);
  if (headerLength === GTPU_HEADER_BYTES) return;
  out[8] = ((h.sequence ?? 0) >> 8) & 0xff;
  out[9] = (h.sequence ?? 0) & 0xff;
  out[10] = h.nPduNumber ?? 0;
  out[11] = h.extensionHeaders[0]?.type ?? 0;
  let at = GTPU_HEADER_BYTES + GTPU_OPTIONAL_BYTES;
  h.extensionHeaders.forEach((x, i) => {
    const units = (x.content.length + 2) / 4;
    if (!Number.isInteger(units) || units < 1 || units > 255) throw new RangeError(`extension header content of ${x.content.length} octets is not 4n-2`);
    if (x.type === GtpuExtensionHeaderType.NO_MORE || x.type > 0xff) throw new RangeError(`extension header type ${x.type}`);
    out[at] = units;
    out.set(x.content, at + 1);
    out[at + x.content.length + 1] = h.extensionHeaders[i + 1]?.type ?? GtpuExtensionHeaderType.NO_MORE;
    at += x.content.length + 2;
  });
}
