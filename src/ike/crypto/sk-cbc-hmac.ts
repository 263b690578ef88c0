/**
 * SK payload with ENCR_AES_CBC (RFC 3602, RFC 7296 §3.14) and an HMAC integrity algorithm:
 * encrypt-then-MAC. "The Integrity Checksum Data is the cryptographic checksum of the entire
 * message starting with the Fixed IKE header through the Pad Length" (§3.14), i.e.
 * ICV = trunc(HMAC(SK_a, aad | IV | ciphertext)). The IV is 16 random octets per message
 * ("MUST be chosen at random and MUST be unpredictable", §3.14).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { concatBytes } from "../../wire/hex.js";
import { constantTimeEqual, fromBuffer, wipe } from "./bytes.js";
import type { Integ } from "./integ.js";
import type { SkCipher } from "./sk-cipher.js";
import { addIkePadding, ikePaddingLength, stripIkePadding } from "./sk-padding.js";

const AES_BLOCK_LENGTH = 16;

/** Raw AES-CBC without OpenSSL's PKCS#7 padding (IKE pads itself). */
function aesCbc(encrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const algorithm = `aes-${8 * key.length}-cbc`;
  const c = encrypt ? createCipheriv(algorithm, key, iv) : createDecipheriv(algorithm, key, iv);
  c.setAutoPadding(false);
  return fromBuffer(Buffer.concat([c.update(data), c.final()]));
}

/** An SkCipher over copies of the AES key (16/24/32 octets, checked by the caller) and integrity key. */
export function createCbcHmac(encrKey: Uint8Array, integ: Integ, integKey: Uint8Array): SkCipher {
  const SK_e = encrKey.slice();
  const SK_a = integKey.slice();
  let wiped = false;
  return {
    ivLength: AES_BLOCK_LENGTH,
    icvLength: integ.icvLength,
    blockLength: AES_BLOCK_LENGTH,
    bodyLength: (innerLength) => AES_BLOCK_LENGTH + innerLength + ikePaddingLength(innerLength, AES_BLOCK_LENGTH) + 1 + integ.icvLength,
    seal(aad, plaintext) {
      if (wiped) throw new Error("SkCipher used after wipe()");
      const padded = addIkePadding(plaintext, AES_BLOCK_LENGTH);
      const iv = fromBuffer(randomBytes(AES_BLOCK_LENGTH));
      const ciphertext = aesCbc(true, SK_e, iv, padded);
      wipe(padded);
      return concatBytes(iv, ciphertext, integ.compute(SK_a, aad, iv, ciphertext));
    },
    open(aad, body) {
      const encryptedLength = body.length - AES_BLOCK_LENGTH - integ.icvLength;
      if (wiped || encryptedLength < AES_BLOCK_LENGTH || encryptedLength % AES_BLOCK_LENGTH !== 0) return undefined;
      const iv = body.subarray(0, AES_BLOCK_LENGTH);
      const ciphertext = body.subarray(AES_BLOCK_LENGTH, AES_BLOCK_LENGTH + encryptedLength);
      const icv = body.subarray(AES_BLOCK_LENGTH + encryptedLength);
      // Verify before decrypting (encrypt-then-MAC): nothing unauthenticated reaches the cipher.
      if (!constantTimeEqual(integ.compute(SK_a, aad, iv, ciphertext), icv)) return undefined;
      return stripIkePadding(aesCbc(false, SK_e, iv, ciphertext));
    },
    wipe() {
      wiped = true;
      wipe(SK_e, SK_a);
    },
  };
}
