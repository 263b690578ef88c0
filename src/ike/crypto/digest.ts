/**
 * Non-secret hashes and randomness the IKE engine needs outside the cipher suites: NAT detection
 * hashes (SHA-1, RFC 7296 §2.23), cookies (RFC 7296 §2.6), SPIs and nonces.
 */
import { createHash, createHmac, randomBytes as nodeRandomBytes } from "node:crypto";

export function sha1(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash("sha1");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function hmacSha256(key: Uint8Array, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function randomBytes(n: number): Uint8Array {
  return new Uint8Array(nodeRandomBytes(n));
}
