/** Short constructors for the payload values the exchanges send, so task code reads like RFC 7296 notation. */
import { PayloadType, ProtocolId } from "./registry.js";
import type {
  AuthPayload, CfgAttr, CpPayload, DeletePayload, IdPayload, KePayload, NoncePayload, NotifyPayload, Payload,
  Proposal, SaPayload, TrafficSelector, TsPayload,
} from "./codec/payloads.js";

const EMPTY = new Uint8Array(0);

export function sa(proposals: readonly Proposal[]): SaPayload {
  return { type: PayloadType.SA, critical: false, proposals };
}

export function ke(dhGroup: number, keyData: Uint8Array): KePayload {
  return { type: PayloadType.KE, critical: false, dhGroup, keyData };
}

export function nonce(value: Uint8Array): NoncePayload {
  return { type: PayloadType.NONCE, critical: false, nonce: value };
}

export function notify(notifyType: number, data: Uint8Array = EMPTY, protocolId: number = ProtocolId.NONE, spi: Uint8Array = EMPTY): NotifyPayload {
  return { type: PayloadType.NOTIFY, critical: false, protocolId, spi, notifyType, data };
}

export function idi(idType: number, data: Uint8Array): IdPayload {
  return { type: PayloadType.IDi, critical: false, idType, data };
}

export function idr(idType: number, data: Uint8Array): IdPayload {
  return { type: PayloadType.IDr, critical: false, idType, data };
}

export function auth(method: number, data: Uint8Array): AuthPayload {
  return { type: PayloadType.AUTH, critical: false, method, data };
}

export function tsi(selectors: readonly TrafficSelector[]): TsPayload {
  return { type: PayloadType.TSi, critical: false, selectors };
}

export function tsr(selectors: readonly TrafficSelector[]): TsPayload {
  return { type: PayloadType.TSr, critical: false, selectors };
}

export function cp(cfgType: number, attributes: readonly CfgAttr[]): CpPayload {
  return { type: PayloadType.CP, critical: false, cfgType, attributes };
}

export function del(protocolId: number, spiSize: number, spis: readonly Uint8Array[]): DeletePayload {
  return { type: PayloadType.DELETE, critical: false, protocolId, spiSize, spis };
}

type KnownPayload = Exclude<Payload, { unknown: true }>;

/** The payload value type for a payload type number (IDi/IDr and TSi/TSr share one type each). */
export type PayloadOf<T extends number> = T extends 35 | 36 ? IdPayload : T extends 44 | 45 ? TsPayload : Extract<KnownPayload, { type: T }>;

function isKnown(p: Payload): p is KnownPayload {
  return !("unknown" in p);
}

/** Typed lookups over a decoded payload list. */
export function findPayload<T extends KnownPayload["type"]>(payloads: readonly Payload[], type: T): PayloadOf<T> | undefined {
  return payloads.find((p) => p.type === type && isKnown(p)) as PayloadOf<T> | undefined;
}

export function findPayloads<T extends KnownPayload["type"]>(payloads: readonly Payload[], type: T): PayloadOf<T>[] {
  return payloads.filter((p) => p.type === type && isKnown(p)) as PayloadOf<T>[];
}

export function findNotify(payloads: readonly Payload[], notifyType: number): NotifyPayload | undefined {
  return findPayloads(payloads, PayloadType.NOTIFY).find((n) => n.notifyType === notifyType);
}

/** The first error notify (type < 16384, RFC 7296 §3.10.1) in a response, if any. */
export function findErrorNotify(payloads: readonly Payload[]): NotifyPayload | undefined {
  return findPayloads(payloads, PayloadType.NOTIFY).find((n) => n.notifyType < 16384);
}
