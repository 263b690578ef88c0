/**
 * Turning an IKE_SA_INIT (or IKE SA rekey) result into the IKE SA's keys and SK ciphers
 * (RFC 7296 §2.14, §2.18).
 */
import { deriveIkeSaKeys, deriveSkeyseed, wipe } from "../crypto/keymat.js";
import { prfById, type Prf } from "../crypto/prf.js";
import { createSkCipher } from "../crypto/sk-cipher.js";
import { keymatLengths } from "../crypto/suites.js";
import type { NegotiatedSuite } from "../proposal.js";
import type { IkeSa, IkeSaCrypto } from "../sa/ike-sa.js";
import { sharedSuite } from "../sa/shared-state.js";
import type { KeyExport } from "../context.js";

/** Derives SK_* from SKEYSEED and installs the ciphers; the original initiator sends with SK_ei/SK_ai. */
export function installIkeKeys(sa: IkeSa, suite: NegotiatedSuite, skeyseed: Uint8Array, Ni: Uint8Array, Nr: Uint8Array, exportKeys?: (k: KeyExport) => void): boolean {
  const prf = prfById(suite.prfId);
  const lengths = keymatLengths({ encrId: suite.encrId, keyBits: suite.encrKeyBits, integId: suite.integId });
  if (!prf || !lengths) return false;
  const keys = deriveIkeSaKeys(prf, skeyseed, Ni, Nr, sa.spiI, sa.spiR, lengths);
  wipe(skeyseed);
  const skSuite = { encrId: suite.encrId, encrKeyBits: suite.encrKeyBits, integId: suite.integId };
  const integ = (k: Uint8Array) => (k.length > 0 ? k : undefined);
  // The ciphers keep views of the SA's one key buffer, not copies (destroy() zeroes it either way).
  const iToR = createSkCipher(skSuite, keys.SK_ei, integ(keys.SK_ai), "share");
  const rToI = createSkCipher(skSuite, keys.SK_er, integ(keys.SK_ar), "share");
  if (!iToR || !rToI) return false;
  const crypto: IkeSaCrypto = sa.role === "initiator" ? { prf, keys, out: iToR, in: rToI } : { prf, keys, out: rToI, in: iToR };
  sa.crypto = crypto;
  sa.suite = sharedSuite(suite);
  exportKeys?.({
    kind: "ike", spiI: sa.spiI, spiR: sa.spiR, encrId: suite.encrId, encrKeyBits: suite.encrKeyBits, integId: suite.integId,
    SK_ei: keys.SK_ei, SK_er: keys.SK_er, SK_ai: keys.SK_ai, SK_ar: keys.SK_ar,
  });
  return true;
}

/** Keys of a new IKE SA from IKE_SA_INIT: SKEYSEED = prf(Ni | Nr, g^ir). */
export function installInitialKeys(sa: IkeSa, suite: NegotiatedSuite, gir: Uint8Array, Ni: Uint8Array, Nr: Uint8Array, exportKeys?: (k: KeyExport) => void): boolean {
  const prf: Prf | undefined = prfById(suite.prfId);
  if (!prf) return false;
  const ok = installIkeKeys(sa, suite, deriveSkeyseed(prf, Ni, Nr, gir), Ni, Nr, exportKeys);
  wipe(gir);
  return ok;
}
