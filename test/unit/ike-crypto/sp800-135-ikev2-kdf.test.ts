// NIST CAVS "IKE v2" KDF vectors (SP 800-135): SKEYSEED, DKM, Child SA DKM with and without PFS,
// SKEYSEED(Rekey), run through prf.ts, prf-plus.ts and keymat.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "../../support/vectors.js";
import { concatBytes, hex, toHex } from "../../../src/wire/hex.js";
import { PrfId } from "../../../src/ike/registry.js";
import { prfById, type Prf } from "../../../src/ike/crypto/prf.js";
import { prfPlus } from "../../../src/ike/crypto/prf-plus.js";
import { deriveChildKeys, deriveIkeSaKeys, deriveRekeySkeyseed, deriveSkeyseed } from "../../../src/ike/crypto/keymat.js";

interface KdfCase {
  hash: string;
  COUNT: number;
  "DKM length": number;
  "Child SA DKM length": number;
  Ni: string;
  Nr: string;
  "g^ir": string;
  "g^ir (new)": string;
  SPIi: string;
  SPIr: string;
  SKEYSEED: string;
  DKM: string;
  "DKM(Child SA)": string;
  "DKM(Child SA D-H)": string;
  "SKEYSEED(Rekey)": string;
}

const cases = loadVectors<{ cases: KdfCase[] }>("ikev2-kdf-sp800-135-cavs.json").cases;

const PRF_OF_HASH: Record<string, number> = {
  "SHA-1": PrfId.PRF_HMAC_SHA1,
  "SHA-256": PrfId.PRF_HMAC_SHA2_256,
  "SHA-384": PrfId.PRF_HMAC_SHA2_384,
  "SHA-512": PrfId.PRF_HMAC_SHA2_512,
};

function prfOf(c: KdfCase): Prf {
  const prf = prfById(PRF_OF_HASH[c.hash] ?? -1);
  assert.ok(prf, c.hash);
  return prf;
}

const label = (c: KdfCase): string => `${c.hash} COUNT ${c.COUNT} Ni ${c.Ni.length * 4} bits`;

test("CAVS file: all 200 SHA-256 cases and the SHA-1/384/512 ones are present", () => {
  assert.equal(cases.length, 235);
  assert.equal(cases.filter((c) => c.hash === "SHA-256").length, 200);
});

test("SP 800-135 IKEv2: SKEYSEED = prf(Ni | Nr, g^ir)", () => {
  for (const c of cases) {
    assert.equal(toHex(deriveSkeyseed(prfOf(c), hex(c.Ni), hex(c.Nr), hex(c["g^ir"]))), c.SKEYSEED, label(c));
  }
});

test("SP 800-135 IKEv2: DKM = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), and deriveIkeSaKeys takes it in §2.14 order", () => {
  for (const c of cases) {
    const prf = prfOf(c);
    const dkmLength = c["DKM length"] / 8;
    const seed = concatBytes(hex(c.Ni), hex(c.Nr), hex(c.SPIi), hex(c.SPIr));
    assert.equal(toHex(prfPlus(prf, hex(c.SKEYSEED), seed, dkmLength)), c.DKM, label(c));

    // Any split is a prefix of the same prf+ stream: compare the seven keys, concatenated, with DKM.
    const keys = deriveIkeSaKeys(prf, hex(c.SKEYSEED), hex(c.Ni), hex(c.Nr), hex(c.SPIi), hex(c.SPIr), { integ: 32, encr: 36 });
    const all = toHex(concatBytes(keys.SK_d, keys.SK_ai, keys.SK_ar, keys.SK_ei, keys.SK_er, keys.SK_pi, keys.SK_pr));
    const n = Math.min(all.length, c.DKM.length);
    assert.equal(all.slice(0, n), c.DKM.slice(0, n), label(c));
    assert.equal(toHex(keys.SK_d), c.DKM.slice(0, 2 * prf.outputLength), `${label(c)} SK_d`);
  }
});

test("SP 800-135 IKEv2: Child SA KEYMAT without PFS (prf+(SK_d, Ni | Nr)) and with PFS (prf+(SK_d, g^ir (new) | Ni | Nr))", () => {
  for (const c of cases) {
    const prf = prfOf(c);
    const SK_d = hex(c.DKM).subarray(0, prf.keyLength);
    const half = c["Child SA DKM length"] / 16;
    // encr_i | integ_i | encr_r | integ_r (§2.17) with non-zero integrity keys, so the order is exercised.
    const lengths = { encr: 32, integ: half - 32 };
    const noPfs = deriveChildKeys(prf, SK_d, hex(c.Ni), hex(c.Nr), lengths);
    assert.equal(toHex(concatBytes(noPfs.encrI, noPfs.integI, noPfs.encrR, noPfs.integR)), c["DKM(Child SA)"], label(c));
    const pfs = deriveChildKeys(prf, SK_d, hex(c.Ni), hex(c.Nr), lengths, hex(c["g^ir (new)"]));
    assert.equal(toHex(concatBytes(pfs.encrI, pfs.integI, pfs.encrR, pfs.integR)), c["DKM(Child SA D-H)"], label(c));
  }
});

test("SP 800-135 IKEv2: SKEYSEED(Rekey) = prf(SK_d, g^ir (new) | Ni | Nr)", () => {
  for (const c of cases) {
    const prf = prfOf(c);
    const SK_d = hex(c.DKM).subarray(0, prf.keyLength);
    assert.equal(toHex(deriveRekeySkeyseed(prf, SK_d, hex(c["g^ir (new)"]), hex(c.Ni), hex(c.Nr))), c["SKEYSEED(Rekey)"], label(c));
  }
});
