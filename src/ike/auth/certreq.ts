/**
 * CERTREQ payload data for X.509 (RFC 7296 §3.7, Cert Encoding 4): "a concatenated list of SHA-1
 * hashes of the public keys of trusted Certification Authorities (CAs)", each the SHA-1 of the CA
 * certificate's SubjectPublicKeyInfo element (20 octets). We send one for our trust anchors, and on
 * receipt pick which of our certificates to send in CERT payloads.
 */
import type { KeyObject } from "node:crypto";
import { codecError, type CodecError } from "../../wire/codec-error.js";
import { bytesEqual, concatBytes } from "../../wire/hex.js";
import { err, ok, type Result } from "../../wire/result.js";
import { sha1 } from "../crypto/digest.js";
import type { Certificate } from "./certificates.js";

/** Octets of one CA hash in CERTREQ data (SHA-1). */
export const CERTREQ_HASH_LENGTH = 20;

/** SHA-1 of a certificate's SubjectPublicKeyInfo DER (RFC 7296 §3.7). */
export function subjectPublicKeyHash(cert: Certificate): Uint8Array {
  return sha1(cert.fields.subjectPublicKeyInfo);
}

/** CERTREQ Certification Authority data naming our trust anchors. */
export function encodeCertReqData(trustAnchors: readonly Certificate[]): Uint8Array {
  return concatBytes(...trustAnchors.map(subjectPublicKeyHash));
}

/** Splits received CERTREQ data into its 20-octet CA hashes; other lengths are malformed. */
export function decodeCertReqData(data: Uint8Array): Result<Uint8Array[], CodecError> {
  if (data.length % CERTREQ_HASH_LENGTH !== 0) {
    return err(codecError("length-mismatch", `CERTREQ data of ${data.length} octets is not a list of SHA-1 hashes`, data.length));
  }
  const hashes: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += CERTREQ_HASH_LENGTH) hashes.push(data.slice(at, at + CERTREQ_HASH_LENGTH));
  return ok(hashes);
}

/** One identity of ours: certificate chain (end entity first, then its issuers, root optional) and key. */
export interface OwnCredential {
  readonly chain: readonly Certificate[];
  readonly privateKey: KeyObject;
}

/** The credential to authenticate with and the certificates to send, each as one CERT payload. */
export interface CertificateSelection {
  readonly credential: OwnCredential;
  /** End entity first (RFC 7296 §3.6: the first CERT carries the AUTH key), then intermediates. */
  readonly certificates: readonly Certificate[];
  /** False when no credential chains to a CA the peer asked for: we send our first one anyway. */
  readonly matched: boolean;
}

/**
 * Picks our credential for the peer's CERTREQ hashes (empty when it sent no CERTREQ): the first
 * whose chain contains a requested CA. We send the chain below that CA, which the peer already
 * trusts; a self-signed root is never sent. Without a match we still send our first credential
 * with its full chain, as the peer may trust our CA without having asked for it. Undefined only
 * when `credentials` is empty.
 */
export function selectCertificates(credentials: readonly OwnCredential[], requested: readonly Uint8Array[]): CertificateSelection | undefined {
  for (const credential of credentials) {
    const ca = credential.chain.findIndex((c, i) => i > 0 && requested.some((h) => bytesEqual(h, subjectPublicKeyHash(c))));
    if (ca > 0) return { credential, certificates: credential.chain.slice(0, ca), matched: true };
  }
  const first = credentials[0];
  if (!first) return undefined;
  return { credential: first, certificates: first.chain.filter((c, i) => i === 0 || !selfSigned(c)), matched: false };
}

function selfSigned(cert: Certificate): boolean {
  return cert.x509.checkIssued(cert.x509);
}
