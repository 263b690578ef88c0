/**
 * Typed IKEv2 payload values (RFC 7296 §3, RFC 7383 §2.5): what decoders return and encoders take.
 * Plain readonly data: no keys, no sockets, no behaviour. `critical` is the C bit of the generic
 * payload header (§3.2); encoders write it as given, decoders report it.
 */
import type { PayloadType } from "../registry.js";

export interface TransformAttr {
  /** Attribute type without the AF bit. */
  readonly type: number;
  /** TV format (AF = 1): a 16-bit value; TLV format: bytes. */
  readonly value: number | Uint8Array;
}

export interface Transform {
  readonly type: number;
  readonly id: number;
  readonly attributes: readonly TransformAttr[];
}

export interface Proposal {
  /** Proposal Num, 1-based, consecutive in an SA offer (§3.3.1). */
  readonly number: number;
  readonly protocolId: number;
  /** Empty for the IKE SA in IKE_SA_INIT; 8 octets for IKE rekey; 4 octets for ESP/AH. */
  readonly spi: Uint8Array;
  readonly transforms: readonly Transform[];
}

interface Base<T extends PayloadType> {
  readonly type: T;
  readonly critical: boolean;
}

export interface SaPayload extends Base<33> {
  readonly proposals: readonly Proposal[];
}

export interface KePayload extends Base<34> {
  readonly dhGroup: number;
  readonly keyData: Uint8Array;
}

/** IDi (35) and IDr (36) share a layout (§3.5). */
export interface IdPayload extends Base<35 | 36> {
  readonly idType: number;
  readonly data: Uint8Array;
}

export interface CertPayload extends Base<37> {
  readonly encoding: number;
  readonly data: Uint8Array;
}

export interface CertReqPayload extends Base<38> {
  readonly encoding: number;
  readonly data: Uint8Array;
}

export interface AuthPayload extends Base<39> {
  readonly method: number;
  readonly data: Uint8Array;
}

export interface NoncePayload extends Base<40> {
  readonly nonce: Uint8Array;
}

export interface NotifyPayload extends Base<41> {
  readonly protocolId: number;
  readonly spi: Uint8Array;
  readonly notifyType: number;
  readonly data: Uint8Array;
}

export interface DeletePayload extends Base<42> {
  readonly protocolId: number;
  /** 0 for IKE, 4 for ESP/AH (§3.11). */
  readonly spiSize: number;
  readonly spis: readonly Uint8Array[];
}

export interface VendorPayload extends Base<43> {
  readonly vendorId: Uint8Array;
}

export interface TrafficSelector {
  /** TS_IPV4_ADDR_RANGE (7) or TS_IPV6_ADDR_RANGE (8). */
  readonly tsType: number;
  /** IP protocol number, 0 = any. */
  readonly ipProtocol: number;
  readonly startPort: number;
  readonly endPort: number;
  /** 4 or 16 octets, matching tsType. */
  readonly startAddress: Uint8Array;
  readonly endAddress: Uint8Array;
}

/** TSi (44) and TSr (45) share a layout (§3.13). */
export interface TsPayload extends Base<44 | 45> {
  readonly selectors: readonly TrafficSelector[];
}

/**
 * The Encrypted and Authenticated payload as it sits on the wire (§3.14): `innerFirst` is the
 * Next Payload field (type of the first inner payload); `body` is IV | ciphertext | ICV,
 * opaque to the codec. Opening it needs the IKE SA keys (see ike/crypto).
 */
export interface SkPayload extends Base<46> {
  readonly innerFirst: number;
  readonly body: Uint8Array;
}

export interface CfgAttr {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface CpPayload extends Base<47> {
  readonly cfgType: number;
  readonly attributes: readonly CfgAttr[];
}

export interface EapPayload extends Base<48> {
  /** The whole EAP message (code, identifier, length, type data), length-checked. */
  readonly message: Uint8Array;
}

/**
 * Encrypted fragment (RFC 7383 §2.5): `innerFirst` is non-zero only in fragment 1;
 * `body` is IV | ciphertext | ICV.
 */
export interface SkfPayload extends Base<53> {
  readonly innerFirst: number;
  readonly fragmentNumber: number;
  readonly totalFragments: number;
  readonly body: Uint8Array;
}

/** A payload type this codec does not model; kept raw so it can be skipped or re-encoded. */
export interface UnknownPayload {
  readonly type: number;
  readonly critical: boolean;
  readonly body: Uint8Array;
  readonly unknown: true;
}

export type Payload =
  | SaPayload
  | KePayload
  | IdPayload
  | CertPayload
  | CertReqPayload
  | AuthPayload
  | NoncePayload
  | NotifyPayload
  | DeletePayload
  | VendorPayload
  | TsPayload
  | SkPayload
  | CpPayload
  | EapPayload
  | SkfPayload
  | UnknownPayload;

/** The fixed IKE header (§3.1). SPIs are 8 octets each. */
export interface IkeHeader {
  readonly spiI: Uint8Array;
  readonly spiR: Uint8Array;
  readonly nextPayload: number;
  /** Major version in the high nibble, minor in the low (0x20 for IKEv2). */
  readonly version: number;
  readonly exchangeType: number;
  /** Raw flags octet: I (0x08), V (0x10), R (0x20). */
  readonly flags: number;
  readonly messageId: number;
  /** Total message length from the header, as read (decode) or to be written (encode). */
  readonly length: number;
}

export interface IkeMessage {
  readonly header: IkeHeader;
  /** Top-level payloads. An SK payload, if present, is the last one (§3.14). */
  readonly payloads: readonly Payload[];
}
