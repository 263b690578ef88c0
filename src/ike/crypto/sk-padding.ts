/**
 * Padding inside the Encrypted payload (RFC 7296 §3.14):
 *
 *   Payloads | Padding (0-255 octets) | Pad Length (1 octet)
 *
 * "the combination of the Payloads, the Padding, and the Pad Length [is] a multiple of the block
 * size"; "the Padding MAY contain any value chosen by the sender" and the receiver ignores it.
 * We send the minimum number of zero octets.
 */

/** Number of Padding octets making inner | Padding | Pad Length a multiple of `blockLength`. */
export function ikePaddingLength(innerLength: number, blockLength: number): number {
  return (blockLength - ((innerLength + 1) % blockLength)) % blockLength;
}

/** inner | zero Padding | Pad Length, ready for encryption. */
export function addIkePadding(inner: Uint8Array, blockLength: number): Uint8Array {
  const padLength = ikePaddingLength(inner.length, blockLength);
  const out = new Uint8Array(inner.length + padLength + 1);
  out.set(inner, 0);
  out[out.length - 1] = padLength;
  return out;
}

/**
 * The payloads before the Padding of a decrypted body, or undefined if the Pad Length octet is
 * missing or claims more octets than there are (Pad Length must be below the decrypted length).
 */
export function stripIkePadding(decrypted: Uint8Array): Uint8Array | undefined {
  const padLength = decrypted[decrypted.length - 1];
  if (padLength === undefined || padLength >= decrypted.length) return undefined;
  return decrypted.subarray(0, decrypted.length - 1 - padLength);
}
