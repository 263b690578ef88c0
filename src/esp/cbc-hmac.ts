/**
 * ENCR_AES_CBC (RFC 3602) with AUTH_HMAC_SHA2_256_128 (RFC 4868) for ESP, encrypt-then-MAC:
 *
 *   packet = SPI | Seq | IV (16) | AES-CBC(payload | padding | padLength | nextHeader) | ICV (16)
 *   ICV    = first 16 octets of HMAC-SHA-256(K_a, SPI | Seq | IV | ciphertext [| Seq High])
 *
 * With ESN the high 32 bits of the sequence number are appended after the payload for the ICV
 * computation only, never sent (RFC 4303 §2.2.1, §3.3.2.1).
 *
 * One CBC context per direction lives as long as the SA, so no packet pays for createCipheriv.
 * CBC state carries over between update() calls, and we use that:
 * - Sending: we feed R | plaintext, R a fresh random block. The first output block,
 *   E(R xor C_last), is the packet's IV and the rest is exactly CBC(plaintext) under that IV.
 *   The IV is the block cipher applied to a secret random value, so it is unpredictable, as
 *   RFC 3602 §2.3 requires (NIST SP 800-38A Appendix C generates CBC IVs the same way).
 * - Receiving: we feed IV | ciphertext and drop the first output block: block i of the rest is
 *   D(C_i) xor C_(i-1) with C_0 = IV, i.e. plain CBC decryption under that IV.
 * Both contexts run without padding (RFC 4303 pads), and only whole blocks ever enter them, so
 * the chaining state stays block-aligned.
 */
import { createCipheriv, createDecipheriv, createHmac, randomFillSync, timingSafeEqual, type Cipher, type Decipher } from "node:crypto";
import { asBytes, sharedPlaintext, writeU32 } from "./bytes.js";
import { ESP_HEADER_BYTES, ESP_ICV_BYTES } from "./constants.js";
import type { EspTransform } from "./transform.js";
import { writeEspPlaintext } from "./trailer.js";

const AES_BLOCK_BYTES = 16;
/** Random blocks for 256 packets per randomFillSync call. */
const RANDOM_POOL_BYTES = 4096;

/** Long-lived AES-CBC contexts for one key (see the file comment for how IVs are handled). */
export interface CbcChain {
  /**
   * Encrypts `input` = R | plaintext, R one secret random block and plaintext whole blocks, and
   * returns IV | ciphertext of the same length: CBC(plaintext) under the IV it starts with.
   */
  encrypt(input: Uint8Array): Uint8Array;
  /** Decrypts IV | ciphertext (whole blocks) and returns the plaintext (one block shorter). */
  decrypt(ivAndCiphertext: Uint8Array): Uint8Array;
}

/** @param key a 16- or 32-octet AES key. */
export function createCbcChain(key: Uint8Array): CbcChain {
  const algorithm = key.length === 16 ? "aes-128-cbc" : "aes-256-cbc";
  const initialState = randomFillSync(new Uint8Array(AES_BLOCK_BYTES));
  const cipher: Cipher = createCipheriv(algorithm, key, initialState).setAutoPadding(false);
  const decipher: Decipher = createDecipheriv(algorithm, key, initialState).setAutoPadding(false);
  return {
    encrypt: (input) => asBytes(cipher.update(input)),
    decrypt: (ivAndCiphertext) => asBytes(decipher.update(ivAndCiphertext)).subarray(AES_BLOCK_BYTES),
  };
}

/**
 * AUTH_HMAC_SHA2_256_128 (RFC 4868 §2.3): HMAC-SHA-256 truncated to its first 16 octets, over
 * `authenticated` followed by `esnHigh` when given.
 */
export function icvHmacSha256128(key: Uint8Array, authenticated: Uint8Array, esnHigh?: Uint8Array): Uint8Array {
  const hmac = createHmac("sha256", key).update(authenticated);
  if (esnHigh) hmac.update(esnHigh);
  return asBytes(hmac.digest()).subarray(0, ESP_ICV_BYTES);
}

/**
 * @param encrKey 16 or 32 octets (AES-128/256-CBC).
 * @param integKey 32 octets (RFC 4868 §2.1.1: key length = hash output length).
 */
export function createCbcHmacTransform(encrKey: Uint8Array, integKey: Uint8Array, esn: boolean): EspTransform {
  const chain = createCbcChain(encrKey);
  const authKey = integKey.slice();
  const seqHiBytes = new Uint8Array(4);
  // Allocated on the first packet sent: an inbound SA, or an idle one, never needs it.
  let random: Uint8Array | undefined;
  let randomUsed = RANDOM_POOL_BYTES;

  function icv(authenticated: Uint8Array, seqHi: number): Uint8Array {
    if (!esn) return icvHmacSha256128(authKey, authenticated);
    writeU32(seqHiBytes, 0, seqHi);
    return icvHmacSha256128(authKey, authenticated, seqHiBytes);
  }

  return {
    ivBytes: AES_BLOCK_BYTES,
    icvBytes: ESP_ICV_BYTES,
    alignBytes: AES_BLOCK_BYTES,
    blockBytes: AES_BLOCK_BYTES,

    seal(packet, payload, padLength, nextHeader, seqHi) {
      const icvOffset = packet.length - ESP_ICV_BYTES;
      const inputBytes = icvOffset - ESP_HEADER_BYTES; // R | plaintext, becomes IV | ciphertext
      const buf = sharedPlaintext().get(inputBytes);
      if (!random || randomUsed === RANDOM_POOL_BYTES) {
        random = randomFillSync(random ?? new Uint8Array(RANDOM_POOL_BYTES));
        randomUsed = 0;
      }
      buf.set(random.subarray(randomUsed, randomUsed + AES_BLOCK_BYTES));
      random.fill(0, randomUsed, randomUsed + AES_BLOCK_BYTES);
      randomUsed += AES_BLOCK_BYTES;
      writeEspPlaintext(buf, AES_BLOCK_BYTES, payload, padLength, nextHeader);
      packet.set(chain.encrypt(buf.subarray(0, inputBytes)), ESP_HEADER_BYTES);
      buf.fill(0, 0, inputBytes);
      packet.set(icv(packet.subarray(0, icvOffset), seqHi), icvOffset);
    },

    open(packet, seqHi) {
      const icvOffset = packet.length - ESP_ICV_BYTES;
      // Verify before decrypting (RFC 4303 §3.4.4.1), in constant time.
      if (!timingSafeEqual(icv(packet.subarray(0, icvOffset), seqHi), packet.subarray(icvOffset))) return undefined;
      return chain.decrypt(packet.subarray(ESP_HEADER_BYTES, icvOffset));
    },

    wipe() {
      authKey.fill(0);
      random?.fill(0);
    },
  };
}
