// PRFs (RFC 7296 §3.3.2 Transform Type 2) and HMAC integrity ICVs (Transform Type 3) against
// RFC 4868 §2.7 (strongSwan's transcription) and RFC 4231 test cases 1-7.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { IntegId, PrfId } from "../../../src/ike/registry.js";
import { prfById } from "../../../src/ike/crypto/prf.js";
import { integById } from "../../../src/ike/crypto/integ.js";

interface Rfc4868Case {
  strongswan_vector: string;
  algorithm: string;
  key: string;
  data: string;
  output: string;
  output_octets: number;
}

interface Rfc4231Case {
  test_case: number;
  key: string;
  data: string;
  note?: string;
  [mac: string]: string | number | undefined;
}

const rfc4868 = loadVectors<{ cases: Rfc4868Case[] }>("hmac-sha2-rfc4868-ipsec.json").cases;
const rfc4231 = loadVectors<{ cases: Rfc4231Case[] }>("hmac-sha2-rfc4231.json").cases;

const PRF_BY_HASH = { "HMAC-SHA-256": PrfId.PRF_HMAC_SHA2_256, "HMAC-SHA-384": PrfId.PRF_HMAC_SHA2_384, "HMAC-SHA-512": PrfId.PRF_HMAC_SHA2_512 };
const INTEG_BY_HASH = {
  "HMAC-SHA-256": IntegId.AUTH_HMAC_SHA2_256_128,
  "HMAC-SHA-384": IntegId.AUTH_HMAC_SHA2_384_192,
  "HMAC-SHA-512": IntegId.AUTH_HMAC_SHA2_512_256,
};

test("RFC 4868 §2.7: PRF_HMAC_SHA2_* full output and AUTH_HMAC_SHA2_* truncated ICVs", () => {
  assert.equal(rfc4868.length, 24);
  for (const c of rfc4868) {
    const key = hex(c.key);
    const data = hex(c.data);
    if (c.algorithm.startsWith("PRF_")) {
      const prf = prfById(PrfId[c.algorithm as keyof typeof PrfId]);
      assert.ok(prf, c.algorithm);
      assert.equal(prf.outputLength, c.output_octets);
      assert.equal(toHex(prf.compute(key, data)), c.output, c.strongswan_vector);
    } else {
      const integ = integById(IntegId[c.algorithm as keyof typeof IntegId]);
      assert.ok(integ, c.algorithm);
      assert.equal(integ.icvLength, c.output_octets);
      // RFC 4868 §2.3: the AUTH keys are exactly the hash output length.
      assert.equal(integ.keyLength, key.length, c.strongswan_vector);
      assert.equal(toHex(integ.compute(key, data)), c.output, c.strongswan_vector);
    }
  }
});

test("RFC 4231 test cases 1-7: PRFs give the full HMAC, ICVs its leading octets", () => {
  assert.equal(rfc4231.length, 7);
  for (const c of rfc4231) {
    for (const [hash, prfId] of Object.entries(PRF_BY_HASH)) {
      const expected = String(c[hash]);
      const prf = prfById(prfId);
      const integ = integById(INTEG_BY_HASH[hash as keyof typeof INTEG_BY_HASH]);
      assert.ok(prf && integ);
      const mac = prf.compute(hex(c.key), hex(c.data));
      // Test case 5 is published truncated to 128 bits.
      assert.equal(toHex(mac).slice(0, expected.length), expected, `case ${c.test_case} ${hash}`);
      if (c.test_case !== 5) {
        assert.equal(expected.length, 2 * prf.outputLength);
        assert.equal(toHex(integ.compute(hex(c.key), hex(c.data))), expected.slice(0, 2 * integ.icvLength), `case ${c.test_case} ${hash} ICV`);
      }
    }
  }
});

test("Integ.compute over several parts equals HMAC over their concatenation (RFC 4231 case 2 split)", () => {
  const c = rfc4231[1];
  assert.ok(c);
  const data = hex(c.data);
  const integ = integById(IntegId.AUTH_HMAC_SHA2_256_128);
  assert.ok(integ);
  assert.equal(toHex(integ.compute(hex(c.key), data.subarray(0, 5), data.subarray(5))), String(c["HMAC-SHA-256"]).slice(0, 32));
});

test("PRF catalogue: SHA-2 in profile, PRF_HMAC_SHA1 named but out of profile, MD5 absent", () => {
  for (const [id, len] of [
    [PrfId.PRF_HMAC_SHA2_256, 32],
    [PrfId.PRF_HMAC_SHA2_384, 48],
    [PrfId.PRF_HMAC_SHA2_512, 64],
  ] as const) {
    const prf = prfById(id);
    assert.ok(prf);
    assert.equal(prf.inProfile, true);
    // RFC 7296 §2.13 / RFC 4868 §2.1.2: preferred key length = output length.
    assert.equal(prf.keyLength, len);
    assert.equal(prf.outputLength, len);
  }
  const sha1 = prfById(PrfId.PRF_HMAC_SHA1);
  assert.equal(sha1?.inProfile, false);
  assert.equal(sha1?.name, "PRF_HMAC_SHA1");
  assert.equal(prfById(PrfId.PRF_HMAC_MD5), undefined);
  assert.equal(integById(IntegId.AUTH_HMAC_SHA1_96)?.inProfile, false);
  assert.equal(integById(IntegId.AUTH_HMAC_MD5_96), undefined);
  assert.equal(integById(IntegId.NONE), undefined);
});
