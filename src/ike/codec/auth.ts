/**
 * Authentication payload (RFC 7296 §3.8).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Auth Method   |                RESERVED                       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                      Authentication Data                      ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { PayloadType } from "../registry.js";
import { decodeTagged, encodeTagged } from "./fields.js";
import type { AuthPayload } from "./payloads.js";

/** Decodes an AUTH body. The data is checked by the authenticator, not here. */
export function decodeAuth(r: ByteReader, critical: boolean): Result<AuthPayload, CodecError> {
  const t = decodeTagged(r, 3, "Auth Method");
  return t.ok ? ok({ type: PayloadType.AUTH, critical, method: t.value.tag, data: t.value.data }) : t;
}

/** Encodes an AUTH body. */
export function encodeAuth(p: AuthPayload): Uint8Array {
  return encodeTagged({ tag: p.method, data: p.data }, 3, "Auth Method");
}
