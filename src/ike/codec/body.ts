/**
 * Dispatch from a payload type to its body codec (RFC 7296 §3.2: "Payload Type" values).
 * Types this codec does not model are kept raw as UnknownPayload; the chain in message.ts
 * decides what to do with a critical one.
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { PayloadType } from "../registry.js";
import { decodeAuth, encodeAuth } from "./auth.js";
import { decodeCert, decodeCertReq, encodeCert } from "./cert.js";
import { decodeCp, encodeCp } from "./cp.js";
import { decodeDelete, encodeDelete } from "./delete.js";
import { decodeEap, encodeEap } from "./eap.js";
import { decodeId, encodeId } from "./id.js";
import { decodeKe, encodeKe } from "./ke.js";
import { decodeNonce, encodeNonce } from "./nonce.js";
import { decodeNotify, encodeNotify } from "./notify.js";
import type { Payload, UnknownPayload } from "./payloads.js";
import { decodeSa, encodeSa } from "./sa.js";
import { decodeSk, decodeSkf, encodeSk, encodeSkf } from "./sk.js";
import { decodeTs, encodeTs } from "./ts.js";
import { decodeVendor, encodeVendor } from "./vendor.js";

/** True for a payload kept raw because its type is not modelled here. */
export function isUnknownPayload(p: Payload): p is UnknownPayload {
  return "unknown" in p;
}

/**
 * Decodes the body of a payload of type `type`, a type not modelled here giving an
 * UnknownPayload. `next` is the generic header's Next Payload (needed by SK and SKF, where it
 * names the first inner payload).
 */
export function decodeBody(type: number, next: number, critical: boolean, r: ByteReader): Result<Payload, CodecError> {
  switch (type) {
    case PayloadType.SA: return decodeSa(r, critical);
    case PayloadType.KE: return decodeKe(r, critical);
    case PayloadType.IDi:
    case PayloadType.IDr: return decodeId(type, r, critical);
    case PayloadType.CERT: return decodeCert(r, critical);
    case PayloadType.CERTREQ: return decodeCertReq(r, critical);
    case PayloadType.AUTH: return decodeAuth(r, critical);
    case PayloadType.NONCE: return decodeNonce(r, critical);
    case PayloadType.NOTIFY: return decodeNotify(r, critical);
    case PayloadType.DELETE: return decodeDelete(r, critical);
    case PayloadType.VENDOR: return decodeVendor(r, critical);
    case PayloadType.TSi:
    case PayloadType.TSr: return decodeTs(type, r, critical);
    case PayloadType.SK: return decodeSk(next, r, critical);
    case PayloadType.CP: return decodeCp(r, critical);
    case PayloadType.EAP: return decodeEap(r, critical);
    case PayloadType.SKF: return decodeSkf(next, r, critical);
    default: return ok({ type, critical, body: r.rest().slice(), unknown: true });
  }
}

/** Encodes the body (after the generic header) of any payload. */
export function encodeBody(p: Payload): Uint8Array {
  if (isUnknownPayload(p)) return p.body.slice();
  switch (p.type) {
    case PayloadType.SA: return encodeSa(p);
    case PayloadType.KE: return encodeKe(p);
    case PayloadType.IDi:
    case PayloadType.IDr: return encodeId(p);
    case PayloadType.CERT:
    case PayloadType.CERTREQ: return encodeCert(p);
    case PayloadType.AUTH: return encodeAuth(p);
    case PayloadType.NONCE: return encodeNonce(p);
    case PayloadType.NOTIFY: return encodeNotify(p);
    case PayloadType.DELETE: return encodeDelete(p);
    case PayloadType.VENDOR: return encodeVendor(p);
    case PayloadType.TSi:
    case PayloadType.TSr: return encodeTs(p);
    case PayloadType.SK: return encodeSk(p);
    case PayloadType.CP: return encodeCp(p);
    case PayloadType.EAP: return encodeEap(p);
    case PayloadType.SKF: return encodeSkf(p);
  }
}
