/**
 * Identification payloads IDi (35) and IDr (36) (RFC 7296 §3.5).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   ID Type     |                 RESERVED                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                   Identification Data                         ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { IdType } from "../registry.js";
import { decodeTagged, encodeTagged, fail } from "./fields.js";
import type { IdPayload } from "./payloads.js";

/** §3.5: ID_IPV4_ADDR is "a single four (4) octet IPv4 address", ID_IPV6_ADDR sixteen. */
const ADDRESS_ID_LENGTH: ReadonlyMap<number, number> = new Map([
  [IdType.ID_IPV4_ADDR, 4],
  [IdType.ID_IPV6_ADDR, 16],
]);

/** Decodes an IDi/IDr body; address identities must have their address length. */
export function decodeId(type: 35 | 36, r: ByteReader, critical: boolean): Result<IdPayload, CodecError> {
  const start = r.offset;
  const t = decodeTagged(r, 3, "ID Type");
  if (!t.ok) return t;
  const want = ADDRESS_ID_LENGTH.get(t.value.tag);
  if (want !== undefined && t.value.data.length !== want) {
    return fail("length-mismatch", `ID Type ${t.value.tag} with ${t.value.data.length} octets, expected ${want}`, start + 4);
  }
  return ok({ type, critical, idType: t.value.tag, data: t.value.data });
}

/** Encodes an IDi/IDr body. */
export function encodeId(p: IdPayload): Uint8Array {
  return encodeTagged({ tag: p.idType, data: p.data }, 3, "ID Type");
}
