/** Shared helpers for the IKE certificate-authentication tests. */
import { concatBytes } from "../../../src/wire/hex.js";

/** A copy of `bytes` with bit 0 of octet `index` flipped. */
export function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ 1;
  return copy;
}

/**
 * ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3) from fixed-length r|s,
 * written out here by hand (short-form lengths suffice up to P-384) so the tests do not reuse
 * the code under test.
 */
export function rawToDerSignature(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const integer = (v: Uint8Array): Uint8Array => {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const body = (v[i] ?? 0) >= 0x80 ? concatBytes(Uint8Array.of(0), v.subarray(i)) : v.subarray(i);
    return concatBytes(Uint8Array.of(0x02, body.length), body);
  };
  const content = concatBytes(integer(raw.subarray(0, half)), integer(raw.subarray(half)));
  return concatBytes(Uint8Array.of(0x30, content.length), content);
}

/** The inverse of rawToDerSignature for a `size`-octet curve order. */
export function derToRawSignature(der: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(2 * size);
  let at = 2;
  for (const slot of [0, 1]) {
    const length = der[at + 1] ?? 0;
    const value = der.subarray(at + 2, at + 2 + length);
    const trimmed = value.length > size ? value.subarray(value.length - size) : value;
    out.set(trimmed, slot * size + size - trimmed.length);
    at += 2 + length;
  }
  return out;
}
