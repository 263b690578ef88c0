/**
 * IKEv2 pseudorandom functions (Transform Type 2, RFC 7296 §3.3.2): HMAC-SHA2 per RFC 4868 §2.1
 * (PRF_HMAC_SHA2_256/384/512 = 5/6/7) and PRF_HMAC_SHA1 (2, RFC 2104), which exists here only so
 * that a proposal carrying it can be named and refused (`inProfile: false`, see suites.ts).
 */
import { PrfId } from "../registry.js";
import { hmac, type HmacHash } from "./hmac.js";

/** A PRF as used by prf+, SKEYSEED, AUTH and every other IKEv2 derivation. */
export interface Prf {
  /** IANA Transform Type 2 ID. */
  readonly id: number;
  /** IANA name, for logs. */
  readonly name: string;
  /** Octets produced by compute(). */
  readonly outputLength: number;
  /**
   * Preferred key length in octets: the length of SK_d, SK_pi and SK_pr. For HMAC PRFs it equals
   * the output length (RFC 7296 §2.13: "the preferred key size ... is the size of its output";
   * RFC 4868 §2.1.2).
   */
  readonly keyLength: number;
  /** False for PRFs we can compute but refuse to negotiate (TS 33.210 profile, suites.ts). */
  readonly inProfile: boolean;
  /** prf(key, data): HMAC accepts keys of any length (RFC 2104 §2, RFC 4868 §2.1.2). */
  compute(key: Uint8Array, data: Uint8Array): Uint8Array;
}

function hmacPrf(id: number, name: string, hash: HmacHash, outputLength: number, inProfile: boolean): Prf {
  return {
    id,
    name,
    outputLength,
    keyLength: outputLength,
    inProfile,
    compute: (key, data) => hmac(hash, key, data),
  };
}

const PRFS: ReadonlyMap<number, Prf> = new Map(
  [
    hmacPrf(PrfId.PRF_HMAC_SHA1, "PRF_HMAC_SHA1", "sha1", 20, false),
    hmacPrf(PrfId.PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256", "sha256", 32, true),
    hmacPrf(PrfId.PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384", "sha384", 48, true),
    hmacPrf(PrfId.PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512", "sha512", 64, true),
  ].map((p) => [p.id, p]),
);

/** The PRF with this Transform ID, or undefined if not implemented (check `inProfile` before use). */
export function prfById(id: number): Prf | undefined {
  return PRFS.get(id);
}
