// Transform catalogue and profile (suites.ts): lengths from RFC 3602/4868/5282/2404, the key
// material examples of the brief (§7.4), log names, and every refused transform.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DhGroup, EncrId, IntegId, PrfId } from "../../../src/ike/registry.js";
import {
  REFUSE_DH_MODP_1024,
  REFUSE_DH_MODP_1536,
  REFUSE_DH_MODP_768,
  REFUSE_ENCR_3DES,
  REFUSE_ENCR_DES,
  REFUSE_ENCR_NULL,
  REFUSE_PRF_HMAC_MD5,
  REFUSE_PRF_HMAC_SHA1,
  REFUSE_AUTH_HMAC_MD5_96,
  REFUSE_AUTH_HMAC_SHA1_96,
  REFUSED,
  dhName,
  dhProfileViolation,
  encrKeyMaterialLength,
  encrName,
  espProfileViolation,
  ikeProfileViolation,
  inEspProfile,
  inIkeProfile,
  integIcvLength,
  integKeyLength,
  integName,
  isAead,
  keymatLengths,
  prfName,
  type IkeSuite,
} from "../../../src/ike/crypto/suites.js";
import { prfById } from "../../../src/ike/crypto/prf.js";
import { integById } from "../../../src/ike/crypto/integ.js";

const CBC_128_SHA256: IkeSuite = {
  encrId: EncrId.ENCR_AES_CBC,
  keyBits: 128,
  integId: IntegId.AUTH_HMAC_SHA2_256_128,
  prfId: PrfId.PRF_HMAC_SHA2_256,
  dhGroup: DhGroup.MODP_2048,
};
const GCM_128: IkeSuite = { encrId: EncrId.ENCR_AES_GCM_16, keyBits: 128, integId: IntegId.NONE, prfId: PrfId.PRF_HMAC_SHA2_256, dhGroup: DhGroup.ECP_256 };

test("key material lengths: AES key, + 4-octet salt for GCM (RFC 5282 §7.1); HMAC keys = hash length (RFC 4868)", () => {
  assert.equal(encrKeyMaterialLength(EncrId.ENCR_AES_CBC, 128), 16);
  assert.equal(encrKeyMaterialLength(EncrId.ENCR_AES_CBC, 256), 32);
  assert.equal(encrKeyMaterialLength(EncrId.ENCR_AES_GCM_16, 128), 20);
  assert.equal(encrKeyMaterialLength(EncrId.ENCR_AES_GCM_16, 192), 28);
  assert.equal(encrKeyMaterialLength(EncrId.ENCR_AES_GCM_16, 256), 36);
  assert.equal(encrKeyMaterialLength(EncrId.ENCR_AES_CBC, 64), undefined);
  assert.equal(encrKeyMaterialLength(EncrId.ENCR_3DES, 192), undefined);
  assert.deepEqual(
    [IntegId.NONE, IntegId.AUTH_HMAC_SHA2_256_128, IntegId.AUTH_HMAC_SHA2_384_192, IntegId.AUTH_HMAC_SHA2_512_256, IntegId.AUTH_HMAC_SHA1_96].map(
      (id) => [integKeyLength(id), integIcvLength(id)],
    ),
    [
      [0, 0],
      [32, 16],
      [48, 24],
      [64, 32],
      [20, 12],
    ],
  );
  assert.equal(integKeyLength(IntegId.AUTH_HMAC_MD5_96), undefined);
  assert.equal(isAead(EncrId.ENCR_AES_GCM_16), true);
  assert.equal(isAead(EncrId.ENCR_AES_CBC), false);
});

test("keymatLengths reproduces the brief §7.4 totals (IKE: 192 / 136 octets; ESP: 96 / 40 octets)", () => {
  const cbc = keymatLengths(CBC_128_SHA256);
  const gcm = keymatLengths(GCM_128);
  assert.deepEqual(cbc, { encr: 16, integ: 32 });
  assert.deepEqual(gcm, { encr: 20, integ: 0 });
  assert.ok(cbc && gcm);
  const prf = 32;
  assert.equal(3 * prf + 2 * cbc.integ + 2 * cbc.encr, 192);
  assert.equal(3 * prf + 2 * gcm.integ + 2 * gcm.encr, 136);
  assert.equal(2 * (cbc.encr + cbc.integ), 96);
  assert.equal(2 * (gcm.encr + gcm.integ), 40);
  assert.equal(keymatLengths({ ...GCM_128, integId: IntegId.AUTH_HMAC_SHA2_256_128 }), undefined, "AEAD with integrity");
  assert.equal(keymatLengths({ ...CBC_128_SHA256, integId: IntegId.NONE }), undefined, "CBC without integrity");
});

test("names for logs", () => {
  assert.equal(encrName(EncrId.ENCR_AES_GCM_16, 128), "AES_GCM_16_128");
  assert.equal(encrName(EncrId.ENCR_AES_CBC, 256), "AES_CBC_256");
  assert.equal(encrName(EncrId.ENCR_3DES), "3DES");
  assert.equal(encrName(99), "ENCR_99");
  assert.equal(prfName(PrfId.PRF_HMAC_SHA2_256), "PRF_HMAC_SHA2_256");
  assert.equal(prfName(99), "PRF_99");
  assert.equal(integName(IntegId.AUTH_HMAC_SHA2_256_128), "AUTH_HMAC_SHA2_256_128");
  assert.equal(integName(IntegId.NONE), "NONE");
  assert.equal(dhName(DhGroup.ECP_256), "ECP_256");
  assert.equal(dhName(DhGroup.MODP_2048), "MODP_2048");
  assert.equal(dhName(DhGroup.CURVE25519), "CURVE25519");
  assert.equal(dhName(99), "DH_99");
});

test("IKE profile: the suggested LWIP suites and the stronger variants are allowed", () => {
  for (const suite of [
    CBC_128_SHA256,
    GCM_128,
    { ...GCM_128, keyBits: 256, prfId: PrfId.PRF_HMAC_SHA2_512, dhGroup: DhGroup.CURVE25519 },
    { ...CBC_128_SHA256, keyBits: 256, integId: IntegId.AUTH_HMAC_SHA2_512_256, prfId: PrfId.PRF_HMAC_SHA2_384, dhGroup: DhGroup.ECP_521 },
  ]) {
    assert.equal(ikeProfileViolation(suite), undefined, JSON.stringify(suite));
    assert.equal(inIkeProfile(suite), true);
  }
});

test("IKE profile: each refused transform is refused with its named reason", () => {
  const cases: [IkeSuite, string][] = [
    [{ ...CBC_128_SHA256, encrId: EncrId.ENCR_DES, keyBits: 64 }, REFUSE_ENCR_DES.reason],
    [{ ...CBC_128_SHA256, encrId: EncrId.ENCR_3DES, keyBits: 192 }, REFUSE_ENCR_3DES.reason],
    [{ ...CBC_128_SHA256, encrId: EncrId.ENCR_NULL, keyBits: 0 }, REFUSE_ENCR_NULL.reason],
    [{ ...CBC_128_SHA256, prfId: PrfId.PRF_HMAC_MD5 }, REFUSE_PRF_HMAC_MD5.reason],
    [{ ...CBC_128_SHA256, prfId: PrfId.PRF_HMAC_SHA1 }, REFUSE_PRF_HMAC_SHA1.reason],
    [{ ...CBC_128_SHA256, integId: IntegId.AUTH_HMAC_MD5_96 }, REFUSE_AUTH_HMAC_MD5_96.reason],
    [{ ...CBC_128_SHA256, integId: IntegId.AUTH_HMAC_SHA1_96 }, REFUSE_AUTH_HMAC_SHA1_96.reason],
    [{ ...CBC_128_SHA256, dhGroup: DhGroup.MODP_768 }, REFUSE_DH_MODP_768.reason],
    [{ ...CBC_128_SHA256, dhGroup: DhGroup.MODP_1024 }, REFUSE_DH_MODP_1024.reason],
    [{ ...CBC_128_SHA256, dhGroup: DhGroup.MODP_1536 }, REFUSE_DH_MODP_1536.reason],
  ];
  assert.equal(cases.length, REFUSED.length);
  for (const [suite, reason] of cases) {
    assert.equal(ikeProfileViolation(suite), reason);
    assert.equal(inIkeProfile(suite), false);
  }
});

test("IKE profile: unimplemented or inconsistent transforms are refused as not implemented", () => {
  for (const suite of [
    { ...CBC_128_SHA256, encrId: EncrId.ENCR_AES_CTR },
    { ...CBC_128_SHA256, keyBits: 512 },
    { ...CBC_128_SHA256, integId: IntegId.NONE },
    { ...GCM_128, integId: IntegId.AUTH_HMAC_SHA2_256_128 },
    { ...CBC_128_SHA256, prfId: 8 },
    { ...CBC_128_SHA256, dhGroup: DhGroup.NONE },
    { ...CBC_128_SHA256, dhGroup: 22 },
  ]) {
    assert.match(ikeProfileViolation(suite) ?? "", /not implemented/, JSON.stringify(suite));
  }
  assert.equal(dhProfileViolation(DhGroup.ECP_384), undefined);
  assert.equal(dhProfileViolation(DhGroup.MODP_1024), REFUSE_DH_MODP_1024.reason);
});

test("ESP profile: same transform IDs; NULL encryption, 3DES and SHA-1 refused", () => {
  assert.equal(inEspProfile({ encrId: EncrId.ENCR_AES_GCM_16, keyBits: 128, integId: IntegId.NONE }), true);
  assert.equal(inEspProfile({ encrId: EncrId.ENCR_AES_CBC, keyBits: 128, integId: IntegId.AUTH_HMAC_SHA2_256_128 }), true);
  assert.equal(espProfileViolation({ encrId: EncrId.ENCR_NULL, keyBits: 0, integId: IntegId.AUTH_HMAC_SHA2_256_128 }), REFUSE_ENCR_NULL.reason);
  assert.equal(espProfileViolation({ encrId: EncrId.ENCR_3DES, keyBits: 192, integId: IntegId.AUTH_HMAC_SHA2_256_128 }), REFUSE_ENCR_3DES.reason);
  assert.equal(espProfileViolation({ encrId: EncrId.ENCR_AES_CBC, keyBits: 128, integId: IntegId.AUTH_HMAC_SHA1_96 }), REFUSE_AUTH_HMAC_SHA1_96.reason);
});

test("catalogue consistency: every implemented PRF/integrity algorithm marked out of profile is a named refusal", () => {
  for (const id of Object.values(PrfId)) {
    const prf = prfById(id);
    if (prf) assert.equal(prf.inProfile, !REFUSED.some((r) => r.transformType === 2 && r.id === id), prf.name);
  }
  for (const id of Object.values(IntegId)) {
    const integ = integById(id);
    if (integ) assert.equal(integ.inProfile, !REFUSED.some((r) => r.transformType === 3 && r.id === id), integ.name);
  }
});
