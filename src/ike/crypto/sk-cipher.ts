/**
 * Protection of the Encrypted (SK) payload, RFC 7296 §3.14, and its AEAD form, RFC 5282:
 *
 *   IKE header | SK generic header | IV | Encrypted(Payloads | Padding | Pad Length) | ICV
 *   \______________ aad ___________/ \________________ body (seal/open) ______________/
 *
 * One SkCipher holds one direction's keys (SK_ei + SK_ai, or SK_er + SK_ar). Use exactly one
 * SkCipher per key for sealing: the GCM IV counter lives in the object (RFC 5282 §3.1).
 */
import { EncrId, IntegId } from "../registry.js";
import { integById } from "./integ.js";
import { createCbcHmac } from "./sk-cbc-hmac.js";
import { createGcm } from "./sk-gcm.js";
import { encrKeyMaterialLength } from "./suites.js";

/** Seals and opens SK payload bodies for one direction of one IKE SA. */
export interface SkCipher {
  /** IV octets at the start of the body (16 for AES-CBC, 8 for AES-GCM). */
  readonly ivLength: number;
  /** ICV octets at the end of the body. */
  readonly icvLength: number;
  /** Cipher block size for the Padding rule (16 for AES-CBC, 1 for AES-GCM). */
  readonly blockLength: number;
  /**
   * Body length (IV | ciphertext | ICV) that seal() produces for `innerLength` octets of
   * payloads: write it into the SK payload header (the aad) before sealing.
   */
  bodyLength(innerLength: number): number;
  /**
   * IV | Encrypted(plaintext | Padding | Pad Length) | ICV. `aad` is the IKE header and the SK
   * generic payload header already carrying their final lengths.
   * @throws Error after wipe() (programmer error).
   */
  seal(aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The inner payload bytes, or undefined on any failure (length, ICV, padding); never throws. */
  open(aad: Uint8Array, body: Uint8Array): Uint8Array | undefined;
  /** Zeroes this object's key copies; afterwards seal() throws and open() returns undefined. */
  wipe(): void;
}

/** The negotiated IKE SA transforms that shape the SK payload. */
export interface SkSuite {
  readonly encrId: number;
  /** Key Length attribute value in bits (128, 192, 256). */
  readonly encrKeyBits: number;
  /** IntegId.NONE (0) with AES-GCM. */
  readonly integId: number;
}

function checkLength(what: string, key: Uint8Array | undefined, expected: number): void {
  const actual = key?.length ?? 0;
  if (actual !== expected) throw new RangeError(`${what} of ${actual} octets, expected ${expected}`);
}

/**
 * An SkCipher for the suite, or undefined if the suite is not implemented or inconsistent
 * (AES-GCM with an integrity algorithm, AES-CBC without one; RFC 5282 §8). Implemented:
 * ENCR_AES_CBC (12) + AUTH_HMAC_SHA2_256_128/384_192/512_256 or AUTH_HMAC_SHA1_96, and
 * ENCR_AES_GCM_16 (20), with 128-, 192- or 256-bit keys. Whether the suite is allowed is
 * suites.ts's concern (inIkeProfile). The keys are copied, unless `keys` is "share": then the
 * cipher keeps the given octets (e.g. views of an IKE SA's one key buffer, keymat.ts, which a SeGW
 * holds per UE) and zeroes them on wipe().
 * @throws RangeError if a key's length does not match the suite (programmer error).
 */
export function createSkCipher(suite: SkSuite, encrKey: Uint8Array, integKey: Uint8Array | undefined, keys: "copy" | "share" = "copy"): SkCipher | undefined {
  const encrLength = encrKeyMaterialLength(suite.encrId, suite.encrKeyBits);
  if (encrLength === undefined) return undefined;
  if (suite.encrId === EncrId.ENCR_AES_GCM_16) {
    if (suite.integId !== IntegId.NONE) return undefined;
    checkLength("AES-GCM key material", encrKey, encrLength);
    checkLength("integrity key with AES-GCM", integKey, 0);
    return createGcm(keys === "share" ? encrKey : encrKey.slice());
  }
  const integ = integById(suite.integId);
  if (suite.encrId !== EncrId.ENCR_AES_CBC || integ === undefined) return undefined;
  checkLength("AES-CBC key", encrKey, encrLength);
  if (integKey?.length !== integ.keyLength) throw new RangeError(`${integ.name} key of ${integKey?.length ?? 0} octets, expected ${integ.keyLength}`);
  return createCbcHmac(encrKey, integ, integKey, keys === "share");
}
