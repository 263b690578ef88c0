/**
 * ENCR_AES_CBC (RFC 3602) with AUTH_HMAC_SHA2_256_128 (RFC 4868) for ESP, encrypt-then-MAC:
 *
 *   packet = SPI | Seq | IV (16) | AES-CBC(payload | padding | padLength | nextHeader) | ICV (16)
 *   ICV    = first 16 octets of HMAC-SHA-256(K_a, SPI | Seq | IV | ciphertext [| Seq High])
 *
 * With ESN the high 32 bits of the sequence number are appended after the payload for the ICV
 * computation only, never sent (RFC 4303 §2.2.1, §3.3.2.1).
 *
 * One CBC context per direction lives as long as the SA (made on its first packet), so no packet
 * pays for createCipheriv.
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
  /** Zeroes the key copy held in JavaScript; the contexts (OpenSSL memory) go with the object. */
  wipe(): void;
}

/**
 * Each context is made on its first use: an SA uses one direction only (outbound encrypts,
 * inbound decrypts), and an idle SA neither, while a node:crypto context costs about 1 KiB of
 * native memory. Until then the key is kept here, zeroed by wipe().
 */
class LazyCbcChain implements CbcChain {
  private readonly key: Uint8Array;
  private cipher: Cipher | undefined;
  private decipher: Decipher | undefined;

  constructor(key: Uint8Array, keys: "copy" | "share") {
    this.key = keys === "share" ? key : key.slice();
  }

  private get algorithm(): string {
    return this.key.length === 16 ? "aes-128-cbc" : "aes-256-cbc";
  }

  encrypt(input: Uint8Array): Uint8Array {
    this.cipher ??= createCipheriv(this.algorithm, this.key, randomFillSync(new Uint8Array(AES_BLOCK_BYTES))).setAutoPadding(false);
    return asBytes(this.cipher.update(input));
  }

  decrypt(ivAndCiphertext: Uint8Array): Uint8Array {
    this.decipher ??= createDecipheriv(this.algorithm, this.key, randomFillSync(new Uint8Array(AES_BLOCK_BYTES))).setAutoPadding(false);
    return asBytes(this.decipher.update(ivAndCiphertext)).subarray(AES_BLOCK_BYTES);
  }

  wipe(): void {
    this.key.fill(0);
  }
}

/** @param key a 16- or 32-octet AES key, copied unless `keys` is "share" (then used in place). */
export function createCbcChain(key: Uint8Array, keys: "copy" | "share" = "copy"): CbcChain {
  return new LazyCbcChain(key, keys);
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

/** The high half of the sequence number being authenticated: filled and used within one seal/open. */
const scratchSeqHi = new Uint8Array(4);

/** One SA direction's state, with methods on the prototype (a SeGW holds two per UE). */
class CbcHmacTransform implements EspTransform {
  private readonly chain: CbcChain;
  private readonly authKey: Uint8Array;
  // Allocated on the first packet sent: an inbound SA, or an idle one, never needs it.
  private random: Uint8Array | undefined;
  private randomUsed = RANDOM_POOL_BYTES;

  /** Whether the keys are copies of ours to zeroize, or (keys "share") the caller's, left to their owner. */
  private readonly ownsKeys: boolean;

  constructor(encrKey: Uint8Array, integKey: Uint8Array, private readonly esn: boolean, keys: "copy" | "share") {
    this.chain = createCbcChain(encrKey, keys);
    this.authKey = keys === "share" ? integKey : integKey.slice();
    this.ownsKeys = keys === "copy";
  }

  get ivBytes(): number {
    return AES_BLOCK_BYTES;
  }

  get icvBytes(): number {
    return ESP_ICV_BYTES;
  }

  get alignBytes(): number {
    return AES_BLOCK_BYTES;
  }

  get blockBytes(): number {
    return AES_BLOCK_BYTES;
  }

  private icv(authenticated: Uint8Array, seqHi: number): Uint8Array {
    if (!this.esn) return icvHmacSha256128(this.authKey, authenticated);
    writeU32(scratchSeqHi, 0, seqHi);
    return icvHmacSha256128(this.authKey, authenticated, scratchSeqHi);
  }

  /** One fresh secret random block R (see the file comment). */
  private randomBlock(): Uint8Array {
    if (!this.random || this.randomUsed === RANDOM_POOL_BYTES) {
      this.random = randomFillSync(this.random ?? new Uint8Array(RANDOM_POOL_BYTES));
      this.randomUsed = 0;
    }
    return this.random.subarray(this.randomUsed, (this.randomUsed += AES_BLOCK_BYTES));
  }

  seal(packet: Uint8Array, payload: Uint8Array, padLength: number, nextHeader: number, seqHi: number): void {
    const icvOffset = packet.length - ESP_ICV_BYTES;
    const inputBytes = icvOffset - ESP_HEADER_BYTES; // R | plaintext, becomes IV | ciphertext
    const buf = sharedPlaintext().get(inputBytes);
    const r = this.randomBlock();
    buf.set(r);
    r.fill(0);
    writeEspPlaintext(buf, AES_BLOCK_BYTES, payload, padLength, nextHeader);
    packet.set(this.chain.encrypt(buf.subarray(0, inputBytes)), ESP_HEADER_BYTES);
    buf.fill(0, 0, inputBytes);
    packet.set(this.icv(packet.subarray(0, icvOffset), seqHi), icvOffset);
  }

  open(packet: Uint8Array, seqHi: number): Uint8Array | undefined {
    const icvOffset = packet.length - ESP_ICV_BYTES;
    // Verify before decrypting (RFC 4303 §3.4.4.1), in constant time.
    if (!timingSafeEqual(this.icv(packet.subarray(0, icvOffset), seqHi), packet.subarray(icvOffset))) return undefined;
    return this.chain.decrypt(packet.subarray(ESP_HEADER_BYTES, icvOffset));
  }

  wipe(): void {
    if (this.ownsKeys) {
      this.chain.wipe();
      this.authKey.fill(0);
    }
    this.random?.fill(0);
  }
}

/**
 * @param encrKey 16 or 32 octets (AES-128/256-CBC).
 * @param integKey 32 octets (RFC 4868 §2.1.1: key length = hash output length).
 * @param keys "copy" (default), or "share": the transform uses the given octets in place and leaves
 *   their zeroization to their owner.
 */
export function createCbcHmacTransform(encrKey: Uint8Array, integKey: Uint8Array, esn: boolean, keys: "copy" | "share" = "copy"): EspTransform {
  return new CbcHmacTransform(encrKey, integKey, esn, keys);
}
