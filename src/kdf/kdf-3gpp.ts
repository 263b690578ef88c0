/**
 * The 3GPP generic key derivation function, TS 33.220 Annex B.2:
 *   S = FC || P0 || L0 || P1 || L1 || ... || Pn || Ln      (each Li: 2-octet big-endian length of Pi)
 *   derived key = HMAC-SHA-256(Key, S)
 * Used by every TS 33.401 Annex A derivation, the LWIP-PSK among them.
 */
import { createHmac } from "node:crypto";

/** Largest parameter length that fits the 2-octet Li field (TS 33.220 B.2.0). */
export const KDF_MAX_PARAMETER_LENGTH = 0xffff;

/** Builds S from FC (one octet) and the parameters P0..Pn. @throws RangeError on an FC or a Pi out of range. */
export function buildKdfInput(fc: number, parameters: readonly Uint8Array[]): Uint8Array {
  if (!Number.isInteger(fc) || fc < 0 || fc > 0xfe) throw new RangeError(`FC must be one octet below 0xFF, got ${fc}`);
  let size = 1;
  for (const p of parameters) {
    if (p.length > KDF_MAX_PARAMETER_LENGTH) throw new RangeError(`KDF parameter of ${p.length} octets is too long`);
    size += p.length + 2;
  }
  const s = new Uint8Array(size);
  s[0] = fc;
  let at = 1;
  for (const p of parameters) {
    s.set(p, at);
    at += p.length;
    s[at] = p.length >> 8;
    s[at + 1] = p.length & 0xff;
    at += 2;
  }
  return s;
}

/** KDF(Key, S) = HMAC-SHA-256(Key, S): a 256-bit derived key (TS 33.220 B.2.0). */
export function kdf3gpp(key: Uint8Array, fc: number, parameters: readonly Uint8Array[]): Uint8Array {
  const mac = createHmac("sha256", key).update(buildKdfInput(fc, parameters)).digest();
  return new Uint8Array(mac.buffer, mac.byteOffset, mac.byteLength);
}
