/**
 * Whole-message protection with the SK payload (RFC 7296 §3.14): the IKE header and the SK generic
 * header are the associated data (GCM, RFC 5282 §5.1) or fall under the ICV (CBC + HMAC). A message
 * may also go as SKF fragments (RFC 7383 §2.5), each protected the same way on its own, with the
 * Fragment Number and Total Fragments fields among the authenticated octets.
 */
import { writeIkeHeader } from "./codec/header.js";
import { decodePayloads, encodeGenericHeader, encodePayloads } from "./codec/message.js";
import type { IkeHeader, IkeMessage, Payload, SkfPayload, SkPayload } from "./codec/payloads.js";
import { SKF_FRAGMENT_FIELDS_LENGTH } from "./codec/sk.js";
import type { SkCipher } from "./crypto/sk-cipher.js";
import { GENERIC_PAYLOAD_HEADER_LENGTH, IKE_HEADER_LENGTH, IKE_VERSION, PayloadType } from "./registry.js";
import { concatBytes } from "../wire/hex.js";
import type { CodecError } from "../wire/codec-error.js";

export type HeaderFields = Pick<IkeHeader, "spiI" | "spiR" | "exchangeType" | "flags" | "messageId">;

const NO_FRAGMENT_FIELDS = new Uint8Array(0);

/** HDR, SK { inner } (or HDR, SKF { inner } with its fragment fields), sealed with `cipher`. */
function seal(h: HeaderFields, outer: number, innerFirst: number, fragmentFields: Uint8Array, inner: Uint8Array, cipher: SkCipher): Uint8Array {
  const payloadLength = GENERIC_PAYLOAD_HEADER_LENGTH + fragmentFields.length + cipher.bodyLength(inner.length);
  const aad = new Uint8Array(IKE_HEADER_LENGTH + GENERIC_PAYLOAD_HEADER_LENGTH + fragmentFields.length);
  // Field by field rather than { ...h, ... }: V8 (Node 20) takes a slow path for a spread followed by more properties.
  writeIkeHeader(aad, 0, {
    spiI: h.spiI, spiR: h.spiR, exchangeType: h.exchangeType, flags: h.flags, messageId: h.messageId,
    version: IKE_VERSION, nextPayload: outer, length: IKE_HEADER_LENGTH + payloadLength,
  });
  aad.set(encodeGenericHeader(innerFirst, false, payloadLength), IKE_HEADER_LENGTH);
  aad.set(fragmentFields, IKE_HEADER_LENGTH + GENERIC_PAYLOAD_HEADER_LENGTH);
  return concatBytes(aad, cipher.seal(aad, inner));
}

/** Builds HDR, SK { payloads } sealed with `cipher`. */
export function sealMessage(h: HeaderFields, payloads: readonly Payload[], cipher: SkCipher): Uint8Array {
  return seal(h, PayloadType.SK, payloads[0]?.type ?? PayloadType.NONE, NO_FRAGMENT_FIELDS, encodePayloads(payloads), cipher);
}

/** The most inner octets whose sealed body fits in `room` octets (0 if none does). */
function largestChunk(cipher: SkCipher, room: number): number {
  let chunk = room - cipher.ivLength - cipher.icvLength - 1;
  while (chunk > 0 && cipher.bodyLength(chunk) > room) chunk--;
  return Math.max(0, chunk);
}

/**
 * The message as datagrams of at most `maxMessage` octets each (IKE header to ICV): one SK message
 * when it fits, else SKF fragments (RFC 7383 §2.5): the encoded inner payloads cut in order, the
 * first fragment's Next Payload the type of the first inner payload, the others' 0. A limit too
 * small for one inner octet per fragment sends the message whole (the configured size is checked).
 */
export function sealFragments(h: HeaderFields, payloads: readonly Payload[], cipher: SkCipher, maxMessage: number): Uint8Array[] {
  const inner = encodePayloads(payloads);
  const first = payloads[0]?.type ?? PayloadType.NONE;
  const fixed = IKE_HEADER_LENGTH + GENERIC_PAYLOAD_HEADER_LENGTH;
  const whole = (): Uint8Array[] => [seal(h, PayloadType.SK, first, NO_FRAGMENT_FIELDS, inner, cipher)];
  // Most messages fit: the chunk size is worked out only for those that do not.
  if (fixed + cipher.bodyLength(inner.length) <= maxMessage) return whole();
  const chunk = largestChunk(cipher, maxMessage - fixed - SKF_FRAGMENT_FIELDS_LENGTH);
  if (chunk === 0) return whole();
  const total = Math.ceil(inner.length / chunk);
  const out: Uint8Array[] = [];
  for (let n = 1; n <= total; n++) {
    const fields = new Uint8Array([n >> 8, n & 0xff, total >> 8, total & 0xff]);
    out.push(seal(h, PayloadType.SKF, n === 1 ? first : PayloadType.NONE, fields, inner.subarray((n - 1) * chunk, n * chunk), cipher));
  }
  return out;
}

export type OpenFailure = { readonly kind: "no-sk" } | { readonly kind: "icv" } | { readonly kind: "codec"; readonly error: CodecError };

/** The last payload if it is SK or SKF, with its associated data: every octet of `raw` before its IV. */
function protectedPayload<T extends SkPayload | SkfPayload>(raw: Uint8Array, msg: IkeMessage, type: T["type"]): { payload: T; aad: Uint8Array } | undefined {
  const last = msg.payloads.at(-1);
  if (!last || last.type !== type || "unknown" in last) return undefined;
  const payload = last as T;
  return { payload, aad: raw.subarray(0, msg.header.length - payload.body.length) };
}

/**
 * Verifies and decrypts the SK payload of a decoded message; `raw` is the message as received.
 * RFC 7296 §2.21: a message that fails the integrity check is dropped silently by the caller.
 */
export function openMessage(raw: Uint8Array, msg: IkeMessage, cipher: SkCipher): { ok: true; payloads: Payload[] } | { ok: false; failure: OpenFailure } {
  const sk = protectedPayload<SkPayload>(raw, msg, PayloadType.SK);
  if (!sk) return { ok: false, failure: { kind: "no-sk" } };
  const inner = cipher.open(sk.aad, sk.payload.body);
  if (!inner) return { ok: false, failure: { kind: "icv" } };
  const decoded = decodePayloads(sk.payload.innerFirst, inner, sk.aad.length);
  if (!decoded.ok) return { ok: false, failure: { kind: "codec", error: decoded.error } };
  return { ok: true, payloads: [...msg.payloads.slice(0, -1), ...decoded.value] };
}

/** One verified, decrypted fragment (RFC 7383 §2.6): its place, and its share of the inner payload octets. */
export interface OpenedFragment {
  readonly number: number;
  readonly total: number;
  /** The first inner payload's type: meaningful in fragment 1 only. */
  readonly innerFirst: number;
  readonly inner: Uint8Array;
  /** Unprotected payloads before the SKF payload. */
  readonly outer: readonly Payload[];
}

/** Verifies and decrypts one SKF fragment (RFC 7383 §2.6: each fragment is checked on its own). */
export function openFragment(raw: Uint8Array, msg: IkeMessage, cipher: SkCipher): { ok: true; fragment: OpenedFragment } | { ok: false; failure: OpenFailure } {
  const skf = protectedPayload<SkfPayload>(raw, msg, PayloadType.SKF);
  if (!skf) return { ok: false, failure: { kind: "no-sk" } };
  const inner = cipher.open(skf.aad, skf.payload.body);
  if (!inner) return { ok: false, failure: { kind: "icv" } };
  const p = skf.payload;
  return { ok: true, fragment: { number: p.fragmentNumber, total: p.totalFragments, innerFirst: p.innerFirst, inner, outer: msg.payloads.slice(0, -1) } };
}
