/**
 * Certificate revocation lists (RFC 5280 §5; TS 33.310 has NDS/AF gateways check revocation) for the
 * certificate peers of IKE (NDS/IP eNBs and SeGWs): parsing a CRL's DER, and deciding whether one of
 * the configured CRLs revokes a certificate. A CRL counts only for the certificate's own issuer: its
 * issuer Name must equal the issuer certificate's subject and its signature must verify with that
 * certificate's key, so a CRL of another CA, or a forged one, revokes nothing.
 *
 * The lists come from configuration (files the operator keeps current, as strongSwan's x509crl
 * directory); nothing is fetched from distribution points. A certificate whose issuer has no CRL
 * configured is not checked, and a CRL past its nextUpdate still revokes what it lists (RFC 5280
 * §6.3 leaves stale lists to local policy; strongSwan's default is the same).
 */
import { verify, type KeyObject } from "node:crypto";
import { bytesEqual, toHex } from "../../wire/hex.js";
import { err, ok, type Result } from "../../wire/result.js";
import {
  ECDSA_WITH_SHA256_ALGORITHM_ID, ECDSA_WITH_SHA384_ALGORITHM_ID, SHA256_WITH_RSA_ENCRYPTION_ALGORITHM_ID, SHA384_WITH_RSA_ENCRYPTION_ALGORITHM_ID,
} from "./algorithm-identifiers.js";
import { childrenOf, DerTag, expectElement, type DerElement } from "./der.js";

/** A parsed CRL: what revocation checks need, and the octets its signature covers. */
export interface Crl {
  /** The issuer Name, DER, tag and length included (compared with the issuer certificate's subject). */
  readonly issuer: Uint8Array;
  readonly thisUpdate: number;
  readonly nextUpdate: number | undefined;
  /** Serial numbers of the revoked certificates, upper-case hex without leading zeros. */
  readonly revoked: ReadonlySet<string>;
  /** tbsCertList, DER, and the hash and signature over it. */
  readonly tbs: Uint8Array;
  readonly hash: string;
  readonly signature: Uint8Array;
}

export interface CrlError {
  readonly detail: string;
}

const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const INTEGER = 0x02;

/** The signature algorithms of our certificate profile (TS 33.310: ECDSA and RSA with SHA-2), by AlgorithmIdentifier DER. */
const HASH_OF_ALGORITHM: ReadonlyMap<string, string> = new Map([
  [toHex(ECDSA_WITH_SHA256_ALGORITHM_ID), "sha256"],
  [toHex(ECDSA_WITH_SHA384_ALGORITHM_ID), "sha384"],
  ["300a06082a8648ce3d040304", "sha512"], // ecdsa-with-SHA512, 1.2.840.10045.4.3.4
  [toHex(SHA256_WITH_RSA_ENCRYPTION_ALGORITHM_ID), "sha256"],
  [toHex(SHA384_WITH_RSA_ENCRYPTION_ALGORITHM_ID), "sha384"],
  ["300d06092a864886f70d01010d0500", "sha512"], // sha512WithRSAEncryption, 1.2.840.113549.1.1.13
]);

/** A serial number as a comparable string: the INTEGER's octets in hex, upper case, leading zeros dropped. */
export function serialKey(hexDigits: string): string {
  return hexDigits.toUpperCase().replace(/^0+(?=.)/, "");
}

/** UTCTime (YYMMDDHHMMSSZ, years 1950-2049, RFC 5280 §4.1.2.5.1) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
function readTime(der: Uint8Array, e: DerElement): number | undefined {
  const text = new TextDecoder().decode(der.subarray(e.start, e.end));
  const m = e.tag === UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : e.tag === GENERALIZED_TIME ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const fullYear = e.tag === UTC_TIME ? (year >= 50 ? 1900 + year : 2000 + year) : year;
  return Date.UTC(fullYear, month - 1, day, hour, minute, second);
}

const fail = (detail: string): { readonly ok: false; readonly error: CrlError } => err({ detail });

/** revokedCertificates ::= SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate Time, crlEntryExtensions OPTIONAL }. */
function readRevoked(der: Uint8Array, list: DerElement): Set<string> | undefined {
  const entries = childrenOf(der, list);
  if (!entries) return undefined;
  const serials = new Set<string>();
  for (const entry of entries) {
    const serial = entry.tag === DerTag.SEQUENCE ? expectElement(der, entry.start, entry.end, INTEGER) : undefined;
    if (!serial || serial.end === serial.start) return undefined;
    serials.add(serialKey(toHex(der.subarray(serial.start, serial.end))));
  }
  return serials;
}

/** Parses one DER CRL (CertificateList, RFC 5280 §5.1); never throws. */
export function parseCrlDer(der: Uint8Array): Result<Crl, CrlError> {
  const list = expectElement(der, 0, der.length, DerTag.SEQUENCE);
  const parts = list && list.end === der.length ? childrenOf(der, list) : undefined;
  const [tbsElement, algorithm, signature] = parts ?? [];
  if (!parts || parts.length !== 3 || tbsElement?.tag !== DerTag.SEQUENCE || algorithm?.tag !== DerTag.SEQUENCE || signature?.tag !== DerTag.BIT_STRING) {
    return fail("not a DER CertificateList");
  }
  const hash = HASH_OF_ALGORITHM.get(toHex(der.subarray(algorithm.headerStart, algorithm.end)));
  if (!hash) return fail("signature algorithm outside the profile (ECDSA or RSA PKCS#1 v1.5 with SHA-2)");
  const fields = childrenOf(der, tbsElement) ?? [];
  const first = fields[0]?.tag === INTEGER ? 1 : 0;
  const [issuer, thisUpdateElement, ...rest] = fields.slice(first + 1);
  const thisUpdate = thisUpdateElement && readTime(der, thisUpdateElement);
  if (issuer?.tag !== DerTag.SEQUENCE || thisUpdate === undefined) return fail("tbsCertList without issuer or thisUpdate");
  const nextUpdateElement = rest[0]?.tag === UTC_TIME || rest[0]?.tag === GENERALIZED_TIME ? rest.shift() : undefined;
  const nextUpdate = nextUpdateElement && readTime(der, nextUpdateElement);
  if (nextUpdateElement && nextUpdate === undefined) return fail("unreadable nextUpdate");
  const revokedList = rest[0]?.tag === DerTag.SEQUENCE ? rest[0] : undefined;
  const revoked = revokedList ? readRevoked(der, revokedList) : new Set<string>();
  if (!revoked) return fail("malformed revokedCertificates");
  // BIT STRING contents: the unused-bits octet (0 for signatures), then the signature octets.
  if (der[signature.start] !== 0) return fail("signature BIT STRING with unused bits");
  return ok({
    issuer: der.slice(issuer.headerStart, issuer.end), thisUpdate, nextUpdate, revoked,
    tbs: der.slice(tbsElement.headerStart, tbsElement.end), hash, signature: der.slice(signature.start + 1, signature.end),
  });
}

/** Parses every X509 CRL block of a PEM text. */
export function parseCrlsPem(pem: string): Result<Crl[], CrlError> {
  const blocks = pem.match(/-----BEGIN X509 CRL-----[A-Za-z0-9+/=\s]+-----END X509 CRL-----/g) ?? [];
  if (blocks.length === 0) return fail("no X509 CRL block in PEM text");
  const out: Crl[] = [];
  for (const block of blocks) {
    const c = parseCrlDer(new Uint8Array(Buffer.from(block.replace(/-----(BEGIN|END) X509 CRL-----|\s/g, ""), "base64")));
    if (!c.ok) return c;
    out.push(c.value);
  }
  return ok(out);
}

/** True if `crl` was issued by the holder of `issuerKey` (ECDSA signatures are DER, as in X.509). */
function signedBy(crl: Crl, issuerKey: KeyObject): boolean {
  try {
    return verify(crl.hash, crl.tbs, issuerKey, crl.signature);
  } catch {
    return false;
  }
}

/**
 * Whether a CRL of the certificate's issuer lists the certificate's serial number. `issuerSubject`
 * and `issuerKey` are those of the issuer certificate in the validated chain.
 */
export function isRevoked(serialHex: string, issuerSubject: Uint8Array, issuerKey: KeyObject, crls: readonly Crl[]): boolean {
  const serial = serialKey(serialHex);
  return crls.some((crl) => crl.revoked.has(serial) && bytesEqual(crl.issuer, issuerSubject) && signedBy(crl, issuerKey));
}

/** An issuing certificate as the checks need it: its subject Name (DER) and key. */
export interface CrlIssuer {
  readonly fields: { readonly subject: Uint8Array };
  readonly x509: { readonly publicKey: KeyObject };
}

/**
 * Checks configured CRLs against the trust anchors at start-up: a CRL in the name of an anchor must
 * carry that anchor's signature (a damaged or forged file is refused, not silently ignored). CRLs of
 * other issuers (intermediate CAs) are verified when a chain through that issuer is checked.
 */
export function crlProblem(crls: readonly Crl[], anchors: readonly CrlIssuer[]): string | undefined {
  for (const [i, crl] of crls.entries()) {
    const named = anchors.filter((a) => bytesEqual(crl.issuer, a.fields.subject));
    if (named.length > 0 && !named.some((a) => signedBy(crl, a.x509.publicKey))) return `CRL ${i + 1}: its signature does not verify with the key of the CA it names`;
  }
  return undefined;
}
