/**
 * The ESP payload trailer: Padding | Pad Length | Next Header (RFC 4303 §2.4-2.6).
 *
 * "If Padding bytes are needed but the encryption algorithm does not specify the padding
 * contents, then the following default processing MUST be used. The Padding bytes are
 * initialized with a series of (unsigned, 1-byte) integer values. The first padding byte appended
 * to the plaintext is numbered 1, with subsequent padding bytes making up a monotonically
 * increasing sequence" (§2.4). Neither AES-CBC (RFC 3602 §2.4) nor AES-GCM (RFC 4106 §3.2)
 * specifies padding contents, so both use this default, and the receiver checks it.
 */
import { ESP_TRAILER_BYTES } from "./constants.js";

/**
 * How many padding octets make Payload | Padding | Pad Length | Next Header a multiple of
 * `alignBytes` (the cipher block size, and at least 4 so the ICV is 4-octet aligned, §2.4).
 */
export function padLengthFor(payloadBytes: number, alignBytes: number): number {
  const rem = (payloadBytes + ESP_TRAILER_BYTES) % alignBytes;
  return rem === 0 ? 0 : alignBytes - rem;
}

/**
 * Writes payload | 1, 2, ..., padLength | padLength | nextHeader into `dst` at `offset` and
 * returns the offset after it.
 */
export function writeEspPlaintext(
  dst: Uint8Array,
  offset: number,
  payload: Uint8Array,
  padLength: number,
  nextHeader: number,
): number {
  dst.set(payload, offset);
  let o = offset + payload.length;
  for (let i = 1; i <= padLength; i++) dst[o++] = i;
  dst[o++] = padLength;
  dst[o++] = nextHeader;
  return o;
}

/**
 * Length of the Payload Data in a decrypted `plaintext` (payload | padding | pad length | next
 * header), or -1 if the Pad Length overruns it or the padding is not 1, 2, 3, ... (§2.4).
 */
export function espPayloadLength(plaintext: Uint8Array): number {
  const n = plaintext.length;
  if (n < ESP_TRAILER_BYTES) return -1;
  const padLength = plaintext[n - 2] ?? 0;
  const payloadBytes = n - ESP_TRAILER_BYTES - padLength;
  if (payloadBytes < 0) return -1;
  for (let i = 0; i < padLength; i++) {
    if (plaintext[payloadBytes + i] !== i + 1) return -1;
  }
  return payloadBytes;
}
