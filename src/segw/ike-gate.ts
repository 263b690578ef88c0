/**
 * What stands before the IKE engine on the SeGW's public port (TS 33.401 16.1: rate limitation for
 * DoS protection): IKE_SA_INIT requests are limited per source and overall, and dropped outright
 * above the half-open maximum. Cookies (RFC 7296 §2.6) engage earlier, inside the engine.
 */
import { HeaderFlag, ExchangeType } from "../ike/registry.js";

const EXCHANGE_TYPE_OFFSET = 18;
const FLAGS_OFFSET = 19;
const IKE_HEADER_BYTES = 28;

const NEXT_PAYLOAD_OFFSET = 16;
const PAYLOAD_NOTIFY = 41;
const NOTIFY_TYPE_OFFSET = IKE_HEADER_BYTES + 6;
const NOTIFY_COOKIE = 16390;

/** True when the first payload is N(COOKIE), as in a retried IKE_SA_INIT (RFC 7296 §2.6); the engine verifies it. */
export function carriesCookie(message: Uint8Array): boolean {
  return message[NEXT_PAYLOAD_OFFSET] === PAYLOAD_NOTIFY && message.length > NOTIFY_TYPE_OFFSET + 1
    && (((message[NOTIFY_TYPE_OFFSET] ?? 0) << 8) | (message[NOTIFY_TYPE_OFFSET + 1] ?? 0)) === NOTIFY_COOKIE;
}

/** True for a datagram that looks like an IKE_SA_INIT request (cheap check, no decoding). */
export function isIkeSaInitRequest(message: Uint8Array): boolean {
  return message.length >= IKE_HEADER_BYTES
    && message[EXCHANGE_TYPE_OFFSET] === ExchangeType.IKE_SA_INIT
    && ((message[FLAGS_OFFSET] ?? 0) & HeaderFlag.RESPONSE) === 0;
}
