/**
 * The X.509 fields we need as bytes, read from the certificate DER with der.ts (RFC 5280 §4.1):
 *
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
 *   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, serialNumber, signature, issuer,
 *       validity, subject, subjectPublicKeyInfo, issuerUniqueID [1] OPTIONAL,
 *       subjectUniqueID [2] OPTIONAL, extensions [3] EXPLICIT OPTIONAL }
 *
 * node's X509Certificate gives the subject only as text and no keyUsage bits (its `keyUsage` is
 * the extended key usage), so the subject DER (for ID_DER_ASN1_DN), the SubjectPublicKeyInfo DER
 * (for CERTREQ hashes) and the keyUsage bits are taken from here.
 */
import { bytesEqual } from "../../wire/hex.js";
import { childrenOf, DerTag, expectElement, readElement, type DerElement } from "./der.js";

/**
 * The keyUsage bit we act on (RFC 5280 §4.2.1.3: digitalSignature is bit 0). An issuer's
 * keyCertSign is already enforced by OpenSSL in X509Certificate.checkIssued.
 */
export interface KeyUsageBits {
  readonly digitalSignature: boolean;
}

export interface CertificateFields {
  /** The subject Name, DER, tag and length included. */
  readonly subject: Uint8Array;
  /** The SubjectPublicKeyInfo, DER, tag and length included. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** Undefined when the certificate has no keyUsage extension. */
  readonly keyUsage: KeyUsageBits | undefined;
}

/** id-ce-keyUsage, 2.5.29.15, as OID contents octets. */
const KEY_USAGE_OID = Uint8Array.of(0x55, 0x1d, 0x0f);

/** The fields of a DER certificate, or undefined if its structure is not that of RFC 5280 §4.1. */
export function readCertificateFields(der: Uint8Array): CertificateFields | undefined {
  const certificate = expectElement(der, 0, der.length, DerTag.SEQUENCE);
  // Encoding 4 is "DER encoded X.509 certificate" (RFC 7296 §3.6): nothing may follow it.
  if (!certificate || certificate.end !== der.length) return undefined;
  const tbs = expectElement(der, certificate.start, certificate.end, DerTag.SEQUENCE);
  const fields = tbs && childrenOf(der, tbs);
  if (!fields) return undefined;
  const first = fields[0]?.tag === DerTag.CONTEXT_0 ? 1 : 0;
  const subject = fields[first + 4];
  const spki = fields[first + 5];
  if (subject?.tag !== DerTag.SEQUENCE || spki?.tag !== DerTag.SEQUENCE) return undefined;
  const extensions = fields.slice(first + 6).find((f) => f.tag === DerTag.CONTEXT_3);
  const keyUsage = extensions ? readKeyUsage(der, extensions) : { found: false as const };
  if (keyUsage === undefined) return undefined;
  return {
    subject: der.slice(subject.headerStart, subject.end),
    subjectPublicKeyInfo: der.slice(spki.headerStart, spki.end),
    keyUsage: keyUsage.found ? keyUsage.bits : undefined,
  };
}

/** Extensions ::= SEQUENCE OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function readKeyUsage(der: Uint8Array, wrapper: DerElement): { found: true; bits: KeyUsageBits } | { found: false } | undefined {
  const list = expectElement(der, wrapper.start, wrapper.end, DerTag.SEQUENCE);
  const extensions = list && childrenOf(der, list);
  if (!extensions) return undefined;
  for (const extension of extensions) {
    const parts = extension.tag === DerTag.SEQUENCE ? childrenOf(der, extension) : undefined;
    const oid = parts?.[0];
    const value = parts?.[parts.length - 1];
    if (!parts || oid?.tag !== DerTag.OBJECT_IDENTIFIER || value?.tag !== DerTag.OCTET_STRING) return undefined;
    if (!bytesEqual(der.subarray(oid.start, oid.end), KEY_USAGE_OID)) continue;
    const bits = readKeyUsageBits(der, value);
    return bits ? { found: true, bits } : undefined;
  }
  return { found: false };
}

/** KeyUsage ::= BIT STRING; contents = unused-bits octet, then bit 0 as the MSB of the next octet. */
function readKeyUsageBits(der: Uint8Array, value: DerElement): KeyUsageBits | undefined {
  const bitString = readElement(der, value.start, value.end);
  if (bitString?.tag !== DerTag.BIT_STRING || bitString.end !== value.end || bitString.end - bitString.start < 1) return undefined;
  const firstOctet = der[bitString.start + 1] ?? 0;
  return { digitalSignature: (firstOctet & 0x80) !== 0 };
}
