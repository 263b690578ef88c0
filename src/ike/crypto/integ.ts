/**
 * Integrity algorithms (Transform Type 3) shared by the IKE SK payload and, through the same IDs,
 * by ESP: HMAC truncated to the ICV length. AUTH_HMAC_SHA2_256_128 / _384_192 / _512_256 per
 * RFC 4868 §2.3 (key = hash output length, ICV = first half of the HMAC); AUTH_HMAC_SHA1_96 per
 * RFC 2404 (20-octet key, 12-octet ICV), kept for the free5gc cross-check and refused by the profile.
 */
import { IntegId } from "../registry.js";
import { hmac, type HmacHash } from "./hmac.js";

/** An integrity algorithm: computes the truncated ICV. */
export interface Integ {
  readonly id: number;
  readonly name: string;
  /** Key length in octets (SK_ai/SK_ar, or the ESP integrity key). */
  readonly keyLength: number;
  /** ICV length in octets. */
  readonly icvLength: number;
  /** False for algorithms we can compute but refuse to negotiate (suites.ts). */
  readonly inProfile: boolean;
  /** The ICV: HMAC(key, data | ...) truncated to icvLength. */
  compute(key: Uint8Array, ...data: readonly Uint8Array[]): Uint8Array;
}

function hmacInteg(id: number, name: string, hash: HmacHash, keyLength: number, icvLength: number, inProfile: boolean): Integ {
  return {
    id,
    name,
    keyLength,
    icvLength,
    inProfile,
    compute: (key, ...data) => hmac(hash, key, ...data).subarray(0, icvLength),
  };
}

const INTEGS: ReadonlyMap<number, Integ> = new Map(
  [
    hmacInteg(IntegId.AUTH_HMAC_SHA1_96, "AUTH_HMAC_SHA1_96", "sha1", 20, 12, false),
    hmacInteg(IntegId.AUTH_HMAC_SHA2_256_128, "AUTH_HMAC_SHA2_256_128", "sha256", 32, 16, true),
    hmacInteg(IntegId.AUTH_HMAC_SHA2_384_192, "AUTH_HMAC_SHA2_384_192", "sha384", 48, 24, true),
    hmacInteg(IntegId.AUTH_HMAC_SHA2_512_256, "AUTH_HMAC_SHA2_512_256", "sha512", 64, 32, true),
  ].map((i) => [i.id, i]),
);

/** The HMAC integrity algorithm with this Transform ID, or undefined (NONE and unimplemented IDs). */
export function integById(id: number): Integ | undefined {
  return INTEGS.get(id);
}
