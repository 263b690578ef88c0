// Peer certificate checks for IKEv2 (RFC 7296 §3.6, RFC 5280 §6, RFC 4945 §3.1 / §5.1.3) against a
// PKI made by the openssl CLI (openssl-pki.ts): one test per refusal reason, identity matching per
// ID type, and the DER fields read by our walk compared with what openssl cuts out itself.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bytesEqual, concatBytes, toHex } from "../../../src/wire/hex.js";
import { CertEncoding, IdType } from "../../../src/ike/registry.js";
import {
  parseCertificateDer, parseCertificatesPem, validatePeerCertificate, type Certificate, type CertFailureReason,
} from "../../../src/ike/auth/certificates.js";
import { certificateMatchesId } from "../../../src/ike/auth/cert-identity.js";
import { flipBit } from "./helpers.js";
import { makeTestPki, tbsFieldDer, type PkiEntity } from "./openssl-pki.js";

const pki = makeTestPki();
after(() => pki.dispose());
const DAY = 86_400_000;
const now = Date.now() + 60_000;

function cert(e: PkiEntity): Certificate {
  const c = parseCertificateDer(e.der);
  if (!c.ok) assert.fail(`${e.name}: ${c.error.detail}`);
  return c.value;
}
const root = cert(pki.root);
const fqdn = (name: string) => ({ idType: IdType.ID_FQDN, data: new TextEncoder().encode(name) });
const ENB_ID = fqdn("enb1.lwip.example");
const payloads = (...entities: PkiEntity[]) => entities.map((e) => ({ encoding: CertEncoding.X509_SIGNATURE, data: e.der }));

function outcome(entities: PkiEntity[], options: { anchors?: Certificate[]; at?: number; id?: { idType: number; data: Uint8Array } } = {}): string {
  const r = validatePeerCertificate({ certPayloads: payloads(...entities), id: options.id ?? ENB_ID, trustAnchors: options.anchors ?? [root], now: options.at ?? now });
  return r.ok ? "ok" : r.error.reason;
}

test("a valid chain: end entity and intermediate to the configured root; the AUTH key is the end entity's", () => {
  const r = validatePeerCertificate({ certPayloads: payloads(pki.enb, pki.intermediate), id: ENB_ID, trustAnchors: [root], now: new Date(now) });
  assert.ok(r.ok, r.ok ? "" : r.error.detail);
  assert.deepEqual(r.value.chain.map((c) => c.x509.subject.split("\n").pop()), ["CN=enb1.lwip.example", "CN=LWIP Test NE CA", "CN=LWIP Test Root CA"]);
  assert.ok(r.value.publicKey.equals(cert(pki.enb).x509.publicKey));
});

test("intermediates may come in any order after the end entity, and an intermediate may itself be the anchor", () => {
  assert.equal(outcome([pki.enb, pki.foreign, pki.intermediate]), "ok");
  assert.equal(outcome([pki.enb], { anchors: [cert(pki.intermediate)] }), "ok");
});

const REFUSALS: readonly [string, CertFailureReason, () => string][] = [
  ["missing intermediate", "untrusted", () => outcome([pki.enb])],
  ["certificate from another CA", "untrusted", () => outcome([pki.foreign])],
  ["no CERT payload", "untrusted", () => outcome([])],
  ["expired end entity (1 day, checked 2 days later)", "expired", () => outcome([pki.expired, pki.intermediate], { at: now + 2 * DAY })],
  ["expired root (checked in 11 years)", "expired", () => outcome([pki.enb, pki.intermediate], { at: now + 4000 * DAY })],
  ["not yet valid (checked a day before issue)", "not-yet-valid", () => outcome([pki.enb, pki.intermediate], { at: now - DAY })],
  ["SAN names another host", "identity-mismatch", () => outcome([pki.wrongSan, pki.intermediate])],
  ["keyUsage without digitalSignature", "bad-key-usage", () => outcome([pki.noSign, pki.intermediate])],
  ["extendedKeyUsage codeSigning only", "bad-key-usage", () => outcome([pki.codeSign, pki.intermediate])],
  ["the CA certificate sent first, as if the end entity (keyCertSign only)", "bad-key-usage", () => outcome([pki.intermediate, pki.enb])],
];

for (const [what, reason, run] of REFUSALS) test(`refused as ${reason}: ${what}`, () => assert.equal(run(), reason));

test("the same foreign certificate is accepted once its own root is the anchor (the refusal was the CA)", () => {
  assert.equal(outcome([pki.foreign], { anchors: [cert(pki.otherRoot)] }), "ok");
  assert.equal(outcome([pki.expired, pki.intermediate], { at: now + DAY / 2 }), "ok");
});

test("an issuer with basicConstraints CA:FALSE is refused even though its signature is good", () => {
  const r = validatePeerCertificate({ certPayloads: payloads(pki.underNotCa, pki.notCa, pki.intermediate), id: ENB_ID, trustAnchors: [root], now });
  assert.equal(r.ok ? "ok" : r.error.reason, "untrusted");
  assert.match(r.ok ? "" : r.error.detail, /not a CA/);
  assert.ok(cert(pki.underNotCa).x509.checkIssued(cert(pki.notCa).x509), "openssl names notCa as the issuer");
});

test("a certificate whose signature or signed content was altered is untrusted", () => {
  const signatureFlipped = { ...pki.enb, der: flipBit(pki.enb.der, pki.enb.der.length - 2) };
  assert.equal(outcome([signatureFlipped, pki.intermediate]), "untrusted");
  const cnAt = Buffer.from(pki.enb.der).indexOf("enb1.lwip.example");
  assert.ok(cnAt > 0);
  assert.equal(outcome([{ ...pki.enb, der: flipBit(pki.enb.der, cnAt) }, pki.intermediate], { id: fqdn("enb1.lwip.example") }), "untrusted");
});

test("malformed CERT data: other encodings, trailing octets, garbage", () => {
  const r = validatePeerCertificate({ certPayloads: [{ encoding: CertEncoding.HASH_AND_URL_X509, data: pki.enb.der }], id: ENB_ID, trustAnchors: [root], now });
  assert.equal(r.ok ? "ok" : r.error.reason, "malformed");
  assert.equal(outcome([{ ...pki.enb, der: concatBytes(pki.enb.der, Uint8Array.of(0)) }, pki.intermediate]), "malformed");
  assert.equal(outcome([{ ...pki.enb, der: pki.enb.der.subarray(0, 100) }]), "malformed");
  assert.equal(parseCertificateDer(new TextEncoder().encode(pki.enb.pem)).ok, false, "PEM text is not DER");
});

test("identity: each ID type against the SAN / subject, exact names only, the CN never consulted", () => {
  const enb = cert(pki.enb);
  const ip = (...b: number[]) => Uint8Array.from(b);
  const matches = (idType: number, data: Uint8Array, c: Certificate = enb) => certificateMatchesId(c, { idType, data });
  assert.equal(matches(IdType.ID_FQDN, fqdn("enb1.lwip.example").data), true);
  assert.equal(matches(IdType.ID_FQDN, fqdn("ENB1.lwip.example").data), true, "DNS names are case-insensitive");
  assert.equal(matches(IdType.ID_FQDN, fqdn("enb2.lwip.example").data), false);
  assert.equal(matches(IdType.ID_FQDN, fqdn("lwip.example").data), false);
  assert.equal(matches(IdType.ID_FQDN, Uint8Array.of(0x65, 0, 0x62)), false, "binary junk matches nothing");
  assert.equal(matches(IdType.ID_FQDN, fqdn("enb1.lwip.example").data, cert(pki.wrongSan)), false, "CN=enb1 but SAN other");
  assert.equal(matches(IdType.ID_IPV4_ADDR, ip(192, 0, 2, 10)), true);
  assert.equal(matches(IdType.ID_IPV4_ADDR, ip(192, 0, 2, 11)), false);
  assert.equal(matches(IdType.ID_IPV6_ADDR, ip(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10)), true);
  assert.equal(matches(IdType.ID_IPV6_ADDR, ip(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11)), false);
  assert.equal(matches(IdType.ID_IPV4_ADDR, ip(192, 0, 2)), false);
  assert.equal(matches(IdType.ID_RFC822_ADDR, new TextEncoder().encode("enb1@lwip.example")), true);
  assert.equal(matches(IdType.ID_RFC822_ADDR, new TextEncoder().encode("enb2@lwip.example")), false);
  assert.equal(matches(IdType.ID_DER_ASN1_DN, tbsFieldDer(pki, pki.enb, 5)), true);
  assert.equal(matches(IdType.ID_DER_ASN1_DN, tbsFieldDer(pki, pki.root, 5)), false);
  assert.equal(matches(IdType.ID_KEY_ID, fqdn("enb1.lwip.example").data), false);
  assert.equal(outcome([pki.enb, pki.intermediate], { id: { idType: IdType.ID_IPV4_ADDR, data: ip(192, 0, 2, 10) } }), "ok");
  assert.equal(outcome([pki.segw, pki.intermediate], { id: fqdn("segw.lwip.example") }), "ok");
});

test("DER walk: subject and SubjectPublicKeyInfo equal openssl's own cuts; keyUsage bits as issued", () => {
  for (const e of [pki.enb, pki.segw, pki.root, pki.notCa]) {
    const c = cert(e);
    assert.equal(toHex(c.fields.subject), toHex(tbsFieldDer(pki, e, 5)), `${e.name} subject`);
    assert.equal(toHex(c.fields.subjectPublicKeyInfo), toHex(tbsFieldDer(pki, e, 6)), `${e.name} SPKI`);
  }
  assert.deepEqual(cert(pki.enb).fields.keyUsage, { digitalSignature: true });
  assert.deepEqual(cert(pki.noSign).fields.keyUsage, { digitalSignature: false });
  assert.deepEqual(cert(pki.root).fields.keyUsage, { digitalSignature: false });
  assert.equal(cert(pki.notCa).fields.keyUsage, undefined);
});

test("PEM bundles: every certificate is read, in order; text without one is malformed", () => {
  const bundle = parseCertificatesPem(`${pki.intermediate.pem}\n# comment\n${pki.root.pem}`);
  assert.ok(bundle.ok);
  assert.deepEqual(bundle.value.map((c) => bytesEqual(c.der, pki.intermediate.der) || bytesEqual(c.der, pki.root.der)), [true, true]);
  assert.ok(bytesEqual(bundle.value[1]?.der ?? new Uint8Array(0), pki.root.der));
  const none = parseCertificatesPem("no certificate here");
  assert.equal(none.ok ? "ok" : none.error.reason, "malformed");
});

test("property: random bytes as CERT data never throw and are refused as malformed", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (data) => {
    const r = validatePeerCertificate({ certPayloads: [{ encoding: 4, data }], id: ENB_ID, trustAnchors: [root], now });
    return !r.ok && r.error.reason === "malformed";
  }), { numRuns: 300 });
});

test("property: a real certificate with one octet changed never makes validation throw", () => {
  fc.assert(fc.property(fc.nat(pki.enb.der.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
    const der = pki.enb.der.slice();
    der[at] = (der[at] ?? 0) ^ xor;
    const r = validatePeerCertificate({ certPayloads: [{ encoding: 4, data: der }, ...payloads(pki.intermediate)], id: ENB_ID, trustAnchors: [root], now });
    return typeof r.ok === "boolean";
  }), { numRuns: 300 });
});
