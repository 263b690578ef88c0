/**
 * AUTH payload data for the signature methods (RFC 7296 §3.8, §2.15), computed over the signed
 * octets of signed-octets.ts:
 *
 * - ECDSA_SHA256_P256 (9) and ECDSA_SHA384_P384 (10), RFC 4754 §7: the signature is r | s, each a
 *   fixed-length big-endian integer as long as the curve order (32 / 48 octets), not DER.
 * - DIGITAL_SIGNATURE (14), RFC 7427 §3: 1-octet length of the AlgorithmIdentifier | the DER
 *   AlgorithmIdentifier | signature value. Here ECDSA signatures are the DER ECDSA-Sig-Value of
 *   RFC 3279 §2.2.3 (RFC 7427 §3), RSA signatures the PKCS#1 (RFC 8017) octet string.
 * - RSA_SIG (1) is refused: RSASSA-PKCS1-v1_5 whose hash RFC 7296 does not name and implementations
 *   take to be SHA-1, outside our SHA-2-only profile. RSA keys are used through DIGITAL_SIGNATURE
 *   (sha256/384WithRSAEncryption, RSASSA-PSS), which RFC 7427 peers such as strongSwan choose
 *   once we announce SIGNATURE_HASH_ALGORITHMS.
 */
import { constants, sign, verify, type KeyObject } from "node:crypto";
import { bytesEqual, concatBytes } from "../../wire/hex.js";
import { AuthMethod } from "../registry.js";
import { DIGITAL_SIGNATURE_ALGORITHMS, type DigitalSignatureAlgorithm, type DigitalSignatureAlgorithmName } from "./algorithm-identifiers.js";

export type AuthVerifyFailure = "unsupported-method" | "malformed" | "unsupported-algorithm" | "key-mismatch" | "weak-key" | "bad-signature";

/** Outcome of verifyAuth; every failure maps to AUTHENTICATION_FAILED on the wire (RFC 7296 §2.21.2). */
export type AuthVerifyResult =
  | { readonly ok: true; readonly algorithm: string }
  | { readonly ok: false; readonly reason: AuthVerifyFailure; readonly detail: string };

/** What signAuth needs to know about a scheme: hash, key type and signature encoding. */
interface Scheme {
  readonly name: string;
  readonly hash: "sha256" | "sha384";
  readonly keyType: "ec" | "rsa";
  /** Methods 9/10 bind the curve to the method (RFC 4754 §3). */
  readonly curve?: string;
  readonly rsaPadding?: "pkcs1" | "pss";
}

/** RFC 4754 §3: method 9 is P-256 with SHA-256, method 10 P-384 with SHA-384; r and s are 32 / 48 octets. */
const RFC4754_SCHEMES: ReadonlyMap<number, Scheme & { readonly signatureLength: number }> = new Map([
  [AuthMethod.ECDSA_SHA256_P256, { name: "ECDSA_SHA256_P256", hash: "sha256", keyType: "ec", curve: "prime256v1", signatureLength: 64 }],
  [AuthMethod.ECDSA_SHA384_P384, { name: "ECDSA_SHA384_P384", hash: "sha384", keyType: "ec", curve: "secp384r1", signatureLength: 96 }],
] as const);

/** Curves accepted with DIGITAL_SIGNATURE ECDSA: P-256 and P-384, the curves of the NDS certificate profiles we issue. */
const PROFILE_CURVES: ReadonlySet<string> = new Set(["prime256v1", "secp384r1"]);
/** Smallest RSA modulus accepted for signing or verifying (RFC 8247 §3.2: RSA keys of at least 2048 bits). */
export const MIN_RSA_MODULUS_BITS = 2048;

const HASH_LENGTH = { sha256: 32, sha384: 48 } as const;

/**
 * AUTH Authentication Data for `method` over `signedOctets`.
 * @param algorithm for DIGITAL_SIGNATURE only: the RFC 7427 algorithm; default: the first one for
 *   the key type (ecdsa-with-SHA256 for P-256, ecdsa-with-SHA384 for P-384, RSASSA-PSS for RSA).
 * @throws RangeError if the method is not a signature method we produce (RSA_SIG included);
 *   TypeError if the key does not fit the method (both programmer or configuration errors).
 */
export function signAuth(method: number, privateKey: KeyObject, signedOctets: Uint8Array, algorithm?: DigitalSignatureAlgorithmName): Uint8Array {
  const fixed = RFC4754_SCHEMES.get(method);
  if (fixed) return signWith(checkedSigningScheme(fixed, privateKey), privateKey, signedOctets, "ieee-p1363");
  if (method !== AuthMethod.DIGITAL_SIGNATURE) throw new RangeError(`auth method ${method} is not a signature method we sign with`);
  const chosen = algorithm ? DIGITAL_SIGNATURE_ALGORITHMS.find((a) => a.name === algorithm) : algorithmsFor(privateKey)[0];
  if (!chosen) throw new TypeError(`no RFC 7427 algorithm ${algorithm ?? ""} for a ${describeKey(privateKey)} key`);
  const signature = signWith(checkedSigningScheme(chosen, privateKey), privateKey, signedOctets, "der");
  return concatBytes(Uint8Array.of(chosen.algorithmIdentifier.length), chosen.algorithmIdentifier, signature);
}

/** The AUTH method (and RFC 7427 algorithm) to sign with. */
export interface SignatureAuthChoice {
  readonly method: number;
  readonly algorithm?: DigitalSignatureAlgorithmName;
}

/**
 * Picks how to sign with our key. With the peer's SIGNATURE_HASH_ALGORITHMS list (RFC 7427 §4):
 * DIGITAL_SIGNATURE with our preferred algorithm whose hash the peer announced. Without it (or
 * with no common hash), the peer has not shown RFC 7427 support, so only the fixed-hash RFC 4754
 * methods remain: 9 for a P-256 key, 10 for P-384. Undefined if nothing fits (an RSA key and a
 * peer without a common RFC 7427 hash): the caller cannot authenticate and should say so.
 */
export function chooseSignatureAuth(privateKey: KeyObject, peerHashes: readonly number[] | undefined): SignatureAuthChoice | undefined {
  const common = algorithmsFor(privateKey).find((a) => peerHashes?.includes(a.hashId));
  if (common) return { method: AuthMethod.DIGITAL_SIGNATURE, algorithm: common.name };
  for (const [method, s] of RFC4754_SCHEMES) if (keyFits(s, privateKey)) return { method };
  return undefined;
}

/** RFC 7427 algorithms usable with this key, the one whose hash matches the curve size first. */
function algorithmsFor(key: KeyObject): DigitalSignatureAlgorithm[] {
  const fitting = DIGITAL_SIGNATURE_ALGORITHMS.filter((a) => keyFits(a, key));
  const prefersSha384 = key.asymmetricKeyDetails?.namedCurve === "secp384r1";
  return prefersSha384 ? [...fitting.filter((a) => a.hash === "sha384"), ...fitting.filter((a) => a.hash !== "sha384")] : fitting;
}

/**
 * Checks a received AUTH payload of a signature method against the peer's public key (from its
 * validated end-entity certificate). Never throws: malformed data is a failure with a reason.
 * @param signedOctets the *peer's* signed octets (initiatorSignedOctets when we are the responder).
 */
export function verifyAuth(method: number, authData: Uint8Array, publicKey: KeyObject, signedOctets: Uint8Array): AuthVerifyResult {
  const fixed = RFC4754_SCHEMES.get(method);
  if (fixed) {
    if (authData.length !== fixed.signatureLength) {
      return fail("malformed", `${fixed.name} signature of ${authData.length} octets, expected r|s of ${fixed.signatureLength}`);
    }
    return verifyWith(fixed, publicKey, signedOctets, authData, "ieee-p1363");
  }
  if (method === AuthMethod.DIGITAL_SIGNATURE) return verifyDigitalSignature(authData, publicKey, signedOctets);
  if (method === AuthMethod.RSA_SIG) return fail("unsupported-method", "RSA_SIG (1) cannot name its hash (SHA-1 in practice); DIGITAL_SIGNATURE (14) is required");
  return fail("unsupported-method", `auth method ${method} is not a signature method`);
}

/** RFC 7427 §3: | ASN.1 Length (1 octet) | AlgorithmIdentifier (DER) | Signature Value |. */
function verifyDigitalSignature(authData: Uint8Array, publicKey: KeyObject, signedOctets: Uint8Array): AuthVerifyResult {
  const idLength = authData[0];
  if (idLength === undefined || idLength === 0 || 1 + idLength >= authData.length) {
    return fail("malformed", `DIGITAL_SIGNATURE data of ${authData.length} octets with AlgorithmIdentifier length ${idLength ?? "missing"}`);
  }
  const algorithmIdentifier = authData.subarray(1, 1 + idLength);
  const algorithm = findAlgorithm(algorithmIdentifier);
  if (!algorithm) return fail("unsupported-algorithm", "AlgorithmIdentifier not in our RFC 7427 set");
  return verifyWith(algorithm, publicKey, signedOctets, authData.subarray(1 + idLength), "der");
}

/** Exact DER match (RFC 7427 §3); aliases cover known non-DER spellings of the same algorithm. */
export function findAlgorithm(algorithmIdentifier: Uint8Array): DigitalSignatureAlgorithm | undefined {
  return DIGITAL_SIGNATURE_ALGORITHMS.find(
    (a) => bytesEqual(a.algorithmIdentifier, algorithmIdentifier) || a.aliases.some((alias) => bytesEqual(alias, algorithmIdentifier)),
  );
}

function verifyWith(s: Scheme, publicKey: KeyObject, data: Uint8Array, signature: Uint8Array, dsaEncoding: "der" | "ieee-p1363"): AuthVerifyResult {
  const problem = keyProblem(s, publicKey);
  if (problem) return problem;
  try {
    return verify(s.hash, data, keyInput(s, publicKey, dsaEncoding), signature)
      ? { ok: true, algorithm: s.name }
      : fail("bad-signature", `${s.name} signature does not verify`);
  } catch (e) {
    // OpenSSL refuses some encodings outright (e.g. an RSA signature longer than the modulus).
    return fail("malformed", `${s.name} signature rejected by the crypto library: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function signWith(s: Scheme, privateKey: KeyObject, data: Uint8Array, dsaEncoding: "der" | "ieee-p1363"): Uint8Array {
  return new Uint8Array(sign(s.hash, data, keyInput(s, privateKey, dsaEncoding)));
}

function keyInput(s: Scheme, key: KeyObject, dsaEncoding: "der" | "ieee-p1363") {
  if (s.keyType === "ec") return { key, dsaEncoding };
  // RFC 7427 Appendix A / RFC 4055 §3.1: PSS with MGF1 of the same hash and a hash-length salt.
  return s.rsaPadding === "pss"
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[s.hash] }
    : { key, padding: constants.RSA_PKCS1_PADDING };
}

function checkedSigningScheme<S extends Scheme>(s: S, privateKey: KeyObject): S {
  const problem = keyProblem(s, privateKey);
  if (problem) throw new TypeError(`cannot sign with ${s.name}: ${problem.detail}`);
  return s;
}

function keyFits(s: Scheme, key: KeyObject): boolean {
  return keyProblem(s, key) === undefined;
}

function keyProblem(s: Scheme, key: KeyObject): AuthVerifyResult & { ok: false } | undefined {
  if (key.asymmetricKeyType !== s.keyType) return fail("key-mismatch", `${s.name} with a ${describeKey(key)} key`);
  const details = key.asymmetricKeyDetails;
  if (s.keyType === "ec") {
    const curve = details?.namedCurve ?? "unknown";
    if (s.curve !== undefined ? curve !== s.curve : !PROFILE_CURVES.has(curve)) return fail("key-mismatch", `${s.name} with curve ${curve}`);
  } else if ((details?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
    return fail("weak-key", `RSA modulus of ${details?.modulusLength ?? 0} bits, need ${MIN_RSA_MODULUS_BITS}`);
  }
  return undefined;
}

function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  return [key.asymmetricKeyType ?? key.type, d?.namedCurve, d?.modulusLength].filter((x) => x !== undefined).join(" ");
}

function fail(reason: AuthVerifyFailure, detail: string): AuthVerifyResult & { ok: false } {
  return { ok: false, reason, detail };
}
