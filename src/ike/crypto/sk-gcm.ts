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
import { concatBytes } from "../../wire/hex.js";
import { aesGcmOpen, aesGcmSeal, GCM_TAG_LENGTH } from "./aes-gcm.js";
import { wipe } from "./bytes.js";
import { createRandomPool } from "./random-pool.js";
import type { SkCipher } from "./sk-cipher.js";
import { addIkePadding, stripIkePadding } from "./sk-padding.js";

/** Salt octets at the end of the key material (RFC 5282 §7.1). */
export const GCM_SALT_LENGTH = 4;
/** IV octets in the body (RFC 5282 §3.1). */
const GCM_IV_LENGTH = 8;
const UINT64_MASK = (1n << 64n) - 1n;
/** Start values of the IV counters (two SkCiphers per IKE SA) from one pool rather than one getrandom each. */
const counterStarts = createRandomPool(512);

/** A 32-bit big-endian value of `b` at `at`. */
function u32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

/**
 * A class over the key material rather than closures and views: a SeGW holds two per UE, and a
 * closure-based cipher cost about 1 KiB each.
 */
class GcmSkCipher implements SkCipher {
  /** AES key | salt (RFC 5282 §7.1); zeroed by wipe(). */
  private readonly keyMaterial: Uint8Array;
  private counter: bigint;
  private wiped = false;

  constructor(keyMaterial: Uint8Array) {
    this.keyMaterial = keyMaterial;
    const start = counterStarts(GCM_IV_LENGTH);
    this.counter = (BigInt(u32(start, 0)) << 32n) | BigInt(u32(start, 4));
  }

  get ivLength(): number {
    return GCM_IV_LENGTH;
  }

  get icvLength(): number {
    return GCM_TAG_LENGTH;
  }

  get blockLength(): number {
    return 1;
  }

  bodyLength(innerLength: number): number {
    return GCM_IV_LENGTH + innerLength + 1 + GCM_TAG_LENGTH;
  }

  private get key(): Uint8Array {
    return this.keyMaterial.subarray(0, this.keyMaterial.length - GCM_SALT_LENGTH);
  }

  /** salt | iv (RFC 5282 §4). */
  private nonce(iv: Uint8Array): Uint8Array {
    return concatBytes(this.keyMaterial.subarray(this.keyMaterial.length - GCM_SALT_LENGTH), iv);
  }

  private nextIv(): Uint8Array {
    const iv = new Uint8Array(GCM_IV_LENGTH);
    // Octet by octet: a DataView over this small array would move its contents off the V8 heap.
    const hi = Number(this.counter >> 32n);
    const lo = Number(this.counter & 0xffffffffn);
    for (let i = 0; i < 4; i++) {
      iv[i] = (hi >>> (24 - 8 * i)) & 0xff;
      iv[4 + i] = (lo >>> (24 - 8 * i)) & 0xff;
    }
    this.counter = (this.counter + 1n) & UINT64_MASK;
    return iv;
  }

  seal(aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.wiped) throw new Error("SkCipher used after wipe()");
    const iv = this.nextIv();
    const padded = addIkePadding(plaintext, 1);
    const nonce = this.nonce(iv);
    const { ciphertext, tag } = aesGcmSeal(this.key, nonce, aad, padded);
    wipe(padded, nonce);
    return concatBytes(iv, ciphertext, tag);
  }

  open(aad: Uint8Array, body: Uint8Array): Uint8Array | undefined {
    // At least the Pad Length octet must be encrypted.
    if (this.wiped || body.length < GCM_IV_LENGTH + 1 + GCM_TAG_LENGTH) return undefined;
    const nonce = this.nonce(body.subarray(0, GCM_IV_LENGTH));
    const ciphertext = body.subarray(GCM_IV_LENGTH, body.length - GCM_TAG_LENGTH);
    const tag = body.subarray(body.length - GCM_TAG_LENGTH);
    const decrypted = aesGcmOpen(this.key, nonce, aad, ciphertext, tag);
    wipe(nonce);
    return decrypted === undefined ? undefined : stripIkePadding(decrypted);
  }

  wipe(): void {
    this.wiped = true;
    wipe(this.keyMaterial);
  }
}

/** An SkCipher over `keyMaterial` = AES key | salt (length checked by the caller), which it owns from now on. */
export function createGcm(keyMaterial: Uint8Array): SkCipher {
  return new GcmSkCipher(keyMaterial);
}
