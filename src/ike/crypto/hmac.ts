/**
 * HMAC (RFC 2104) over node:crypto: the one primitive behind the IKEv2 PRFs (RFC 4868 §2,
 * RFC 2404) and the HMAC integrity algorithms (RFC 4868 §2.3, RFC 2404), so both share one path.
 */
import { createHmac } from "node:crypto";
import { fromBuffer } from "./bytes.js";

/** The node:crypto digest names used by the IKEv2 HMAC transforms. */
export type HmacHash = "sha1" | "sha256" | "sha384" | "sha512";

/** Full-length HMAC(key, data...) with the data parts fed in order (no concatenation copy). */
export function hmac(hash: HmacHash, key: Uint8Array, ...data: readonly Uint8Array[]): Uint8Array {
  const h = createHmac(hash, key);
  for (const part of data) h.update(part);
  return fromBuffer(h.digest());
}
