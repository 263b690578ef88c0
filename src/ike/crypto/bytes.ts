/**
 * Byte helpers shared by the IKE crypto modules: the Uint8Array <-> Buffer edge of node:crypto,
 * constant-time comparison and fixed-width left padding.
 */
import { timingSafeEqual } from "node:crypto";

/** A Uint8Array view of a Buffer returned by node:crypto (no copy). */
export function fromBuffer(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A Buffer view of a Uint8Array for node:crypto inputs (no copy). */
export function toBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/**
 * Constant-time equality for ICVs and AUTH values. The length check is not secret: lengths are
 * fixed by the negotiated algorithm and visible on the wire.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Left-pads a big-endian integer with zero octets to `length` (RFC 7296 §3.4: KE data and g^ir
 * are as long as the modulus). @throws RangeError if `value` is already longer (programmer error).
 */
export function leftPad(value: Uint8Array, length: number): Uint8Array {
  if (value.length > length) throw new RangeError(`value of ${value.length} octets exceeds ${length}`);
  const out = new Uint8Array(length);
  out.set(value, length - value.length);
  return out;
}

/**
 * Overwrites key buffers with zeros (key zeroization when an SA is deleted or a temporary is no
 * longer needed). Undefined entries are skipped so optional keys (e.g. no SK_a with AEAD) can be
 * passed as they are. Copies held inside node:crypto objects are out of reach of JavaScript.
 */
export function wipe(...bufs: readonly (Uint8Array | undefined)[]): void {
  for (const b of bufs) b?.fill(0);
}
