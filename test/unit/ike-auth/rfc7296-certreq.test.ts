// CERTREQ Certification Authority data (RFC 7296 §3.7): concatenated SHA-1 hashes of the trusted
// CAs' SubjectPublicKeyInfo. The hash is cross-checked with the openssl CLI and sha1sum.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { concatBytes, toHex } from "../../../src/wire/hex.js";
import { IdType } from "../../../src/ike/registry.js";
import { parseCertificateDer, validatePeerCertificate, type Certificate } from "../../../src/ike/auth/certificates.js";
import { decodeCertReqData, encodeCertReqData, selectCertificates, subjectPublicKeyHash, type OwnCredential } from "../../../src/ike/auth/certreq.js";
import { makeTestPki, type PkiEntity } from "./openssl-pki.js";

const pki = makeTestPki();
after(() => pki.dispose());
function cert(e: PkiEntity): Certificate {
  const c = parseCertificateDer(e.der);
  if (!c.ok) assert.fail(c.error.detail);
  return c.value;
}
const [root, intermediate, otherRoot, enb, foreign] = [pki.root, pki.intermediate, pki.otherRoot, pki.enb, pki.foreign].map(cert);
assert.ok(root && intermediate && otherRoot && enb && foreign);

/** `openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha1sum`, as the task states it. */
function opensslSpkiSha1(e: PkiEntity): string {
  const out = execFileSync("sh", ["-c", `openssl x509 -in '${e.pemPath}' -noout -pubkey | openssl pkey -pubin -outform DER | sha1sum`], { encoding: "utf8" });
  return out.split(" ")[0] ?? "";
}

test("a CA hash is SHA-1 of its SubjectPublicKeyInfo (openssl | sha1sum), for P-384, P-256 and RSA keys", () => {
  for (const e of [pki.root, pki.otherRoot, pki.segw]) assert.equal(toHex(subjectPublicKeyHash(cert(e))), opensslSpkiSha1(e), e.name);
});

test("our CERTREQ data is the anchors' hashes, concatenated in order, and decodes back", () => {
  const data = encodeCertReqData([root, otherRoot]);
  assert.equal(toHex(data), opensslSpkiSha1(pki.root) + opensslSpkiSha1(pki.otherRoot));
  const back = decodeCertReqData(data);
  assert.ok(back.ok);
  assert.deepEqual(back.value.map(toHex), [opensslSpkiSha1(pki.root), opensslSpkiSha1(pki.otherRoot)]);
});

test("CERTREQ data that is not a multiple of 20 octets is length-mismatch", () => {
  for (const length of [1, 19, 21, 39]) {
    const r = decodeCertReqData(new Uint8Array(length));
    assert.equal(r.ok ? "ok" : r.error.code, "length-mismatch");
  }
});

const enbCredential: OwnCredential = { chain: [enb, intermediate, root], privateKey: pki.enb.privateKey };
const foreignCredential: OwnCredential = { chain: [foreign, otherRoot], privateKey: pki.foreign.privateKey };
const names = (certs: readonly Certificate[]) => certs.map((c) => c.x509.subject.split("\n").pop());

test("selection sends the chain below the CA the peer asked for, never a self-signed root", () => {
  const byRoot = selectCertificates([enbCredential], [subjectPublicKeyHash(root)]);
  assert.deepEqual(byRoot && { names: names(byRoot.certificates), matched: byRoot.matched }, { names: ["CN=enb1.lwip.example", "CN=LWIP Test NE CA"], matched: true });
  const byIntermediate = selectCertificates([enbCredential], [subjectPublicKeyHash(intermediate)]);
  assert.deepEqual(byIntermediate && names(byIntermediate.certificates), ["CN=enb1.lwip.example"]);
});

test("selection picks the credential whose chain the peer trusts, else sends the first one anyway", () => {
  const other = selectCertificates([enbCredential, foreignCredential], [subjectPublicKeyHash(otherRoot)]);
  assert.equal(other?.credential, foreignCredential);
  assert.deepEqual(other && names(other.certificates), ["CN=enb1.lwip.example"]);
  const unknown = selectCertificates([enbCredential, foreignCredential], [new Uint8Array(20)]);
  assert.deepEqual(unknown && { cred: unknown.credential === enbCredential, names: names(unknown.certificates), matched: unknown.matched },
    { cred: true, names: ["CN=enb1.lwip.example", "CN=LWIP Test NE CA"], matched: false });
  const noCertReq = selectCertificates([enbCredential], []);
  assert.equal(noCertReq?.matched, false);
  assert.equal(selectCertificates([], [subjectPublicKeyHash(root)]), undefined);
});

test("end to end: what we select for the peer's CERTREQ validates at the peer against its anchors", () => {
  const peerAnchors = [root];
  const requested = decodeCertReqData(encodeCertReqData(peerAnchors));
  assert.ok(requested.ok);
  const selection = selectCertificates([foreignCredential, enbCredential], requested.value);
  assert.ok(selection?.matched);
  const r = validatePeerCertificate({
    certPayloads: selection.certificates.map((c) => ({ encoding: 4, data: c.der })),
    id: { idType: IdType.ID_FQDN, data: new TextEncoder().encode("enb1.lwip.example") },
    trustAnchors: peerAnchors,
    now: Date.now() + 60_000,
  });
  assert.ok(r.ok, r.ok ? "" : r.error.detail);
});

test("property: any bytes decode to 20-octet hashes or an error; valid data re-encodes to itself", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
    const r = decodeCertReqData(data);
    if (!r.ok) return data.length % 20 !== 0;
    return r.value.every((h) => h.length === 20) && toHex(concatBytes(...r.value)) === toHex(data);
  }));
});
