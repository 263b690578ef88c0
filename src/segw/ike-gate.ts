/**
 * What stands before the IKE engine on the SeGW's public port (TS 33.401 16.1: rate limitation for
 * DoS protection): IKE_SA_INIT requests are limited per source and overall, and dropped outright
 * above the half-open maximum. Cookies (RFC 7296 §2.6) engage earlier, inside the engine.
 */
import { HeaderFlag, ExchangeType } from "../ike/registry.js";

const EXCHANGE_TYPE_OFFSET = 18;
const FLAGS_OFFSET = 19;
const IKE_HEADER_BYTES = 28;

/** True for a datagram that looks like an IKE_SA_INIT request (cheap check, no decoding). */
export function isIkeSaInitRequest(message: Uint8Array): boolean {
  return message.length >= IKE_HEADER_BYTES
    && message[EXCHANGE_TYPE_OFFSET] === ExchangeType.IKE_SA_INIT
    && ((message[FLAGS_OFFSET] ?? 0) & HeaderFlag.RESPONSE) === 0;
}
