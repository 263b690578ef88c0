/**
 * The AES-GCM primitive (NIST SP 800-38D) with a 96-bit nonce and a 128-bit tag, as used by the
 * IKEv2 SK payload with ENCR_AES_GCM_16 (RFC 5282) and by ESP (RFC 4106): nonce = 4-octet salt |
 * 8-octet IV. Kept separate so the NIST CAVS vectors test exactly the code sk-gcm.ts runs.
 */
import { createCipheriv, createDecipheriv, type CipherGCMTypes } from "node:crypto";
import { fromBuffer } from "./bytes.js";

/** GCM nonce length: salt | IV (RFC 5282 §4, RFC 4106 §4). */
export const GCM_NONCE_LENGTH = 12;
/** Tag (ICV) length of the _16 variants (RFC 5282 §8: ENCR_AES_GCM_16). */
export const GCM_TAG_LENGTH = 16;

function algorithm(key: Uint8Array): CipherGCMTypes {
  switch (key.length) {
    case 16:
      return "aes-128-gcm";
    case 24:
      return "aes-192-gcm";
    case 32:
      return "aes-256-gcm";
    default:
      throw new RangeError(`AES key of ${key.length} octets`);
  }
}

/** update() | final(): GCM is a stream mode, so final() gives nothing and no copy is needed. */
function joined(head: Buffer, tail: Buffer): Buffer {
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== GCM_NONCE_LENGTH) throw new RangeError(`GCM nonce of ${nonce.length} octets, expected ${GCM_NONCE_LENGTH}`);
}

/**
 * AES-GCM encryption: ciphertext and the 16-octet tag.
 * @throws RangeError on a key that is not 16/24/32 octets or a nonce that is not 12 (programmer error).
 */
export function aesGcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } {
  checkNonce(nonce);
  const cipher = createCipheriv(algorithm(key), key, nonce, { authTagLength: GCM_TAG_LENGTH });
  cipher.setAAD(aad);
  return { ciphertext: fromBuffer(joined(cipher.update(plaintext), cipher.final())), tag: fromBuffer(cipher.getAuthTag()) };
}

/**
 * AES-GCM decryption: the plaintext, or undefined if the tag does not verify or is not 16 octets
 * (a shorter tag would be accepted by OpenSSL otherwise). Never throws on bad ciphertext or tag.
 * @throws RangeError on a bad key or nonce length (programmer error).
 */
export function aesGcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
  checkNonce(nonce);
  const decipher = createDecipheriv(algorithm(key), key, nonce, { authTagLength: GCM_TAG_LENGTH });
  // Checked after createDecipheriv so that a bad key is still reported as a programmer error.
  if (tag.length !== GCM_TAG_LENGTH) return undefined;
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const head = decipher.update(ciphertext);
  try {
    // final() verifies the tag (in constant time inside OpenSSL) and throws on mismatch.
    return fromBuffer(joined(head, decipher.final()));
  } catch {
    head.fill(0);
    return undefined;
  }
}
