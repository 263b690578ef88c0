/**
 * GTP-U information elements (TS 29.281 §8): Recovery (§8.2, TV), Tunnel Endpoint Identifier
 * Data I (§8.3, TV), GTP-U Peer Address (§8.4, TLV, 4 or 16 octets) and Private Extension
 * (§8.6, TLV). TV elements have a fixed length per type; TLV elements (type >= 128) carry a
 * 2-octet length, so unknown ones are skipped, while an unknown TV element cannot be (TS 29.060
 * §7.7, which TS 29.281 §8.1 follows).
 */
import { codecError, type CodecError } from "../wire/codec-error.js";
import { ByteReader } from "../wire/reader.js";
import { err, ok, type Result } from "../wire/result.js";
import type { ByteWriter } from "../wire/writer.js";
import { GTPU_FIRST_TLV_IE_TYPE, GTPU_TV_IE_LENGTH, GtpuIeType } from "./constants.js";

/** The information elements a GTP-U signalling message may carry; each at most once. */
export interface GtpuIes {
  /** Restart counter; sent as 0 and ignored on receipt in GTP-U (§8.2). */
  readonly recovery?: number;
  readonly teidDataI?: number;
  /** 4 (IPv4) or 16 (IPv6) octets. */
  readonly peerAddress?: Uint8Array;
  /** The element's value: Extension Identifier (2 octets) and Extension Value. */
  readonly privateExtension?: Uint8Array;
}

type MutableIes = { -readonly [K in keyof GtpuIes]: GtpuIes[K] };

function readOne(r: ByteReader, type: number, into: MutableIes): CodecError | undefined {
  const at = r.offset - 1;
  if (type < GTPU_FIRST_TLV_IE_TYPE) {
    const fixed = GTPU_TV_IE_LENGTH[type];
    if (fixed === undefined) return codecError("bad-value", `unknown TV information element ${type}: its length is unknown`, at);
    const v = fixed === 1 ? r.u8(`IE ${type}`) : r.u32(`IE ${type}`);
    if (!v.ok) return v.error;
    // A repeated element: the first one counts, later ones are ignored.
    if (type === GtpuIeType.RECOVERY) into.recovery ??= v.value;
    else into.teidDataI ??= v.value;
    return undefined;
  }
  const length = r.u16(`IE ${type} length`);
  if (!length.ok) return length.error;
  const value = r.bytesView(length.value, `IE ${type} value`);
  if (!value.ok) return value.error;
  if (type === GtpuIeType.GTPU_PEER_ADDRESS) {
    if (value.value.length !== 4 && value.value.length !== 16) {
      return codecError("bad-value", `GTP-U Peer Address of ${value.value.length} octets (4 or 16)`, at);
    }
    into.peerAddress ??= value.value;
  } else if (type === GtpuIeType.PRIVATE_EXTENSION) {
    into.privateExtension ??= value.value;
  }
  return undefined;
}

/** Decodes the elements in bytes[start..end); unknown TLV elements are skipped. */
export function decodeGtpuIes(bytes: Uint8Array, start: number, end: number): Result<GtpuIes, CodecError> {
  const r = new ByteReader(bytes.subarray(start, end), start);
  const ies: MutableIes = {};
  while (r.remaining > 0) {
    const type = r.u8("IE type");
    if (!type.ok) return type;
    const e = readOne(r, type.value, ies);
    if (e) return err(e);
  }
  return ok(ies);
}

/** Writes the elements present, in ascending type order (TS 29.060 §7.7). */
export function writeGtpuIes(w: ByteWriter, ies: GtpuIes): void {
  if (ies.recovery !== undefined) w.u8(GtpuIeType.RECOVERY).u8(ies.recovery);
  if (ies.teidDataI !== undefined) w.u8(GtpuIeType.TEID_DATA_I).u32(ies.teidDataI);
  if (ies.peerAddress !== undefined) w.u8(GtpuIeType.GTPU_PEER_ADDRESS).u16(ies.peerAddress.length).bytes(ies.peerAddress);
  if (ies.privateExtension !== undefined) {
    w.u8(GtpuIeType.PRIVATE_EXTENSION).u16(ies.privateExtension.length).bytes(ies.privateExtension);
  }
}
