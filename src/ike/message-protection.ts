/**
 * Whole-message protection with the SK payload (RFC 7296 §3.14): the IKE header and the SK generic
 * header are the associated data (GCM, RFC 5282 §5.1) or fall under the ICV (CBC + HMAC).
 */
import { writeIkeHeader } from "./codec/header.js";
import { decodePayloads, encodeGenericHeader, encodePayloads } from "./codec/message.js";
import type { IkeHeader, IkeMessage, Payload, SkPayload } from "./codec/payloads.js";
import type { SkCipher } from "./crypto/sk-cipher.js";
import { GENERIC_PAYLOAD_HEADER_LENGTH, IKE_HEADER_LENGTH, IKE_VERSION, PayloadType } from "./registry.js";
import { concatBytes } from "../wire/hex.js";
import type { CodecError } from "../wire/codec-error.js";

export type HeaderFields = Pick<IkeHeader, "spiI" | "spiR" | "exchangeType" | "flags" | "messageId">;

/** Builds HDR, SK { payloads } sealed with `cipher`. */
export function sealMessage(h: HeaderFields, payloads: readonly Payload[], cipher: SkCipher): Uint8Array {
  const inner = encodePayloads(payloads);
  const skLength = GENERIC_PAYLOAD_HEADER_LENGTH + cipher.bodyLength(inner.length);
  const aad = new Uint8Array(IKE_HEADER_LENGTH + GENERIC_PAYLOAD_HEADER_LENGTH);
  // Field by field rather than { ...h, ... }: V8 (Node 20) takes a slow path for a spread followed by more properties.
  writeIkeHeader(aad, 0, {
    spiI: h.spiI, spiR: h.spiR, exchangeType: h.exchangeType, flags: h.flags, messageId: h.messageId,
    version: IKE_VERSION, nextPayload: PayloadType.SK, length: IKE_HEADER_LENGTH + skLength,
  });
  aad.set(encodeGenericHeader(payloads[0]?.type ?? PayloadType.NONE, false, skLength), IKE_HEADER_LENGTH);
  return concatBytes(aad, cipher.seal(aad, inner));
}

export type OpenFailure = { readonly kind: "no-sk" } | { readonly kind: "icv" } | { readonly kind: "codec"; readonly error: CodecError };

/**
 * Verifies and decrypts the SK payload of a decoded message; `raw` is the message as received.
 * RFC 7296 §2.21: a message that fails the integrity check is dropped silently by the caller.
 */
export function openMessage(raw: Uint8Array, msg: IkeMessage, cipher: SkCipher): { ok: true; payloads: Payload[] } | { ok: false; failure: OpenFailure } {
  const sk = msg.payloads.at(-1);
  if (!sk || sk.type !== PayloadType.SK || "unknown" in sk) return { ok: false, failure: { kind: "no-sk" } };
  const skPayload = sk as SkPayload;
  const end = msg.header.length;
  const skStart = end - GENERIC_PAYLOAD_HEADER_LENGTH - skPayload.body.length;
  const aad = raw.subarray(0, skStart + GENERIC_PAYLOAD_HEADER_LENGTH);
  const inner = cipher.open(aad, skPayload.body);
  if (!inner) return { ok: false, failure: { kind: "icv" } };
  const outer = msg.payloads.slice(0, -1);
  const decoded = decodePayloads(skPayload.innerFirst, inner, skStart + GENERIC_PAYLOAD_HEADER_LENGTH);
  if (!decoded.ok) return { ok: false, failure: { kind: "codec", error: decoded.error } };
  return { ok: true, payloads: [...outer, ...decoded.value] };
}
