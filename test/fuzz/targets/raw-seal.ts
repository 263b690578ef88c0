/**
 * Sealing with the right keys but without the sender's discipline: the caller supplies the whole
 * plaintext, trailer included, so a packet can carry a valid ICV around bad padding, a Pad Length
 * past the start or an unknown Next Header. Test code only (the project's own ciphers always pad
 * correctly): the IKE SK payload (RFC 7296 §3.14, RFC 5282) and ESP (RFC 4303 §2, RFC 4106,
 * RFC 3602 + RFC 4868).
 */
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import { concatBytes } from "../../../src/wire/hex.js";

/** What sealPlaintextForm needs of a cipher; SkCipher has the same shape. */
export interface BodySealer {
  bodyLength(innerLength: number): number;
  seal(aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
}

const GCM_TAG = 16;
const AES_BLOCK = 16;

function gcm(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv(key.length === 16 ? "aes-128-gcm" : "aes-256-gcm", key, nonce, { authTagLength: GCM_TAG });
  c.setAAD(aad);
  const ct = c.update(plaintext);
  c.final();
  return concatBytes(ct, c.getAuthTag());
}

function cbc(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv(`aes-${8 * key.length}-cbc`, key, iv);
  c.setAutoPadding(false);
  return concatBytes(c.update(plaintext), c.final());
}

/** Zero octets appended up to a whole number of AES blocks (CBC cannot encrypt a partial block). */
function blockAligned(p: Uint8Array): Uint8Array {
  const extra = (AES_BLOCK - (p.length % AES_BLOCK)) % AES_BLOCK;
  return extra === 0 && p.length > 0 ? p : concatBytes(p, new Uint8Array(extra === 0 ? AES_BLOCK : extra));
}

/** IKE SK body with AES-GCM-16: `plaintext` is Payloads | Padding | Pad Length exactly as given. */
export function rawSkGcm(keyAndSalt: Uint8Array): BodySealer {
  const key = keyAndSalt.subarray(0, keyAndSalt.length - 4);
  const salt = keyAndSalt.subarray(keyAndSalt.length - 4);
  return {
    bodyLength: (n) => 8 + n + GCM_TAG,
    seal(aad, plaintext) {
      const iv = new Uint8Array(randomBytes(8));
      return concatBytes(iv, gcm(key, concatBytes(salt, iv), aad, plaintext));
    },
  };
}

/** IKE SK body with AES-CBC and HMAC-SHA2 (`hash`, ICV truncated to `icvLength`); `plaintext` is zero-extended to whole blocks. */
export function rawSkCbc(encrKey: Uint8Array, integKey: Uint8Array, hash: "sha256" | "sha384" | "sha512", icvLength: number): BodySealer {
  return {
    bodyLength: (n) => AES_BLOCK + blockAligned(new Uint8Array(n)).length + icvLength,
    seal(aad, plaintext) {
      const iv = new Uint8Array(randomBytes(AES_BLOCK));
      const ct = cbc(encrKey, iv, blockAligned(plaintext));
      const icv = createHmac(hash, integKey).update(aad).update(iv).update(ct).digest().subarray(0, icvLength);
      return concatBytes(iv, ct, icv);
    },
  };
}

/** The keys of one inbound ESP SA in our profile (RFC 4303 with RFC 4106 or RFC 3602 + RFC 4868). */
export interface EspKeys {
  readonly spi: number;
  readonly gcm: boolean;
  /** GCM: AES key | 4-octet salt; CBC: the AES key. */
  readonly encrKey: Uint8Array;
  /** CBC only: the HMAC-SHA-256-128 key. */
  readonly integKey?: Uint8Array;
  readonly esn: boolean;
}

function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/**
 * An ESP packet SPI | Seq | IV | ciphertext | ICV whose plaintext is exactly `plaintext`
 * (Payload | Padding | Pad Length | Next Header as the caller wrote them), with sequence number
 * seqHi:seqLo (seqHi only enters the ICV / AAD, with ESN).
 */
export function rawEspPacket(k: EspKeys, seqLo: number, seqHi: number, plaintext: Uint8Array): Uint8Array {
  const header = concatBytes(u32(k.spi), u32(seqLo));
  if (k.gcm) {
    const key = k.encrKey.subarray(0, k.encrKey.length - 4);
    const salt = k.encrKey.subarray(k.encrKey.length - 4);
    const iv = concatBytes(u32(seqHi), u32(seqLo));
    const aad = k.esn ? concatBytes(u32(k.spi), u32(seqHi), u32(seqLo)) : header;
    return concatBytes(header, iv, gcm(key, concatBytes(salt, iv), aad, plaintext));
  }
  const iv = new Uint8Array(randomBytes(AES_BLOCK));
  const signed = concatBytes(header, iv, cbc(k.encrKey, iv, blockAligned(plaintext)));
  const hmac = createHmac("sha256", k.integKey ?? new Uint8Array(32)).update(signed);
  if (k.esn) hmac.update(u32(seqHi));
  return concatBytes(signed, hmac.digest().subarray(0, 16));
}
