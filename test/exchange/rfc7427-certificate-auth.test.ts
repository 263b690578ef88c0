import { before, test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { createDevPki } from "../../src/pki/dev-pki.js";
import { parseCertificatesPem, type Certificate } from "../../src/ike/auth/certificates.js";
import type { OwnCredential } from "../../src/ike/auth/certreq.js";
import { IdType } from "../../src/ike/registry.js";
import { IkePair, eventsOf, cidr } from "../support/ike-pair.js";
import { selectorFromCidr } from "../../src/ike/traffic-selector.js";

const sel = (text: string) => selectorFromCidr(cidr(text));

/**
 * RFC 7296 §2.15 with certificates (RFC 7427 / RFC 4754 signatures), as NDS/IP peers authenticate
 * (TS 33.210, issue 6): the eNB initiates with ID_FQDN and its certificate, the SeGW answers with
 * ID_IPV4_ADDR and its own. Certificates come from the project's development PKI.
 */
let ca: Certificate[] = [];
let segw: OwnCredential;
let alpha: OwnCredential;
let foreignCa: Certificate[] = [];

function credential(files: { name: string; pem: string }[], name: string): OwnCredential {
  const pem = (n: string) => files.find((f) => f.name === n)?.pem ?? "";
  const chain = parseCertificatesPem(pem(`${name}.pem`));
  assert.ok(chain.ok);
  return { chain: chain.value, privateKey: createPrivateKey(pem(`${name}-key.pem`)) };
}

before(async () => {
  const files = await createDevPki({ enbs: ["alpha"], segwName: "segw.lwip.test", segwAddresses: ["198.18.0.1"], days: 1 });
  const anchors = parseCertificatesPem(files.find((f) => f.name === "ca.pem")?.pem ?? "");
  assert.ok(anchors.ok);
  ca = anchors.value;
  segw = credential(files, "segw");
  alpha = credential(files, "enb-alpha");
  const other = await createDevPki({ enbs: ["alpha"], segwName: "segw.lwip.test", segwAddresses: ["198.18.0.1"], days: 1 });
  const otherAnchors = parseCertificatesPem(other.find((f) => f.name === "ca.pem")?.pem ?? "");
  assert.ok(otherAnchors.ok);
  foreignCa = otherAnchors.value;
});

const ALPHA_ID = { idType: IdType.ID_FQDN, data: new TextEncoder().encode("alpha") };

function pair(authorize: (name: string) => boolean = (n) => n === "alpha", trust: () => Certificate[] = () => ca) {
  return new IkePair({
    localId: { idType: IdType.ID_IPV4_ADDR, data: new Uint8Array([198, 18, 0, 1]) },
    certificates: {
      credentials: [segw], trustAnchors: trust(),
      authorize: (id) => (authorize(new TextDecoder().decode(id.data)) ? { localTs: [sel("198.18.0.1/32")], remoteTs: [sel("0.0.0.0/0")] } : undefined),
    },
  });
}

test("RFC 7296 §2.15 + RFC 7427: eNB and SeGW authenticate each other with certificates and set up a CHILD SA", () => {
  const p = pair();
  p.initiateWith({ idi: ALPHA_ID, certificates: { credentials: [alpha], trustAnchors: ca } });
  p.flush();
  assert.equal(eventsOf(p.eventsR, "ike-sa-up").length, 1, JSON.stringify(p.eventsR));
  assert.equal(eventsOf(p.eventsI, "ike-sa-up").length, 1, JSON.stringify(p.eventsI));
  assert.equal(eventsOf(p.eventsI, "child-sa-up").length, 1);
});

test("a certificate from another CA is refused with AUTHENTICATION_FAILED", () => {
  const p = pair(undefined, () => foreignCa);
  p.initiateWith({ idi: ALPHA_ID, certificates: { credentials: [alpha], trustAnchors: ca } });
  p.flush();
  assert.equal(eventsOf(p.eventsR, "ike-sa-failed")[0]?.detail, "certificate-untrusted");
  assert.equal(eventsOf(p.eventsI, "ike-sa-failed")[0]?.reason, "AUTHENTICATION_FAILED");
});

test("an identity that does not match the certificate is refused", () => {
  const p = pair();
  p.initiateWith({ idi: { idType: IdType.ID_FQDN, data: new TextEncoder().encode("bravo") }, certificates: { credentials: [alpha], trustAnchors: ca } });
  p.flush();
  assert.equal(eventsOf(p.eventsR, "ike-sa-failed")[0]?.detail, "certificate-identity-mismatch");
});

test("a valid certificate of a peer the policy does not authorize is refused", () => {
  const p = pair(() => false);
  p.initiateWith({ idi: ALPHA_ID, certificates: { credentials: [alpha], trustAnchors: ca } });
  p.flush();
  assert.equal(eventsOf(p.eventsR, "ike-sa-failed")[0]?.detail, "not-authorized");
});

test("a responder without certificates refuses signature authentication", () => {
  const p = new IkePair();
  p.initiateWith({ idi: ALPHA_ID, certificates: { credentials: [alpha], trustAnchors: ca } });
  p.flush();
  assert.equal(eventsOf(p.eventsR, "ike-sa-failed")[0]?.detail, "certificates-not-accepted");
});

test("the initiator refuses a responder whose certificate does not chain to its CAs", () => {
  const p = pair();
  p.initiateWith({ idi: ALPHA_ID, certificates: { credentials: [alpha], trustAnchors: foreignCa } });
  p.flush();
  assert.match(eventsOf(p.eventsI, "ike-sa-failed")[0]?.detail ?? "", /certificate-untrusted/);
});
