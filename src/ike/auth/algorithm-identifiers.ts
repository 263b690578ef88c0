/**
 * The signature algorithms accepted inside DIGITAL_SIGNATURE (14) AUTH payloads (RFC 7427 §3), each
 * named by the DER AlgorithmIdentifier that precedes the signature value. The DER strings are the
 * fixed encodings listed in RFC 7427 Appendix A (ecdsa-with-SHA256/384 per RFC 5758 §3.2, without
 * parameters; sha256/384WithRSAEncryption per RFC 4055 §5, with NULL parameters; RSASSA-PSS per
 * RFC 4055 §3.1 with SHA-256, MGF1-SHA-256 and a 32-octet salt). Peers compare these octets
 * rather than parse them (RFC 7427 §3: "the AlgorithmIdentifier ASN.1 object is encoded using DER").
 *
 * The set is SHA-2 only (no sha1WithRSAEncryption, no ecdsa-with-SHA1): ECDSA on P-256/P-384 and
 * RSA of at least 2048 bits (checked in signature-auth.ts).
 */
import { hex } from "../../wire/hex.js";
import { HashAlgorithm } from "./hash-algorithms.js";

export type DigitalSignatureAlgorithmName =
  | "ecdsa-with-SHA256"
  | "ecdsa-with-SHA384"
  | "sha256WithRSAEncryption"
  | "sha384WithRSAEncryption"
  | "rsassa-pss-sha256";

/** One RFC 7427 signature algorithm and how node:crypto computes it. */
export interface DigitalSignatureAlgorithm {
  readonly name: DigitalSignatureAlgorithmName;
  /** DER AlgorithmIdentifier as sent (RFC 7427 Appendix A). */
  readonly algorithmIdentifier: Uint8Array;
  /** Other DER strings peers are known to send for the same algorithm, accepted on receipt. */
  readonly aliases: readonly Uint8Array[];
  readonly hash: "sha256" | "sha384";
  /** RFC 7427 §7 hash id, matched against the peer's SIGNATURE_HASH_ALGORITHMS. */
  readonly hashId: number;
  readonly keyType: "ec" | "rsa";
  /** RSA only: RSASSA-PKCS1-v1_5 or RSASSA-PSS (salt length = hash length). */
  readonly rsaPadding?: "pkcs1" | "pss";
}

/** ecdsa-with-SHA256, OID 1.2.840.10045.4.3.2, parameters absent. */
export const ECDSA_WITH_SHA256_ALGORITHM_ID = hex("300a06082a8648ce3d040302");
/** ecdsa-with-SHA384, OID 1.2.840.10045.4.3.3, parameters absent. */
export const ECDSA_WITH_SHA384_ALGORITHM_ID = hex("300a06082a8648ce3d040303");
/** sha256WithRSAEncryption, OID 1.2.840.113549.1.1.11, NULL parameters. */
export const SHA256_WITH_RSA_ENCRYPTION_ALGORITHM_ID = hex("300d06092a864886f70d01010b0500");
/** sha384WithRSAEncryption, OID 1.2.840.113549.1.1.12, NULL parameters. */
export const SHA384_WITH_RSA_ENCRYPTION_ALGORITHM_ID = hex("300d06092a864886f70d01010c0500");
/**
 * id-RSASSA-PSS, OID 1.2.840.113549.1.1.10, with RSASSA-PSS-params { hashAlgorithm [0] id-sha256
 * NULL, maskGenAlgorithm [1] id-mgf1(id-sha256 NULL), saltLength [2] 32 }; trailerField is the
 * DEFAULT 1 and so, in DER (X.690 §11.5), absent.
 */
export const RSASSA_PSS_SHA256_ALGORITHM_ID = hex(
  "304106092a864886f70d01010a3034a00f300d06096086480165030402010500"
    + "a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
);
/**
 * The same PSS parameters with trailerField [3] INTEGER 1 written out, the style of the RFC 7427
 * Appendix A.4 listings (see RFC Errata ID 4295, which quotes A.4.2 with the explicit trailer).
 * Not DER; accepted on receipt only, in case a peer encodes the parameters in that style.
 */
export const RSASSA_PSS_SHA256_EXPLICIT_TRAILER_ALGORITHM_ID = hex(
  "304606092a864886f70d01010a3039a00f300d06096086480165030402010500"
    + "a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120a303020101",
);

const NONE: readonly Uint8Array[] = [];

/** The algorithms we sign and verify with, in our order of preference within each key type. */
export const DIGITAL_SIGNATURE_ALGORITHMS: readonly DigitalSignatureAlgorithm[] = [
  { name: "ecdsa-with-SHA256", algorithmIdentifier: ECDSA_WITH_SHA256_ALGORITHM_ID, aliases: NONE, hash: "sha256", hashId: HashAlgorithm.SHA2_256, keyType: "ec" },
  { name: "ecdsa-with-SHA384", algorithmIdentifier: ECDSA_WITH_SHA384_ALGORITHM_ID, aliases: NONE, hash: "sha384", hashId: HashAlgorithm.SHA2_384, keyType: "ec" },
  {
    name: "rsassa-pss-sha256", algorithmIdentifier: RSASSA_PSS_SHA256_ALGORITHM_ID, aliases: [RSASSA_PSS_SHA256_EXPLICIT_TRAILER_ALGORITHM_ID],
    hash: "sha256", hashId: HashAlgorithm.SHA2_256, keyType: "rsa", rsaPadding: "pss",
  },
  {
    name: "sha256WithRSAEncryption", algorithmIdentifier: SHA256_WITH_RSA_ENCRYPTION_ALGORITHM_ID, aliases: NONE,
    hash: "sha256", hashId: HashAlgorithm.SHA2_256, keyType: "rsa", rsaPadding: "pkcs1",
  },
  {
    name: "sha384WithRSAEncryption", algorithmIdentifier: SHA384_WITH_RSA_ENCRYPTION_ALGORITHM_ID, aliases: NONE,
    hash: "sha384", hashId: HashAlgorithm.SHA2_384, keyType: "rsa", rsaPadding: "pkcs1",
  },
];
