// Revocation of IKE certificate peers by configured CRLs (RFC 5280 §5, §6.3; TS 33.310): CRLs made
// by `openssl ca -gencrl` (openssl-pki.ts), parsed by our DER walk and applied to the chain.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { CertEncoding, IdType } from "../../../src/ike/registry.js";
import { parseCertificateDer, validatePeerCertificate, type Certificate } from "../../../src/ike/auth/certificates.js";
import { crlProblem, parseCrlDer, parseCrlsPem, serialKey, type Crl } from "../../../src/ike/auth/crl.js";
import { flipBit } from "./helpers.js";
import { makeCrl, makeTestPki, type PkiEntity } from "./openssl-pki.js";

const pki = makeTestPki();
after(() => pki.dispose());
const now = Date.now() + 60_000;

function cert(e: PkiEntity): Certificate {
  const c = parseCertificateDer(e.der);
  if (!c.ok) assert.fail(`${e.name}: ${c.error.detail}`);
  return c.value;
}
function crls(pem: string): Crl[] {
  const r = parseCrlsPem(pem);
  if (!r.ok) assert.fail(r.error.detail);
  return r.value;
}
const root = cert(pki.root);
const ENB_ID = { idType: IdType.ID_FQDN, data: new TextEncoder().encode("enb1.lwip.example") };
const payloads = (...entities: PkiEntity[]) => entities.map((e) => ({ encoding: CertEncoding.X509_SIGNATURE, data: e.der }));
const outcome = (list: readonly Crl[], chain: PkiEntity[] = [pki.enb, pki.intermediate]): string => {
  const r = validatePeerCertificate({ certPayloads: payloads(...chain), id: ENB_ID, trustAnchors: [root], now, crls: list });
  return r.ok ? "ok" : r.error.reason;
};

const revokingEnb = crls(makeCrl(pki, pki.intermediate, [pki.enb, pki.expired]));
const revokingIntermediate = crls(makeCrl(pki, pki.root, [pki.intermediate]));
const empty = crls(makeCrl(pki, pki.intermediate, []));

test("RFC 5280 §5.1: openssl's CRL parses: issuer Name as in the issuer's subject, thisUpdate/nextUpdate, the revoked serials", () => {
  const [crl] = revokingEnb;
  assert.ok(crl);
  assert.deepEqual(crl.issuer, cert(pki.intermediate).fields.subject);
  assert.deepEqual([...crl.revoked].sort(), [serialKey(cert(pki.enb).x509.serialNumber), serialKey(cert(pki.expired).x509.serialNumber)].sort());
  assert.ok(Math.abs(crl.thisUpdate - Date.now()) < 120_000, "thisUpdate is now");
  assert.ok(crl.nextUpdate !== undefined && Math.abs(crl.nextUpdate - crl.thisUpdate - 30 * 86_400_000) < 2_000, "nextUpdate 30 days later");
  assert.equal(empty[0]?.revoked.size, 0);
});

test("§6.3: a certificate its issuer's CRL lists is refused as revoked; others of the same CA pass", () => {
  assert.equal(outcome([]), "ok", "no CRL configured: not checked");
  assert.equal(outcome(empty), "ok");
  assert.equal(outcome(revokingEnb), "revoked");
  assert.equal(outcome(revokingIntermediate), "revoked", "a revoked intermediate revokes everything under it");
  const segw = validatePeerCertificate({ certPayloads: payloads(pki.segw, pki.intermediate), id: { idType: IdType.ID_FQDN, data: new TextEncoder().encode("segw.lwip.example") }, trustAnchors: [root], now, crls: revokingEnb });
  assert.ok(segw.ok, "the SeGW certificate of the same CA is not on the list");
});

test("§6.3: a CRL counts only for its own issuer: a list in another CA's name, or with a forged signature, revokes nothing", () => {
  const foreign = crls(makeCrl(pki, pki.otherRoot, []));
  assert.equal(outcome([...foreign, ...empty]), "ok");
  // The same serials under the root's name: not the issuer of the eNB certificate.
  const wrongIssuer = crls(makeCrl(pki, pki.root, [pki.enb]));
  assert.equal(outcome(wrongIssuer), "ok");
  const [good] = revokingEnb;
  assert.ok(good);
  const forged: Crl = { ...good, signature: flipBit(good.signature, 40) };
  assert.equal(outcome([forged]), "ok", "a list whose signature fails is not believed");
});

test("start-up check: a CRL in an anchor's name must carry the anchor's signature", () => {
  assert.equal(crlProblem(revokingIntermediate, [root]), undefined);
  assert.equal(crlProblem(revokingEnb, [root]), undefined, "an intermediate's CRL is verified when used");
  const [good] = revokingIntermediate;
  assert.ok(good);
  assert.match(crlProblem([{ ...good, signature: flipBit(good.signature, 40) }], [root]) ?? "", /does not verify/);
});

test("malformed CRLs are refused with a reason, never thrown on", () => {
  assert.equal(parseCrlsPem("nothing here").ok, false);
  const der = new Uint8Array(Buffer.from(makeCrl(pki, pki.root, []).replace(/-----[A-Z0-9 ]+-----|\s/g, ""), "base64"));
  for (let cut = 0; cut < der.length; cut += 7) assert.equal(parseCrlDer(der.subarray(0, cut)).ok, false);
  for (let at = 0; at < der.length; at += 3) parseCrlDer(flipBit(der, at));
});
