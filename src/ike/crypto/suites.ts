/**
 * Catalogue of the IKEv2/ESP transforms: what we implement, their key and ICV lengths, names for
 * logs, and the security profile we negotiate (TS 33.210 / TS 33.310 NDS/IP, RFC 8247, RFC 8221).
 *
 * Profile reasoning. TS 33.210 (brief /work/shared/spec/lwip-brief.md §6.2; its IKEv2/ESP text is
 * recalled there, not re-read) mandates ESP with confidentiality and integrity, AES-CBC-128,
 * HMAC-SHA-256-128, PRF-HMAC-SHA-256 and D-H group 14, recommends group 19, and has dropped 3DES
 * and HMAC-SHA-1-96. The IETF baselines agree (brief §6.4): RFC 8247 (IKEv2) and RFC 8221 (ESP)
 * rank DES, MD5 and D-H groups 1/2 MUST NOT, group 5 SHOULD NOT, and SHA-1 "MUST-" (kept only
 * for old peers). We therefore refuse, each as a named constant below with its reason: DES, 3DES,
 * NULL encryption, MD5 and SHA-1 PRFs and integrity, and D-H groups 1, 2, 5. Everything else we
 * implement is allowed: AES-CBC / AES-GCM-16 with 128/192/256-bit keys, PRF_HMAC_SHA2_256/384/512,
 * AUTH_HMAC_SHA2_256_128/384_192/512_256, D-H 14/15/16, 19/20/21, 31. The engine offers the
 * brief's suggested LWIP profile first; this file only says what may be accepted.
 */
import { DhGroup, EncrId, IntegId, PrfId, TransformType } from "../registry.js";
import { keyExchangeLength } from "./dh.js";
import { integById } from "./integ.js";
import type { KeyLengths } from "./keymat.js";
import { prfById } from "./prf.js";
import { GCM_SALT_LENGTH } from "./sk-gcm.js";

/** A transform we recognise but refuse to negotiate, and why. */
export interface Refusal {
  /** Transform Type (RFC 7296 §3.3.2): ENCR 1, PRF 2, INTEG 3, DH 4. */
  readonly transformType: number;
  readonly id: number;
  readonly reason: string;
}

const refuse = (transformType: number, id: number, reason: string): Refusal => ({ transformType, id, reason });

export const REFUSE_ENCR_DES = refuse(TransformType.ENCR, EncrId.ENCR_DES, "DES: 56-bit key, exhaustively searchable (RFC 8247, RFC 8221: MUST NOT)");
export const REFUSE_ENCR_3DES = refuse(TransformType.ENCR, EncrId.ENCR_3DES, "3DES: 64-bit block (birthday-bound attacks), dropped from TS 33.210 (RFC 8221: SHOULD NOT)");
export const REFUSE_ENCR_NULL = refuse(TransformType.ENCR, EncrId.ENCR_NULL, "NULL encryption: no confidentiality; IANA marks it not allowed for IKEv2 and TS 33.210 requires ESP confidentiality");
export const REFUSE_PRF_HMAC_MD5 = refuse(TransformType.PRF, PrfId.PRF_HMAC_MD5, "PRF_HMAC_MD5: MD5 is broken (RFC 8247: MUST NOT)");
export const REFUSE_PRF_HMAC_SHA1 = refuse(TransformType.PRF, PrfId.PRF_HMAC_SHA1, "PRF_HMAC_SHA1: SHA-1 is being phased out (RFC 8247: MUST-), not in the TS 33.210 profile");
export const REFUSE_AUTH_HMAC_MD5_96 = refuse(TransformType.INTEG, IntegId.AUTH_HMAC_MD5_96, "AUTH_HMAC_MD5_96: MD5 is broken (RFC 8247, RFC 8221: MUST NOT)");
export const REFUSE_AUTH_HMAC_SHA1_96 = refuse(TransformType.INTEG, IntegId.AUTH_HMAC_SHA1_96, "AUTH_HMAC_SHA1_96: SHA-1, dropped from TS 33.210 (RFC 8247, RFC 8221: MUST-)");
export const REFUSE_DH_MODP_768 = refuse(TransformType.DH, DhGroup.MODP_768, "D-H group 1 (768-bit MODP): broken (RFC 8247: MUST NOT)");
export const REFUSE_DH_MODP_1024 = refuse(TransformType.DH, DhGroup.MODP_1024, "D-H group 2 (1024-bit MODP): about 80-bit strength (RFC 8247: MUST NOT)");
export const REFUSE_DH_MODP_1536 = refuse(TransformType.DH, DhGroup.MODP_1536, "D-H group 5 (1536-bit MODP): below 112-bit strength (RFC 8247: SHOULD NOT)");

/** Every refused transform. */
export const REFUSED: readonly Refusal[] = [
  REFUSE_ENCR_DES,
  REFUSE_ENCR_3DES,
  REFUSE_ENCR_NULL,
  REFUSE_PRF_HMAC_MD5,
  REFUSE_PRF_HMAC_SHA1,
  REFUSE_AUTH_HMAC_MD5_96,
  REFUSE_AUTH_HMAC_SHA1_96,
  REFUSE_DH_MODP_768,
  REFUSE_DH_MODP_1024,
  REFUSE_DH_MODP_1536,
];

/** AES key sizes in bits, the Key Length attribute values (RFC 3602 §5.3, RFC 5282 §7). */
const AES_KEY_BITS: readonly number[] = [128, 192, 256];

/** True for combined-mode (AEAD) ciphers, which take no integrity transform (RFC 5282 §8). */
export function isAead(encrId: number): boolean {
  return encrId === EncrId.ENCR_AES_GCM_8 || encrId === EncrId.ENCR_AES_GCM_12 || encrId === EncrId.ENCR_AES_GCM_16;
}

/**
 * Encryption key material per direction in octets (SK_ei, SK_er, or an ESP encryption key):
 * the AES key, plus the 4-octet salt for AES-GCM (RFC 5282 §7.1, RFC 4106 §8.1). Undefined
 * unless implemented: ENCR_AES_CBC and ENCR_AES_GCM_16 with 128/192/256 bits.
 */
export function encrKeyMaterialLength(encrId: number, keyBits: number): number | undefined {
  if (!AES_KEY_BITS.includes(keyBits)) return undefined;
  if (encrId === EncrId.ENCR_AES_CBC) return keyBits / 8;
  if (encrId === EncrId.ENCR_AES_GCM_16) return keyBits / 8 + GCM_SALT_LENGTH;
  return undefined;
}

/** Integrity key length in octets; 0 for NONE, undefined if not implemented. */
export function integKeyLength(integId: number): number | undefined {
  return integId === IntegId.NONE ? 0 : integById(integId)?.keyLength;
}

/** ICV length in octets; 0 for NONE, undefined if not implemented. */
export function integIcvLength(integId: number): number | undefined {
  return integId === IntegId.NONE ? 0 : integById(integId)?.icvLength;
}

/** Encryption and integrity transforms of an IKE SA or of a Child SA (ESP uses the same IDs). */
export interface CipherSuite {
  readonly encrId: number;
  readonly keyBits: number;
  readonly integId: number;
}

/**
 * Key lengths per direction for keymat.ts (deriveIkeSaKeys, deriveChildKeys): the hook the ESP
 * layer uses for its Child SA keys. Undefined if the combination is not implemented or not
 * consistent (AEAD needs integrity NONE, other ciphers need an integrity algorithm).
 */
export function keymatLengths(suite: CipherSuite): KeyLengths | undefined {
  const encr = encrKeyMaterialLength(suite.encrId, suite.keyBits);
  const integ = integKeyLength(suite.integId);
  if (encr === undefined || integ === undefined) return undefined;
  if (isAead(suite.encrId) !== (suite.integId === IntegId.NONE)) return undefined;
  return { encr, integ };
}

function nameIn(table: Readonly<Record<string, number>>, id: number): string | undefined {
  return Object.entries(table).find(([, value]) => value === id)?.[0];
}

/** "AES_CBC_256", "AES_GCM_16_128" (key bits appended when given), "3DES", or "ENCR_<id>". */
export function encrName(id: number, keyBits?: number): string {
  const base = nameIn(EncrId, id)?.replace(/^ENCR_/, "") ?? `ENCR_${id}`;
  return keyBits === undefined ? base : `${base}_${keyBits}`;
}

/** IANA PRF name ("PRF_HMAC_SHA2_256"), or "PRF_<id>". */
export function prfName(id: number): string {
  return nameIn(PrfId, id) ?? `PRF_${id}`;
}

/** IANA integrity name ("AUTH_HMAC_SHA2_256_128", "NONE"), or "INTEG_<id>". */
export function integName(id: number): string {
  return nameIn(IntegId, id) ?? `INTEG_${id}`;
}

/** Group name ("MODP_2048", "ECP_256", "CURVE25519"), or "DH_<id>". */
export function dhName(id: number): string {
  return nameIn(DhGroup, id) ?? `DH_${id}`;
}

function refusal(transformType: number, id: number): string | undefined {
  return REFUSED.find((r) => r.transformType === transformType && r.id === id)?.reason;
}

/** Why the ESP (or SK payload) ciphers are not acceptable, or undefined if they are. */
function cipherViolation(suite: CipherSuite): string | undefined {
  const refused = refusal(TransformType.ENCR, suite.encrId) ?? refusal(TransformType.INTEG, suite.integId);
  if (refused !== undefined) return refused;
  if (keymatLengths(suite) === undefined) {
    return `${encrName(suite.encrId, suite.keyBits)} with ${integName(suite.integId)} is not implemented`;
  }
  return undefined;
}

/** An IKE SA proposal's transforms (one of each type). */
export interface IkeSuite extends CipherSuite {
  readonly prfId: number;
  readonly dhGroup: number;
}

function prfViolation(prfId: number): string | undefined {
  return refusal(TransformType.PRF, prfId) ?? (prfById(prfId)?.inProfile === true ? undefined : `${prfName(prfId)} is not implemented`);
}

/**
 * Why this D-H group may not be used (IKE SA, or PFS in CREATE_CHILD_SA), or undefined.
 * NONE is not a group: a caller allowing "no PFS" checks for it before calling.
 */
export function dhProfileViolation(dhGroup: number): string | undefined {
  return refusal(TransformType.DH, dhGroup) ?? (keyExchangeLength(dhGroup) === undefined ? `${dhName(dhGroup)} is not implemented` : undefined);
}

/** Why this IKE SA suite may not be negotiated (a refusal reason or "not implemented"), or undefined. */
export function ikeProfileViolation(suite: IkeSuite): string | undefined {
  return cipherViolation(suite) ?? prfViolation(suite.prfId) ?? dhProfileViolation(suite.dhGroup);
}

/** True if we implement this IKE SA suite and the profile allows it. */
export function inIkeProfile(suite: IkeSuite): boolean {
  return ikeProfileViolation(suite) === undefined;
}

/** Why this ESP suite may not be negotiated, or undefined. */
export function espProfileViolation(suite: CipherSuite): string | undefined {
  return cipherViolation(suite);
}

/**
 * True if this ESP suite is in the shared transform catalogue and allowed. The ESP layer may
 * implement fewer suites; it narrows this further with its own list.
 */
export function inEspProfile(suite: CipherSuite): boolean {
  return espProfileViolation(suite) === undefined;
}
