// ECDSA_SHA256_P256 (9) and ECDSA_SHA384_P384 (10) AUTH data: RFC 4754 §7 fixed-length r|s.
// Vectors: RFC 4754 §8 (test/vectors/ikev2-ecdsa-auth-rfc4754.json). Cross-checks:
// our signatures verified by the openssl CLI, openssl's signatures verified by us.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPublicKey, createSign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { hex, toHex } from "../../../src/wire/hex.js";
import { AuthMethod, PayloadType } from "../../../src/ike/registry.js";
import { encodePayloads } from "../../../src/ike/codec/message.js";
import { signAuth, verifyAuth } from "../../../src/ike/auth/signature-auth.js";
import { derToRawSignature, flipBit, rawToDerSignature } from "./helpers.js";
import { loadVectors } from "../../support/vectors.js";
import { makeTestPki } from "./openssl-pki.js";

interface Rfc4754Case {
  title: string; auth_method: number; curve: "P-256" | "P-384"; hash: string;
  message: string; message_hash: string; gwx: string; gwy: string; r: string; s: string; auth_payload: string;
}
const cases = loadVectors<{ cases: Rfc4754Case[] }>("ikev2-ecdsa-auth-rfc4754.json").cases;
assert.equal(cases.length, 2);

function publicKeyOf(c: Rfc4754Case) {
  const b64 = (h: string): string => Buffer.from(h, "hex").toString("base64url");
  return createPublicKey({ key: { kty: "EC", crv: c.curve, x: b64(c.gwx), y: b64(c.gwy) }, format: "jwk" });
}

for (const c of cases) {
  const publicKey = publicKeyOf(c);
  const message = hex(c.message);
  const authData = hex(c.r + c.s);

  test(`${c.title}: the vector's message hash is ${c.hash}("abc")`, () => {
    assert.equal(createHash(c.hash.replace("-", "").toLowerCase()).update(message).digest("hex"), c.message_hash);
  });

  test(`${c.title}: r|s verifies as AUTH data of method ${c.auth_method}`, () => {
    const result = verifyAuth(c.auth_method, authData, publicKey, message);
    assert.ok(result.ok, JSON.stringify(result));
  });

  test(`${c.title}: the AUTH payload is the generic header, Auth Method, RESERVED and r|s (Errata 4748)`, () => {
    const payload = encodePayloads([{ type: PayloadType.AUTH, critical: false, method: c.auth_method, data: authData }]);
    assert.equal(toHex(payload), c.auth_payload);
  });

  test(`${c.title}: a flipped bit in r, in s or in the message is a bad signature`, () => {
    const half = authData.length / 2;
    for (const [data, octets] of [[flipBit(authData, 3), message], [flipBit(authData, half + 3), message], [authData, flipBit(message, 0)]] as const) {
      const result = verifyAuth(c.auth_method, data, publicKey, octets);
      assert.equal(result.ok ? "ok" : result.reason, "bad-signature");
    }
  });

  test(`${c.title}: the DER form of the same signature, or a truncated r|s, is malformed for method ${c.auth_method}`, () => {
    for (const data of [rawToDerSignature(authData), authData.subarray(1), new Uint8Array(0)]) {
      const result = verifyAuth(c.auth_method, data, publicKey, message);
      assert.equal(result.ok ? "ok" : result.reason, "malformed");
    }
  });
}

test("the method binds the curve: a P-256 signature under method 10, a P-384 one under method 9, are refused", () => {
  const [p256, p384] = cases;
  assert.ok(p256 && p384);
  const as10 = verifyAuth(AuthMethod.ECDSA_SHA384_P384, hex(p256.r + p256.s + "00".repeat(32)), publicKeyOf(p256), hex(p256.message));
  assert.equal(as10.ok ? "ok" : as10.reason, "key-mismatch");
  const as9 = verifyAuth(AuthMethod.ECDSA_SHA256_P256, hex(p384.r + p384.s).subarray(0, 64), publicKeyOf(p384), hex(p384.message));
  assert.equal(as9.ok ? "ok" : as9.reason, "key-mismatch");
});

const pki = makeTestPki();
after(() => pki.dispose());
const signedOctets = new TextEncoder().encode("RealMessage1 | NonceRData | MACedIDForI stand-in");
writeFileSync(join(pki.dir, "octets.bin"), signedOctets);
pki.openssl(["pkey", "-in", pki.enb.keyPath, "-pubout", "-out", "enb.pub"]);

test("our method 9 signature is r|s of 64 octets, and openssl verifies it once DER-wrapped", () => {
  const authData = signAuth(AuthMethod.ECDSA_SHA256_P256, pki.enb.privateKey, signedOctets);
  assert.equal(authData.length, 64);
  writeFileSync(join(pki.dir, "sig9.der"), rawToDerSignature(authData));
  const out = pki.openssl(["dgst", "-sha256", "-verify", "enb.pub", "-signature", "sig9.der", "octets.bin"]).toString();
  assert.match(out, /Verified OK/);
});

test("an openssl signature (DER) verifies under method 9 once converted to r|s, and not as it is", () => {
  const der = new Uint8Array(pki.openssl(["dgst", "-sha256", "-sign", pki.enb.keyPath, "octets.bin"]));
  const publicKey = createPublicKey(pki.enb.privateKey);
  assert.ok(verifyAuth(AuthMethod.ECDSA_SHA256_P256, derToRawSignature(der, 32), publicKey, signedOctets).ok);
  const asIs = verifyAuth(AuthMethod.ECDSA_SHA256_P256, der, publicKey, signedOctets);
  assert.equal(asIs.ok ? "ok" : asIs.reason, "malformed");
});

test("node's dsaEncoding ieee-p1363 is the method 9 form and der is not", () => {
  const sign = (dsaEncoding: "der" | "ieee-p1363"): Uint8Array =>
    new Uint8Array(createSign("sha256").update(signedOctets).sign({ key: pki.enb.privateKey, dsaEncoding }));
  assert.ok(verifyAuth(AuthMethod.ECDSA_SHA256_P256, sign("ieee-p1363"), pki.enb.privateKey, signedOctets).ok);
  assert.equal(verifyAuth(AuthMethod.ECDSA_SHA256_P256, sign("der"), pki.enb.privateKey, signedOctets).ok, false);
});

test("signAuth refuses a key that does not fit the method (programmer error)", () => {
  assert.throws(() => signAuth(AuthMethod.ECDSA_SHA384_P384, pki.enb.privateKey, signedOctets), TypeError);
  assert.throws(() => signAuth(AuthMethod.ECDSA_SHA256_P256, pki.segw.privateKey, signedOctets), TypeError);
  assert.throws(() => signAuth(AuthMethod.SHARED_KEY_MIC, pki.enb.privateKey, signedOctets), RangeError);
});
