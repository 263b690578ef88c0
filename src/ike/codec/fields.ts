/**
 * Small shared helpers for the IKEv2 payload codec: fixed-size field groups and typed refusals
 * for decoders, range guards for encoders. Decoders return errors without a Notify type; the
 * payload chain (message.ts) decides what the peer is told (RFC 7296 §2.21.1: INVALID_SYNTAX).
 */
import { codecError, type CodecError, type CodecErrorCode } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { err, ok, type Result } from "../../wire/result.js";

/** The failing half of a Result: assignable to any Result<T, CodecError>. */
export type Refusal = { readonly ok: false; readonly error: CodecError };

/** A refused decode, without a notify (the payload chain adds it). */
export function fail(code: CodecErrorCode, message: string, offset: number): Refusal {
  return err(codecError(code, message, offset));
}

/**
 * Takes the next `n` octets of a fixed layout (a substructure header) as a DataView, so the
 * fields inside can be read with plain getUint8/16/32 once the one bounds check has passed.
 */
export function fixedFields(r: ByteReader, n: number, what: string): Result<DataView, CodecError> {
  const b = r.bytesView(n, what);
  return b.ok ? ok(new DataView(b.value.buffer, b.value.byteOffset, n)) : b;
}

/** A refusal if `r` still holds octets after a count-driven structure ended. */
export function leftover(r: ByteReader, what: string): Refusal | undefined {
  return r.remaining === 0 ? undefined : fail("length-mismatch", `${what}: ${r.remaining} octets after the last element`, r.offset);
}

/**
 * Guards a value an encoder is about to write into a field of `bits` bits: ByteWriter would
 * silently wrap it and corrupt the framing.
 * @throws RangeError on a programmer error (a value that cannot be encoded).
 */
export function fieldValue(v: number, bits: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw new RangeError(`${what}: ${v} does not fit in ${bits} bits`);
  return v;
}

/** The octet-tagged layout `| Tag | RESERVED (0 or 3 octets) | Data ~ |` of ID, AUTH, CERT, CERTREQ. */
export interface Tagged {
  readonly tag: number;
  readonly data: Uint8Array;
}

/** Decodes a Tagged body; RESERVED octets "MUST be ignored on receipt" (RFC 7296 §3.5, §3.8). */
export function decodeTagged(r: ByteReader, reservedOctets: number, what: string): Result<Tagged, CodecError> {
  const h = fixedFields(r, 1 + reservedOctets, what);
  return h.ok ? ok({ tag: h.value.getUint8(0), data: r.rest().slice() }) : h;
}

/** Encodes a Tagged body with zero RESERVED octets. */
export function encodeTagged(t: Tagged, reservedOctets: number, what: string): Uint8Array {
  const out = new Uint8Array(1 + reservedOctets + t.data.length);
  out[0] = fieldValue(t.tag, 8, what);
  out.set(t.data, 1 + reservedOctets);
  return out;
}
