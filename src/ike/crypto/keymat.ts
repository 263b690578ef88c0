/**
 * IKEv2 key material (RFC 7296 §2.14, §2.17, §2.18):
 *
 *   SKEYSEED = prf(Ni | Nr, g^ir)                                           §2.14
 *   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *            = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)                        §2.14
 *   KEYMAT   = prf+(SK_d, Ni | Nr)  or, with PFS, prf+(SK_d, g^ir (new) | Ni | Nr)   §2.17
 *   SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)       (IKE SA rekey)   §2.18
 *
 * Ni and Nr are the Nonce payload data only; SPIi and SPIr the 8-octet SPIs of the IKE header
 * (for an IKE SA rekey: the new SPIs from the CREATE_CHILD_SA exchange). g^ir is the fixed-length
 * shared secret of dh.ts.
 */
import { concatBytes } from "../../wire/hex.js";
import { wipe } from "./bytes.js";
import type { Prf } from "./prf.js";
import { prfPlus } from "./prf-plus.js";

export { wipe };

/**
 * SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14).
 *
 * §2.14 adds that for PRFs with a fixed key size (AES-XCBC-PRF-128, AES-CMAC-PRF-128) only the
 * first half of each nonce is used as key. That does not apply here: every PRF we implement is
 * an HMAC, which takes keys of any length, so the whole of Ni | Nr is the key.
 */
export function deriveSkeyseed(prf: Prf, Ni: Uint8Array, Nr: Uint8Array, gir: Uint8Array): Uint8Array {
  return prf.compute(concatBytes(Ni, Nr), gir);
}

/** The seven IKE SA secrets (RFC 7296 §2.14). i = initiator, r = responder. */
export interface IkeSaKeys {
  /** Keys the Child SAs and the next IKE SA (§2.17, §2.18). */
  readonly SK_d: Uint8Array;
  /** Integrity keys for the SK payload (empty with an AEAD cipher). */
  readonly SK_ai: Uint8Array;
  readonly SK_ar: Uint8Array;
  /** Encryption keys for the SK payload (with AES-GCM: key | 4-octet salt, RFC 5282 §7.1). */
  readonly SK_ei: Uint8Array;
  readonly SK_er: Uint8Array;
  /** Keys for the AUTH payload computation (§2.15). */
  readonly SK_pi: Uint8Array;
  readonly SK_pr: Uint8Array;
}

/** Key lengths in octets for one direction, as given by suites.ts keymatLengths(). */
export interface KeyLengths {
  /** Encryption key material, including the 4-octet salt for AES-GCM (RFC 5282 §7.1, RFC 4106 §8.1). */
  readonly encr: number;
  /** Integrity key; 0 with an AEAD cipher. */
  readonly integ: number;
}

/**
 * The seven keys of one IKE SA in one buffer, in §2.14 order; each key is a view made when it is
 * read. An SA holds one Uint8Array instead of seven (about 600 octets less per SA, which a SeGW
 * with 100k SAs notices). Zeroizing a key read from it zeroizes those octets of the buffer.
 */
class PackedIkeSaKeys implements IkeSaKeys {
  constructor(
    private readonly keymat: Uint8Array,
    private readonly prfLength: number,
    private readonly integLength: number,
    private readonly encrLength: number,
  ) {}

  private part(at: number, length: number): Uint8Array {
    return this.keymat.subarray(at, at + length);
  }

  get SK_d(): Uint8Array {
    return this.part(0, this.prfLength);
  }

  get SK_ai(): Uint8Array {
    return this.part(this.prfLength, this.integLength);
  }

  get SK_ar(): Uint8Array {
    return this.part(this.prfLength + this.integLength, this.integLength);
  }

  get SK_ei(): Uint8Array {
    return this.part(this.prfLength + 2 * this.integLength, this.encrLength);
  }

  get SK_er(): Uint8Array {
    return this.part(this.prfLength + 2 * this.integLength + this.encrLength, this.encrLength);
  }

  get SK_pi(): Uint8Array {
    return this.part(this.prfLength + 2 * (this.integLength + this.encrLength), this.prfLength);
  }

  get SK_pr(): Uint8Array {
    return this.part(2 * (this.prfLength + this.integLength + this.encrLength), this.prfLength);
  }
}

/**
 * Hands out consecutive parts of one fresh copy of `keymat`, in call order: the keys own their
 * octets (the caller may wipe `keymat`), and share one ArrayBuffer rather than one each. Each key
 * is still zeroized on its own.
 */
function taker(keymat: Uint8Array): (length: number) => Uint8Array {
  const copy = keymat.slice();
  let at = 0;
  return (length) => {
    const part = copy.subarray(at, at + length);
    at += length;
    return part;
  };
}

/**
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 * (RFC 7296 §2.14). SK_d, SK_pi and SK_pr take the PRF's preferred key length (§2.13).
 * @throws RangeError if the total exceeds what prf+ can produce (programmer error).
 */
export function deriveIkeSaKeys(
  prf: Prf,
  skeyseed: Uint8Array,
  Ni: Uint8Array,
  Nr: Uint8Array,
  SPIi: Uint8Array,
  SPIr: Uint8Array,
  lengths: KeyLengths,
): IkeSaKeys {
  const total = 3 * prf.keyLength + 2 * lengths.integ + 2 * lengths.encr;
  // prf+ returns a buffer of its own of exactly `total` octets: the keys keep it.
  const keymat = prfPlus(prf, skeyseed, concatBytes(Ni, Nr, SPIi, SPIr), total);
  return new PackedIkeSaKeys(keymat, prf.keyLength, lengths.integ, lengths.encr);
}

/**
 * SKEYSEED for the new IKE SA of a rekey: prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296 §2.18),
 * computed with the old IKE SA's PRF; the new SA's keys then follow from deriveIkeSaKeys with the
 * new SA's PRF, the CREATE_CHILD_SA nonces and the new SPIs.
 */
export function deriveRekeySkeyseed(prfOld: Prf, SK_d_old: Uint8Array, gir: Uint8Array, Ni: Uint8Array, Nr: Uint8Array): Uint8Array {
  const data = concatBytes(gir, Ni, Nr);
  const skeyseed = prfOld.compute(SK_d_old, data);
  wipe(data);
  return skeyseed;
}

/** Child SA keys; I = initiator->responder direction, R = responder->initiator (RFC 7296 §2.17). */
export interface ChildKeys {
  readonly encrI: Uint8Array;
  readonly integI: Uint8Array;
  readonly encrR: Uint8Array;
  readonly integR: Uint8Array;
}

/**
 * KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr) with PFS (RFC 7296 §2.17),
 * taken as encr_i | integ_i | encr_r | integ_r: "All keys for SAs carrying data from the initiator
 * to the responder are taken before SAs going from the responder to the initiator", and within
 * one direction the encryption key comes first. Ni and Nr are the IKE_SA_INIT nonces for the
 * Child SA created by IKE_AUTH, the CREATE_CHILD_SA nonces otherwise.
 * @throws RangeError if the total exceeds what prf+ can produce (programmer error).
 */
export function deriveChildKeys(prf: Prf, SK_d: Uint8Array, Ni: Uint8Array, Nr: Uint8Array, lengths: KeyLengths, gir?: Uint8Array): ChildKeys {
  const keymat = deriveChildKeymat(prf, SK_d, Ni, Nr, lengths, gir);
  const take = taker(keymat);
  // Source order is the §2.17 order: encr_i, integ_i, encr_r, integ_r.
  const keys: ChildKeys = { encrI: take(lengths.encr), integI: take(lengths.integ), encrR: take(lengths.encr), integR: take(lengths.integ) };
  wipe(keymat);
  return keys;
}

/**
 * The same KEYMAT as one buffer of exactly 2 * (encr + integ) octets, encr_i | integ_i | encr_r |
 * integ_r (RFC 7296 §2.17), for a holder that keeps one buffer per CHILD SA rather than four.
 */
export function deriveChildKeymat(prf: Prf, SK_d: Uint8Array, Ni: Uint8Array, Nr: Uint8Array, lengths: KeyLengths, gir?: Uint8Array): Uint8Array {
  const seed = gir === undefined ? concatBytes(Ni, Nr) : concatBytes(gir, Ni, Nr);
  // prf+ returns a buffer of its own of exactly the requested length.
  const keymat = prfPlus(prf, SK_d, seed, 2 * (lengths.encr + lengths.integ));
  wipe(seed);
  return keymat;
}
