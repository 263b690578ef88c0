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

/** Methods on the prototype rather than closures: a SeGW holds two per UE. */
class CbcHmacSkCipher implements SkCipher {
  private wiped = false;

  /** The keys are the cipher's own from now on; wipe() zeroes them. */
  constructor(
    private readonly SK_e: Uint8Array,
    private readonly integ: Integ,
    private readonly SK_a: Uint8Array,
  ) {}

  get ivLength(): number {
    return AES_BLOCK_LENGTH;
  }

  get icvLength(): number {
    return this.integ.icvLength;
  }

  get blockLength(): number {
    return AES_BLOCK_LENGTH;
  }

  bodyLength(innerLength: number): number {
    return AES_BLOCK_LENGTH + innerLength + ikePaddingLength(innerLength, AES_BLOCK_LENGTH) + 1 + this.integ.icvLength;
  }

  seal(aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.wiped) throw new Error("SkCipher used after wipe()");
    const padded = addIkePadding(plaintext, AES_BLOCK_LENGTH);
    const iv = fromBuffer(randomBytes(AES_BLOCK_LENGTH));
    const ciphertext = aesCbc(true, this.SK_e, iv, padded);
    wipe(padded);
    return concatBytes(iv, ciphertext, this.integ.compute(this.SK_a, aad, iv, ciphertext));
  }

  open(aad: Uint8Array, body: Uint8Array): Uint8Array | undefined {
    const icvLength = this.integ.icvLength;
    const encryptedLength = body.length - AES_BLOCK_LENGTH - icvLength;
    if (this.wiped || encryptedLength < AES_BLOCK_LENGTH || encryptedLength % AES_BLOCK_LENGTH !== 0) return undefined;
    const iv = body.subarray(0, AES_BLOCK_LENGTH);
    const ciphertext = body.subarray(AES_BLOCK_LENGTH, AES_BLOCK_LENGTH + encryptedLength);
    const icv = body.subarray(AES_BLOCK_LENGTH + encryptedLength);
    // Verify before decrypting (encrypt-then-MAC): nothing unauthenticated reaches the cipher.
    if (!constantTimeEqual(this.integ.compute(this.SK_a, aad, iv, ciphertext), icv)) return undefined;
    return stripIkePadding(aesCbc(false, this.SK_e, iv, ciphertext));
  }

  wipe(): void {
    this.wiped = true;
    wipe(this.SK_e, this.SK_a);
  }
}

/**
 * An SkCipher over the AES key (16/24/32 octets, checked by the caller) and integrity key: copies
 * of them in one buffer, or with `share` the given octets themselves.
 */
export function createCbcHmac(encrKey: Uint8Array, integ: Integ, integKey: Uint8Array, share = false): SkCipher {
  if (share) return new CbcHmacSkCipher(encrKey, integ, integKey);
  const keys = concatBytes(encrKey, integKey);
  return new CbcHmacSkCipher(keys.subarray(0, encrKey.length), integ, keys.subarray(encrKey.length));
}
