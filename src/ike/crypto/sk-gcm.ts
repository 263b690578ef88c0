/**
 * SK payload with ENCR_AES_GCM_16 (RFC 5282):
 * - key material = AES key | 4-octet salt (RFC 5282 §7.1, as RFC 4106 §8.1);
 * - nonce = salt | 8-octet IV, the IV carried at the start of the body (§4);
 * - AAD = IKE header | SK generic payload header (§5.1), the caller's `aad`;
 * - ICV = the 16-octet GCM tag; no separate integrity transform (§8).
 * §3.1: "the IV MUST NOT repeat for a given key". The IV is a 64-bit counter that starts at a
 * random value for each SkCipher and steps by one per message, so it repeats only after 2^64
 * messages; random start values keep IVs unpredictable across SAs. GCM needs no block alignment,
 * so the block size is 1 and the Pad Length is 0.
 */
import { randomBytes } from "node:crypto";
import { concatBytes } from "../../wire/hex.js";
import { aesGcmOpen, aesGcmSeal, GCM_TAG_LENGTH } from "./aes-gcm.js";
import { wipe } from "./bytes.js";
import type { SkCipher } from "./sk-cipher.js";
import { addIkePadding, stripIkePadding } from "./sk-padding.js";

/** Salt octets at the end of the key material (RFC 5282 §7.1). */
export const GCM_SALT_LENGTH = 4;
/** IV octets in the body (RFC 5282 §3.1). */
const GCM_IV_LENGTH = 8;
const UINT64_MASK = (1n << 64n) - 1n;

/** An SkCipher over a copy of `keyMaterial` = AES key | salt (length checked by the caller). */
export function createGcm(keyMaterial: Uint8Array): SkCipher {
  const copy = keyMaterial.slice();
  const key = copy.subarray(0, keyMaterial.length - GCM_SALT_LENGTH);
  const salt = copy.subarray(keyMaterial.length - GCM_SALT_LENGTH);
  let counter = randomBytes(GCM_IV_LENGTH).readBigUInt64BE(0);
  let wiped = false;
  const nextIv = (): Uint8Array => {
    const iv = new Uint8Array(GCM_IV_LENGTH);
    new DataView(iv.buffer).setBigUint64(0, counter);
    counter = (counter + 1n) & UINT64_MASK;
    return iv;
  };
  return {
    ivLength: GCM_IV_LENGTH,
    icvLength: GCM_TAG_LENGTH,
    blockLength: 1,
    bodyLength: (innerLength) => GCM_IV_LENGTH + innerLength + 1 + GCM_TAG_LENGTH,
    seal(aad, plaintext) {
      if (wiped) throw new Error("SkCipher used after wipe()");
      const iv = nextIv();
      const padded = addIkePadding(plaintext, 1);
      const { ciphertext, tag } = aesGcmSeal(key, concatBytes(salt, iv), aad, padded);
      wipe(padded);
      return concatBytes(iv, ciphertext, tag);
    },
    open(aad, body) {
      // At least the Pad Length octet must be encrypted.
      if (wiped || body.length < GCM_IV_LENGTH + 1 + GCM_TAG_LENGTH) return undefined;
      const iv = body.subarray(0, GCM_IV_LENGTH);
      const ciphertext = body.subarray(GCM_IV_LENGTH, body.length - GCM_TAG_LENGTH);
      const tag = body.subarray(body.length - GCM_TAG_LENGTH);
      const decrypted = aesGcmOpen(key, concatBytes(salt, iv), aad, ciphertext, tag);
      return decrypted === undefined ? undefined : stripIkePadding(decrypted);
    },
    wipe() {
      wiped = true;
      wipe(key, salt);
    },
  };
}
