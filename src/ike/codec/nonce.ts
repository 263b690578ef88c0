/**
 * Nonce payload (RFC 7296 §3.9).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                            Nonce Data                         ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { PayloadType } from "../registry.js";
import { fail } from "./fields.js";
import type { NoncePayload } from "./payloads.js";

/** §3.9: "The size of the Nonce Data MUST be between 16 and 256 octets, inclusive." */
export const NONCE_MIN_OCTETS = 16;
export const NONCE_MAX_OCTETS = 256;

/** Decodes a Nonce body, refusing sizes outside 16..256 octets as invalid-syntax. */
export function decodeNonce(r: ByteReader, critical: boolean): Result<NoncePayload, CodecError> {
  const start = r.offset;
  const nonce = r.rest().slice();
  if (nonce.length < NONCE_MIN_OCTETS || nonce.length > NONCE_MAX_OCTETS) {
    return fail("invalid-syntax", `Nonce of ${nonce.length} octets, must be ${NONCE_MIN_OCTETS}..${NONCE_MAX_OCTETS}`, start);
  }
  return ok({ type: PayloadType.NONCE, critical, nonce });
}

/** Encodes a Nonce body. */
export function encodeNonce(p: NoncePayload): Uint8Array {
  return p.nonce.slice();
}
