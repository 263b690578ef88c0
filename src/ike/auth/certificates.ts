/**
 * X.509 certificates for IKEv2 certificate authentication (RFC 7296 §3.6, RFC 4945 profile, TS
 * 33.310 NDS/AF certificate profiles as used for NDS/IP by TS 33.210 and TS 33.401 16.1): parse CERT
 * payload data, build and check the peer's chain up to a configured trust anchor, and match the
 * end-entity certificate to the peer's ID payload. Every refusal carries a stable reason for logs and
 * counters; on the wire they all become AUTHENTICATION_FAILED (RFC 7296 §2.21.2).
 *
 * Revocation is checked against configured CRLs (crl.ts); OCSP is not. Not checked here (documented
 * limits): name constraints, policy constraints and basicConstraints pathLenConstraint, which node's
 * X509Certificate does not expose.
 */
import { X509Certificate, type KeyObject } from "node:crypto";
import { err, ok, type Result } from "../../wire/result.js";
import { CertEncoding } from "../registry.js";
import { readCertificateFields, type CertificateFields } from "./cert-fields.js";
import { certificateMatchesId, type IkeIdentity } from "./cert-identity.js";
import { isRevoked, type Crl } from "./crl.js";

export type CertFailureReason = "expired" | "not-yet-valid" | "untrusted" | "revoked" | "identity-mismatch" | "bad-key-usage" | "malformed";

export interface CertFailure {
  readonly reason: CertFailureReason;
  readonly detail: string;
}

/** A parsed certificate: node's view, its DER and the DER fields node does not expose. */
export interface Certificate {
  readonly x509: X509Certificate;
  readonly der: Uint8Array;
  readonly fields: CertificateFields;
  /** Validity period as epoch milliseconds (RFC 5280 §4.1.2.5, inclusive bounds). */
  readonly notBefore: number;
  readonly notAfter: number;
}

/** A validated peer: its end-entity certificate, the chain up to the anchor, and the AUTH key. */
export interface ValidatedPeer {
  readonly endEntity: Certificate;
  /** End entity first, trust anchor last. */
  readonly chain: readonly Certificate[];
  readonly publicKey: KeyObject;
}

/** Intermediates followed at most between the end entity and a trust anchor (3GPP hierarchies are shallow). */
export const MAX_INTERMEDIATES = 4;

/**
 * Extended key usages that allow a certificate to authenticate IKE. RFC 4945 §5.1.3.12: with an
 * EKU extension, id-kp-ipsecIKE or anyExtendedKeyUsage must be present; serverAuth and clientAuth
 * are accepted as well because NDS/AF node certificates (TS 33.310) also serve TLS, such as our
 * control API's mutual TLS, and carry those.
 */
const IKE_EXTENDED_KEY_USAGES: ReadonlySet<string> = new Set([
  "1.3.6.1.5.5.7.3.17", // id-kp-ipsecIKE (RFC 4945 §5.1.3.12)
  "2.5.29.37.0", // anyExtendedKeyUsage (RFC 5280 §4.2.1.12)
  "1.3.6.1.5.5.7.3.1", // id-kp-serverAuth
  "1.3.6.1.5.5.7.3.2", // id-kp-clientAuth
]);

/** Parses one DER certificate; never throws. */
export function parseCertificateDer(der: Uint8Array): Result<Certificate, CertFailure> {
  const fields = readCertificateFields(der);
  if (!fields) return failure("malformed", "not a DER X.509 certificate");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch (e) {
    return failure("malformed", `certificate rejected by the X.509 parser: ${e instanceof Error ? e.message : String(e)}`);
  }
  const notBefore = Date.parse(x509.validFrom);
  const notAfter = Date.parse(x509.validTo);
  if (Number.isNaN(notBefore) || Number.isNaN(notAfter)) return failure("malformed", `unreadable validity ${x509.validFrom} - ${x509.validTo}`);
  return ok({ x509, der: der.slice(), fields, notBefore, notAfter });
}

/** Parses every CERTIFICATE block of a PEM text (a trust-anchor file or our own chain). */
export function parseCertificatesPem(pem: string): Result<Certificate[], CertFailure> {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return failure("malformed", "no CERTIFICATE block in PEM text");
  const out: Certificate[] = [];
  for (const block of blocks) {
    const body = block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, "");
    const c = parseCertificateDer(new Uint8Array(Buffer.from(body, "base64")));
    if (!c.ok) return c;
    out.push(c.value);
  }
  return ok(out);
}

/** CERT payload data (RFC 7296 §3.6): only encoding 4, "X.509 Certificate - Signature", is accepted. */
export function parseCertPayload(encoding: number, data: Uint8Array): Result<Certificate, CertFailure> {
  if (encoding !== CertEncoding.X509_SIGNATURE) return failure("malformed", `Cert Encoding ${encoding} not supported (only 4, X.509 Signature)`);
  return parseCertificateDer(data);
}

/**
 * Validates the peer's certificates as received in IKE_AUTH and matches them to its ID payload.
 * RFC 7296 §3.6: the first CERT payload holds the key that verifies AUTH; the others may carry
 * intermediates, in any order. Checks, in order: structure, chain to an anchor (signatures, issuer
 * CA:TRUE), validity of every chain certificate at `now`, end-entity key usage, identity.
 */
export function validatePeerCertificate(input: {
  readonly certPayloads: readonly { readonly encoding: number; readonly data: Uint8Array }[];
  readonly id: IkeIdentity;
  readonly trustAnchors: readonly Certificate[];
  readonly now: Date | number;
  /** CRLs to check every certificate of the chain against (RFC 5280 §6.3); none by default. */
  readonly crls?: readonly Crl[] | undefined;
}): Result<ValidatedPeer, CertFailure> {
  const parsed: Certificate[] = [];
  for (const p of input.certPayloads) {
    const c = parseCertPayload(p.encoding, p.data);
    if (!c.ok) return c;
    parsed.push(c.value);
  }
  const [endEntity, ...intermediates] = parsed;
  if (!endEntity) return failure("untrusted", "no CERT payload: the peer's certificate is unknown");
  const chain = validateChain(endEntity, intermediates, input.trustAnchors, input.now, input.crls);
  if (!chain.ok) return chain;
  const usage = checkEndEntityUsage(endEntity);
  if (usage) return err(usage);
  if (!certificateMatchesId(endEntity, input.id)) {
    return failure("identity-mismatch", `ID type ${input.id.idType} does not match the certificate of ${oneLine(endEntity.x509.subject)}`);
  }
  return ok({ endEntity, chain: chain.value, publicKey: endEntity.x509.publicKey });
}

/**
 * Builds the path end entity -> intermediates -> trust anchor and checks it at `now`, and against
 * `crls` (each certificate below the anchor, with its issuer's CRL). Returns the chain (end entity
 * first, anchor last).
 */
export function validateChain(
  endEntity: Certificate,
  intermediates: readonly Certificate[],
  trustAnchors: readonly Certificate[],
  now: Date | number,
  crls: readonly Crl[] = [],
): Result<Certificate[], CertFailure> {
  const path = buildPath(endEntity, intermediates, trustAnchors);
  if (!path.ok) return path;
  // RFC 5280 §6.1.4 (k): every issuer must be a CA (basicConstraints cA TRUE), as the TS 33.310 CA profiles mark them.
  const notCa = path.value.slice(1).find((c) => !c.x509.ca);
  if (notCa) return failure("untrusted", `issuer ${oneLine(notCa.x509.subject)} is not a CA (basicConstraints CA:TRUE missing)`);
  const nowMs = typeof now === "number" ? now : now.getTime();
  for (const c of path.value) {
    if (nowMs > c.notAfter) return failure("expired", `${oneLine(c.x509.subject)} expired ${c.x509.validTo}`);
    if (nowMs < c.notBefore) return failure("not-yet-valid", `${oneLine(c.x509.subject)} not valid before ${c.x509.validFrom}`);
  }
  const revoked = crls.length === 0 ? undefined : path.value.find((c, i) => {
    const issuer = path.value[i + 1];
    return issuer !== undefined && isRevoked(c.x509.serialNumber, issuer.fields.subject, issuer.x509.publicKey, crls);
  });
  if (revoked) return failure("revoked", `${oneLine(revoked.x509.subject)} (serial ${revoked.x509.serialNumber}) is on its issuer's CRL`);
  return path;
}

function buildPath(endEntity: Certificate, intermediates: readonly Certificate[], trustAnchors: readonly Certificate[]): Result<Certificate[], CertFailure> {
  const path = [endEntity];
  const unused = [...intermediates];
  for (let current = endEntity; path.length <= MAX_INTERMEDIATES + 1;) {
    const anchor = trustAnchors.find((a) => issuedBy(current, a));
    if (anchor) return ok([...path, anchor]);
    const issuer = unused.find((c) => issuedBy(current, c));
    if (!issuer) return failure("untrusted", `no trusted issuer for ${oneLine(current.x509.subject)} (issuer ${oneLine(current.x509.issuer)})`);
    unused.splice(unused.indexOf(issuer), 1);
    path.push(issuer);
    current = issuer;
  }
  return failure("untrusted", `no trust anchor within ${MAX_INTERMEDIATES} intermediates`);
}

/**
 * `child` names `parent` as its issuer (subject/issuer and key identifiers, and the parent's
 * keyUsage allows keyCertSign: OpenSSL X509_check_issued) and `parent`'s key verifies its signature.
 */
function issuedBy(child: Certificate, parent: Certificate): boolean {
  try {
    return child.x509.checkIssued(parent.x509) && child.x509.verify(parent.x509.publicKey);
  } catch {
    return false;
  }
}

/**
 * The end entity signs AUTH, so a keyUsage extension, if present, must allow digitalSignature
 * (RFC 5280 §4.2.1.3, RFC 4945 §5.1.3.2; the TS 33.310 end-entity profiles set it), and an
 * extended key usage, if present, must allow IKE (IKE_EXTENDED_KEY_USAGES).
 */
function checkEndEntityUsage(endEntity: Certificate): CertFailure | undefined {
  const keyUsage = endEntity.fields.keyUsage;
  if (keyUsage && !keyUsage.digitalSignature) return { reason: "bad-key-usage", detail: "keyUsage without digitalSignature" };
  // node: X509Certificate.keyUsage is the extended key usage OID list, undefined without the extension.
  const extended: readonly string[] | undefined = endEntity.x509.keyUsage;
  if (extended && !extended.some((oid) => IKE_EXTENDED_KEY_USAGES.has(oid))) {
    return { reason: "bad-key-usage", detail: `extendedKeyUsage ${extended.join(",")} allows neither IKE nor TLS peers` };
  }
  return undefined;
}

function oneLine(name: string): string {
  return name.replace(/\n/g, ", ");
}

function failure(reason: CertFailureReason, detail: string): { readonly ok: false; readonly error: CertFailure } {
  return err({ reason, detail });
}
