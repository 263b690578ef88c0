/**
 * Does the peer's end-entity certificate name the identity in its ID payload? (RFC 7296 §3.5,
 * RFC 4945 §3.1: the ID must be found in the certificate, so that a valid certificate of one node
 * cannot authenticate another node's identity.)
 *
 * - ID_FQDN: a subjectAltName dNSName, exact (no wildcards); the subject CN is not consulted.
 * - ID_IPV4_ADDR / ID_IPV6_ADDR: a subjectAltName iPAddress.
 * - ID_RFC822_ADDR: a subjectAltName rfc822Name.
 * - ID_DER_ASN1_DN: the subject Name, compared as DER octets (strict: a peer that re-encodes its
 *   DN differently, e.g. PrintableString vs UTF8String, does not match).
 * - Any other type (ID_KEY_ID, ID_DER_ASN1_GN): no match; such identities are not certificate-bound.
 */
import type { X509Certificate } from "node:crypto";
import { bytesEqual } from "../../wire/hex.js";
import { IdType } from "../registry.js";
import type { CertificateFields } from "./cert-fields.js";

/** The ID payload contents: ID Type and Identification Data (RFC 7296 §3.5). */
export interface IkeIdentity {
  readonly idType: number;
  readonly data: Uint8Array;
}

/** True if the certificate carries the identity. Never throws on odd identification data. */
export function certificateMatchesId(cert: { readonly x509: X509Certificate; readonly fields: CertificateFields }, id: IkeIdentity): boolean {
  const { x509 } = cert;
  try {
    switch (id.idType) {
      case IdType.ID_FQDN: {
        const name = printableAscii(id.data);
        // DNS names compare case-insensitively (RFC 4343); checkHost returns the certificate's spelling.
        return name !== undefined && x509.checkHost(name, { subject: "never", wildcards: false, partialWildcards: false }) !== undefined;
      }
      case IdType.ID_IPV4_ADDR:
      case IdType.ID_IPV6_ADDR: {
        const address = ipText(id.data);
        return address !== undefined && x509.checkIP(address) !== undefined;
      }
      case IdType.ID_RFC822_ADDR: {
        const email = printableAscii(id.data);
        return email !== undefined && x509.checkEmail(email, { subject: "never" }) !== undefined;
      }
      case IdType.ID_DER_ASN1_DN:
        return bytesEqual(id.data, cert.fields.subject);
      default:
        return false;
    }
  } catch {
    // node throws on names OpenSSL cannot parse (e.g. "Invalid name"): they match nothing.
    return false;
  }
}

/** FQDNs and RFC 822 addresses in IKE IDs are ASCII (RFC 7296 §3.5); anything else matches nothing. */
function printableAscii(data: Uint8Array): string | undefined {
  if (data.length === 0 || data.some((b) => b < 0x21 || b > 0x7e)) return undefined;
  return String.fromCharCode(...data);
}

/** Text form for checkIP: dotted quad, or eight hexadecimal groups. */
function ipText(data: Uint8Array): string | undefined {
  if (data.length === 4) return data.join(".");
  if (data.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((data[i] ?? 0) << 8) | (data[i + 1] ?? 0)).toString(16));
  return groups.join(":");
}
