// DIGITAL_SIGNATURE (14) AUTH data, RFC 7427 §3: | ASN.1 Length | AlgorithmIdentifier | Signature Value |.
// The AlgorithmIdentifier constants are checked against the DER that OpenSSL itself writes into
// certificates it signs; signatures go both ways between our code and the openssl CLI.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, createSign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { concatBytes, hex, toHex } from "../../../src/wire/hex.js";
import { AuthMethod } from "../../../src/ike/registry.js";
import { HashAlgorithm } from "../../../src/ike/auth/hash-algorithms.js";
import {
  DIGITAL_SIGNATURE_ALGORITHMS, ECDSA_WITH_SHA256_ALGORITHM_ID, ECDSA_WITH_SHA384_ALGORITHM_ID, RSASSA_PSS_SHA256_ALGORITHM_ID,
  RSASSA_PSS_SHA256_EXPLICIT_TRAILER_ALGORITHM_ID, SHA256_WITH_RSA_ENCRYPTION_ALGORITHM_ID, SHA384_WITH_RSA_ENCRYPTION_ALGORITHM_ID,
  type DigitalSignatureAlgorithmName,
} from "../../../src/ike/auth/algorithm-identifiers.js";
import { chooseSignatureAuth, signAuth, verifyAuth } from "../../../src/ike/auth/signature-auth.js";
import { flipBit } from "./helpers.js";
import { makeTestPki, signatureAlgorithmDer, type PkiEntity } from "./openssl-pki.js";

const pki = makeTestPki();
after(() => pki.dispose());
const octets = new TextEncoder().encode("RealMessage2 | NonceIData | MACedIDForR stand-in");
writeFileSync(join(pki.dir, "octets.bin"), octets);
for (const e of [pki.enb, pki.root, pki.segw]) pki.openssl(["pkey", "-in", e.keyPath, "-pubout", "-out", `${e.name}.pub`]);
const publicKey = (e: PkiEntity) => createPublicKey(e.privateKey);

/** A certificate signed by the segw RSA key with the given openssl digest/sigopt options. */
function rsaSignedCertificate(name: string, options: readonly string[]): PkiEntity {
  pki.openssl(["req", "-x509", "-new", "-key", pki.segw.keyPath, "-subj", `/CN=${name}`, "-days", "1", ...options, "-out", `${name}.pem`]);
  pki.openssl(["x509", "-in", `${name}.pem`, "-outform", "DER", "-out", `${name}.der`]);
  return { ...pki.segw, name };
}

const PSS_OPTIONS = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sigopt", "rsa_mgf1_md:sha256"];

test("AlgorithmIdentifier constants are the DER OpenSSL writes for the same algorithms", () => {
  assert.equal(toHex(signatureAlgorithmDer(pki, pki.enb)), toHex(ECDSA_WITH_SHA256_ALGORITHM_ID)); // enb: -sha256 by a P-256 CA
  assert.equal(toHex(signatureAlgorithmDer(pki, pki.root)), toHex(ECDSA_WITH_SHA384_ALGORITHM_ID)); // root: -sha384, P-384
  assert.equal(toHex(signatureAlgorithmDer(pki, rsaSignedCertificate("rsa256", ["-sha256"]))), toHex(SHA256_WITH_RSA_ENCRYPTION_ALGORITHM_ID));
  assert.equal(toHex(signatureAlgorithmDer(pki, rsaSignedCertificate("rsa384", ["-sha384"]))), toHex(SHA384_WITH_RSA_ENCRYPTION_ALGORITHM_ID));
  assert.equal(toHex(signatureAlgorithmDer(pki, rsaSignedCertificate("pss256", ["-sha256", ...PSS_OPTIONS]))), toHex(RSASSA_PSS_SHA256_ALGORITHM_ID));
});

test("the RFC 7427 well-known DER strings (as quoted in the task: sha256WithRSAEncryption 300d06092a864886f70d01010b0500)", () => {
  assert.equal(toHex(SHA256_WITH_RSA_ENCRYPTION_ALGORITHM_ID), "300d06092a864886f70d01010b0500");
  assert.equal(ECDSA_WITH_SHA256_ALGORITHM_ID.length, 12);
  assert.equal(RSASSA_PSS_SHA256_ALGORITHM_ID.length, 67);
});

test("the explicit-trailer PSS alias parses (openssl asn1parse) as RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32, trailer 1", () => {
  writeFileSync(join(pki.dir, "alias.der"), RSASSA_PSS_SHA256_EXPLICIT_TRAILER_ALGORITHM_ID);
  const listing = pki.openssl(["asn1parse", "-inform", "DER", "-in", "alias.der"]).toString();
  assert.match(listing, /rsassaPss/);
  assert.equal(listing.match(/:sha256/g)?.length, 2);
  assert.match(listing, /:mgf1/);
  assert.match(listing, /INTEGER\s+:20/);
  assert.match(listing, /INTEGER\s+:01/);
  assert.equal(listing.trim().split("\n")[0]?.includes(`l=  ${RSASSA_PSS_SHA256_EXPLICIT_TRAILER_ALGORITHM_ID.length - 2}`), true);
});

const ROUND_TRIPS: readonly [DigitalSignatureAlgorithmName, PkiEntity][] = [
  ["ecdsa-with-SHA256", pki.enb], ["ecdsa-with-SHA384", pki.enb], ["ecdsa-with-SHA256", pki.root], ["ecdsa-with-SHA384", pki.root],
  ["sha256WithRSAEncryption", pki.segw], ["sha384WithRSAEncryption", pki.segw], ["rsassa-pss-sha256", pki.segw],
];

for (const [name, entity] of ROUND_TRIPS) {
  test(`${name} with the ${entity.name} key: layout, round trip, tampering, and openssl verifies our signature`, () => {
    const algorithm = DIGITAL_SIGNATURE_ALGORITHMS.find((a) => a.name === name);
    assert.ok(algorithm);
    const authData = signAuth(AuthMethod.DIGITAL_SIGNATURE, entity.privateKey, octets, name);
    const idLength = algorithm.algorithmIdentifier.length;
    assert.equal(authData[0], idLength);
    assert.equal(toHex(authData.subarray(1, 1 + idLength)), toHex(algorithm.algorithmIdentifier));
    assert.deepEqual(verifyAuth(AuthMethod.DIGITAL_SIGNATURE, authData, publicKey(entity), octets), { ok: true, algorithm: name });
    const tampered = verifyAuth(AuthMethod.DIGITAL_SIGNATURE, authData, publicKey(entity), flipBit(octets, 5));
    assert.equal(tampered.ok ? "ok" : tampered.reason, "bad-signature");
    writeFileSync(join(pki.dir, "ours.sig"), authData.subarray(1 + idLength));
    const options = algorithm.rsaPadding === "pss" ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"] : [];
    const out = pki.openssl(["dgst", `-${algorithm.hash}`, "-verify", `${entity.name}.pub`, ...options, "-signature", "ours.sig", "octets.bin"]);
    assert.match(out.toString(), /Verified OK/);
  });
}

test("openssl signatures (ECDSA-Sig-Value DER, PKCS#1 v1.5, PSS) verify inside DIGITAL_SIGNATURE", () => {
  const wrap = (id: Uint8Array, signature: Uint8Array) => concatBytes(Uint8Array.of(id.length), id, signature);
  const opensslSign = (entity: PkiEntity, hash: string, options: readonly string[] = []) =>
    new Uint8Array(pki.openssl(["dgst", `-${hash}`, "-sign", entity.keyPath, ...options, "octets.bin"]));
  const check = (data: Uint8Array, entity: PkiEntity, name: string) =>
    assert.deepEqual(verifyAuth(AuthMethod.DIGITAL_SIGNATURE, data, publicKey(entity), octets), { ok: true, algorithm: name });
  check(wrap(ECDSA_WITH_SHA256_ALGORITHM_ID, opensslSign(pki.enb, "sha256")), pki.enb, "ecdsa-with-SHA256");
  check(wrap(ECDSA_WITH_SHA384_ALGORITHM_ID, opensslSign(pki.root, "sha384")), pki.root, "ecdsa-with-SHA384");
  check(wrap(SHA384_WITH_RSA_ENCRYPTION_ALGORITHM_ID, opensslSign(pki.segw, "sha384")), pki.segw, "sha384WithRSAEncryption");
  const pss = opensslSign(pki.segw, "sha256", ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]);
  check(wrap(RSASSA_PSS_SHA256_ALGORITHM_ID, pss), pki.segw, "rsassa-pss-sha256");
  check(wrap(RSASSA_PSS_SHA256_EXPLICIT_TRAILER_ALGORITHM_ID, pss), pki.segw, "rsassa-pss-sha256");
});

test("inside DIGITAL_SIGNATURE an ECDSA signature must be DER: the r|s (ieee-p1363) form does not verify", () => {
  const p1363 = new Uint8Array(createSign("sha256").update(octets).sign({ key: pki.enb.privateKey, dsaEncoding: "ieee-p1363" }));
  const data = concatBytes(Uint8Array.of(ECDSA_WITH_SHA256_ALGORITHM_ID.length), ECDSA_WITH_SHA256_ALGORITHM_ID, p1363);
  assert.equal(verifyAuth(AuthMethod.DIGITAL_SIGNATURE, data, publicKey(pki.enb), octets).ok, false);
});

test("refusals: malformed layout, unknown algorithm, wrong key type, RSA_SIG, weak RSA key", () => {
  const reason = (method: number, data: Uint8Array, entity: PkiEntity = pki.enb): string => {
    const r = verifyAuth(method, data, publicKey(entity), octets);
    return r.ok ? "ok" : r.reason;
  };
  const good = signAuth(AuthMethod.DIGITAL_SIGNATURE, pki.enb.privateKey, octets);
  assert.equal(reason(AuthMethod.DIGITAL_SIGNATURE, new Uint8Array(0)), "malformed");
  assert.equal(reason(AuthMethod.DIGITAL_SIGNATURE, concatBytes(Uint8Array.of(0), good.subarray(1))), "malformed");
  assert.equal(reason(AuthMethod.DIGITAL_SIGNATURE, good.subarray(0, 13)), "malformed"); // AlgorithmIdentifier and no signature
  assert.equal(reason(AuthMethod.DIGITAL_SIGNATURE, concatBytes(Uint8Array.of(200), good.subarray(1))), "malformed");
  const sha1WithRsa = hex("300d06092a864886f70d0101050500");
  assert.equal(reason(AuthMethod.DIGITAL_SIGNATURE, concatBytes(Uint8Array.of(15), sha1WithRsa, good.subarray(13))), "unsupported-algorithm");
  const rsa = signAuth(AuthMethod.DIGITAL_SIGNATURE, pki.segw.privateKey, octets, "sha256WithRSAEncryption");
  assert.equal(reason(AuthMethod.DIGITAL_SIGNATURE, rsa, pki.enb), "key-mismatch");
  assert.equal(reason(AuthMethod.DIGITAL_SIGNATURE, good, pki.segw), "key-mismatch");
  assert.equal(reason(AuthMethod.RSA_SIG, rsa.subarray(16), pki.segw), "unsupported-method");
  assert.equal(reason(AuthMethod.SHARED_KEY_MIC, good), "unsupported-method");
  pki.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "weak.key"]);
  const weak = createPublicKey(readFileSync(join(pki.dir, "weak.key")));
  const weakResult = verifyAuth(AuthMethod.DIGITAL_SIGNATURE, rsa, weak, octets);
  assert.equal(weakResult.ok ? "ok" : weakResult.reason, "weak-key");
  assert.throws(() => signAuth(AuthMethod.RSA_SIG, pki.segw.privateKey, octets), RangeError);
  assert.throws(() => signAuth(AuthMethod.DIGITAL_SIGNATURE, pki.enb.privateKey, octets, "rsassa-pss-sha256"), TypeError);
});

test("defaults: P-256 signs ecdsa-with-SHA256, P-384 ecdsa-with-SHA384, RSA RSASSA-PSS", () => {
  const algorithmOf = (e: PkiEntity): string => {
    const r = verifyAuth(AuthMethod.DIGITAL_SIGNATURE, signAuth(AuthMethod.DIGITAL_SIGNATURE, e.privateKey, octets), publicKey(e), octets);
    return r.ok ? r.algorithm : r.reason;
  };
  assert.equal(algorithmOf(pki.enb), "ecdsa-with-SHA256");
  assert.equal(algorithmOf(pki.root), "ecdsa-with-SHA384");
  assert.equal(algorithmOf(pki.segw), "rsassa-pss-sha256");
});

test("chooseSignatureAuth follows the peer's SIGNATURE_HASH_ALGORITHMS, else RFC 4754 methods", () => {
  const { SHA2_256, SHA2_384, SHA2_512 } = HashAlgorithm;
  assert.deepEqual(chooseSignatureAuth(pki.enb.privateKey, [SHA2_384, SHA2_256]), { method: 14, algorithm: "ecdsa-with-SHA256" });
  assert.deepEqual(chooseSignatureAuth(pki.root.privateKey, [SHA2_256, SHA2_384]), { method: 14, algorithm: "ecdsa-with-SHA384" });
  assert.deepEqual(chooseSignatureAuth(pki.root.privateKey, [SHA2_256]), { method: 14, algorithm: "ecdsa-with-SHA256" });
  assert.deepEqual(chooseSignatureAuth(pki.segw.privateKey, [SHA2_384]), { method: 14, algorithm: "sha384WithRSAEncryption" });
  assert.deepEqual(chooseSignatureAuth(pki.enb.privateKey, undefined), { method: AuthMethod.ECDSA_SHA256_P256 });
  assert.deepEqual(chooseSignatureAuth(pki.root.privateKey, [SHA2_512]), { method: AuthMethod.ECDSA_SHA384_P384 });
  assert.equal(chooseSignatureAuth(pki.segw.privateKey, undefined), undefined);
});

test("property: verifyAuth never throws on random AUTH data, and random data never verifies", () => {
  const keys = [publicKey(pki.enb), publicKey(pki.root), publicKey(pki.segw)];
  const ids = DIGITAL_SIGNATURE_ALGORITHMS.map((a) => a.algorithmIdentifier);
  const data = fc.oneof(
    fc.uint8Array({ maxLength: 600 }),
    fc.tuple(fc.constantFrom(...ids), fc.uint8Array({ maxLength: 520 })).map(([id, sig]) => concatBytes(Uint8Array.of(id.length), id, sig)),
  );
  fc.assert(fc.property(fc.constantFrom(1, 2, 9, 10, 11, 14, 255), data, fc.constantFrom(...keys), (method, authData, key) => {
    const r = verifyAuth(method, authData, key, octets);
    return !r.ok && typeof r.detail === "string";
  }), { numRuns: 400 });
});
