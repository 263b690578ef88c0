/**
 * IANA "Internet Key Exchange Version 2 (IKEv2) Parameters" values used by this implementation
 * (RFC 7296 §3, RFC 7383, RFC 5282, RFC 5903, RFC 8031, RFC 7427). One object per registry.
 */

/** IKE header Exchange Type (RFC 7296 §3.1). */
export const ExchangeType = {
  IKE_SA_INIT: 34,
  IKE_AUTH: 35,
  CREATE_CHILD_SA: 36,
  INFORMATIONAL: 37,
} as const;
export type ExchangeType = (typeof ExchangeType)[keyof typeof ExchangeType];

/** IKE header flags (RFC 7296 §3.1). */
export const HeaderFlag = {
  INITIATOR: 0x08,
  VERSION: 0x10,
  RESPONSE: 0x20,
} as const;

/** IKE version carried in the header: major 2, minor 0 (RFC 7296 §3.1). */
export const IKE_VERSION = 0x20;
export const IKE_HEADER_LENGTH = 28;
export const GENERIC_PAYLOAD_HEADER_LENGTH = 4;

/** Next Payload / payload type values (RFC 7296 §3.2, RFC 7383 §2.5). */
export const PayloadType = {
  NONE: 0,
  SA: 33,
  KE: 34,
  IDi: 35,
  IDr: 36,
  CERT: 37,
  CERTREQ: 38,
  AUTH: 39,
  NONCE: 40,
  NOTIFY: 41,
  DELETE: 42,
  VENDOR: 43,
  TSi: 44,
  TSr: 45,
  SK: 46,
  CP: 47,
  EAP: 48,
  SKF: 53,
} as const;
export type PayloadType = (typeof PayloadType)[keyof typeof PayloadType];

/** Protocol ID in proposals, notifies and deletes (RFC 7296 §3.3.1). */
export const ProtocolId = {
  NONE: 0,
  IKE: 1,
  AH: 2,
  ESP: 3,
} as const;
export type ProtocolId = (typeof ProtocolId)[keyof typeof ProtocolId];

/** Transform Type (RFC 7296 §3.3.2). */
export const TransformType = {
  ENCR: 1,
  PRF: 2,
  INTEG: 3,
  DH: 4,
  ESN: 5,
} as const;
export type TransformType = (typeof TransformType)[keyof typeof TransformType];

/** Transform Type 1, Encryption Algorithm IDs. */
export const EncrId = {
  ENCR_DES: 2,
  ENCR_3DES: 3,
  ENCR_NULL: 11,
  ENCR_AES_CBC: 12,
  ENCR_AES_CTR: 13,
  ENCR_AES_GCM_8: 18,
  ENCR_AES_GCM_12: 19,
  ENCR_AES_GCM_16: 20,
} as const;

/** Transform Type 2, Pseudorandom Function IDs. */
export const PrfId = {
  PRF_HMAC_MD5: 1,
  PRF_HMAC_SHA1: 2,
  PRF_HMAC_SHA2_256: 5,
  PRF_HMAC_SHA2_384: 6,
  PRF_HMAC_SHA2_512: 7,
} as const;

/** Transform Type 3, Integrity Algorithm IDs. */
export const IntegId = {
  NONE: 0,
  AUTH_HMAC_MD5_96: 1,
  AUTH_HMAC_SHA1_96: 2,
  AUTH_HMAC_SHA2_256_128: 12,
  AUTH_HMAC_SHA2_384_192: 13,
  AUTH_HMAC_SHA2_512_256: 14,
} as const;

/** Transform Type 4, Key Exchange Method (Diffie-Hellman group) IDs. */
export const DhGroup = {
  NONE: 0,
  MODP_768: 1,
  MODP_1024: 2,
  MODP_1536: 5,
  MODP_2048: 14,
  MODP_3072: 15,
  MODP_4096: 16,
  ECP_256: 19,
  ECP_384: 20,
  ECP_521: 21,
  CURVE25519: 31,
} as const;

/** Transform Type 5, Extended Sequence Numbers. */
export const EsnId = {
  NO_ESN: 0,
  ESN: 1,
} as const;

/** Transform attribute types (RFC 7296 §3.3.5). */
export const TransformAttribute = {
  KEY_LENGTH: 14,
} as const;

/** Identification Data types (RFC 7296 §3.5). */
export const IdType = {
  ID_IPV4_ADDR: 1,
  ID_FQDN: 2,
  ID_RFC822_ADDR: 3,
  ID_IPV6_ADDR: 5,
  ID_DER_ASN1_DN: 9,
  ID_DER_ASN1_GN: 10,
  ID_KEY_ID: 11,
} as const;

/** Authentication Method (RFC 7296 §3.8, RFC 7427). */
export const AuthMethod = {
  RSA_SIG: 1,
  SHARED_KEY_MIC: 2,
  DSS_SIG: 3,
  ECDSA_SHA256_P256: 9,
  ECDSA_SHA384_P384: 10,
  ECDSA_SHA512_P521: 11,
  DIGITAL_SIGNATURE: 14,
} as const;

/** Certificate encodings (RFC 7296 §3.6). */
export const CertEncoding = {
  X509_SIGNATURE: 4,
  HASH_AND_URL_X509: 12,
} as const;

/** Traffic Selector types (RFC 7296 §3.13.1). */
export const TsType = {
  TS_IPV4_ADDR_RANGE: 7,
  TS_IPV6_ADDR_RANGE: 8,
} as const;

/** Configuration payload CFG types (RFC 7296 §3.15). */
export const CfgType = {
  CFG_REQUEST: 1,
  CFG_REPLY: 2,
  CFG_SET: 3,
  CFG_ACK: 4,
} as const;

/** Configuration attribute types (RFC 7296 §3.15.1). */
export const CfgAttribute = {
  INTERNAL_IP4_ADDRESS: 1,
  INTERNAL_IP4_NETMASK: 2,
  INTERNAL_IP4_DNS: 3,
  INTERNAL_ADDRESS_EXPIRY: 5,
  INTERNAL_IP6_ADDRESS: 8,
  INTERNAL_IP6_DNS: 10,
  INTERNAL_IP4_SUBNET: 13,
  SUPPORTED_ATTRIBUTES: 14,
  INTERNAL_IP6_SUBNET: 15,
} as const;

/** Notify Message Types: errors below 16384, status from 16384 (RFC 7296 §3.10.1, RFC 7383, RFC 7427). */
export const NotifyType = {
  UNSUPPORTED_CRITICAL_PAYLOAD: 1,
  INVALID_IKE_SPI: 4,
  INVALID_MAJOR_VERSION: 5,
  INVALID_SYNTAX: 7,
  INVALID_MESSAGE_ID: 9,
  INVALID_SPI: 11,
  NO_PROPOSAL_CHOSEN: 14,
  INVALID_KE_PAYLOAD: 17,
  AUTHENTICATION_FAILED: 24,
  SINGLE_PAIR_REQUIRED: 34,
  NO_ADDITIONAL_SAS: 35,
  INTERNAL_ADDRESS_FAILURE: 36,
  FAILED_CP_REQUIRED: 37,
  TS_UNACCEPTABLE: 38,
  INVALID_SELECTORS: 39,
  TEMPORARY_FAILURE: 43,
  CHILD_SA_NOT_FOUND: 44,
  INITIAL_CONTACT: 16384,
  SET_WINDOW_SIZE: 16385,
  ADDITIONAL_TS_POSSIBLE: 16386,
  IPCOMP_SUPPORTED: 16387,
  NAT_DETECTION_SOURCE_IP: 16388,
  NAT_DETECTION_DESTINATION_IP: 16389,
  COOKIE: 16390,
  USE_TRANSPORT_MODE: 16391,
  HTTP_CERT_LOOKUP_SUPPORTED: 16392,
  REKEY_SA: 16393,
  ESP_TFC_PADDING_NOT_SUPPORTED: 16394,
  NON_FIRST_FRAGMENTS_ALSO: 16395,
  MOBIKE_SUPPORTED: 16396,
  IKEV2_FRAGMENTATION_SUPPORTED: 16430,
  SIGNATURE_HASH_ALGORITHMS: 16431,
} as const;

/** Error notifies are those below 16384 (RFC 7296 §3.10.1). */
export const NOTIFY_STATUS_MIN = 16384;
