/**
 * Certificate (37) and Certificate Request (38) payloads (RFC 7296 §3.6, §3.7).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Cert Encoding |                                               |
 *   +-+-+-+-+-+-+-+-+                                               |
 *   ~                       Certificate Data                        ~
 *   |                  (CERTREQ: Certification Authority)           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { PayloadType } from "../registry.js";
import { decodeTagged, encodeTagged } from "./fields.js";
import type { CertPayload, CertReqPayload } from "./payloads.js";

/** Decodes a CERT body; the certificate itself is parsed by the authenticator. */
export function decodeCert(r: ByteReader, critical: boolean): Result<CertPayload, CodecError> {
  const t = decodeTagged(r, 0, "Cert Encoding");
  return t.ok ? ok({ type: PayloadType.CERT, critical, encoding: t.value.tag, data: t.value.data }) : t;
}

/** Decodes a CERTREQ body (Certification Authority: concatenated SHA-1 key hashes for X.509, §3.7). */
export function decodeCertReq(r: ByteReader, critical: boolean): Result<CertReqPayload, CodecError> {
  const t = decodeTagged(r, 0, "Cert Encoding");
  return t.ok ? ok({ type: PayloadType.CERTREQ, critical, encoding: t.value.tag, data: t.value.data }) : t;
}

/** Encodes a CERT or CERTREQ body (same layout). */
export function encodeCert(p: CertPayload | CertReqPayload): Uint8Array {
  return encodeTagged({ tag: p.encoding, data: p.data }, 0, "Cert Encoding");
}
