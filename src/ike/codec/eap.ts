/**
 * EAP payload (RFC 7296 §3.16) carrying one EAP message (RFC 3748 §4).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                       EAP Message                             ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   EAP Message:
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Code      | Identifier    |           Length              |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type      | Type_Data...
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { PayloadType } from "../registry.js";
import { fail } from "./fields.js";
import type { EapPayload } from "./payloads.js";

const EAP_HEADER_LENGTH = 4;

/** Decodes an EAP body: the EAP Length field must equal the octets the payload carries. */
export function decodeEap(r: ByteReader, critical: boolean): Result<EapPayload, CodecError> {
  const start = r.offset;
  const message = r.rest().slice();
  if (message.length < EAP_HEADER_LENGTH) {
    return fail("truncated", `EAP message of ${message.length} octets, header needs ${EAP_HEADER_LENGTH}`, start);
  }
  const length = new DataView(message.buffer).getUint16(2);
  if (length !== message.length) {
    return fail("length-mismatch", `EAP Length ${length}, payload carries ${message.length} octets`, start + 2);
  }
  return ok({ type: PayloadType.EAP, critical, message });
}

/** Encodes an EAP body (the EAP message as given, its Length field included). */
export function encodeEap(p: EapPayload): Uint8Array {
  return p.message.slice();
}
