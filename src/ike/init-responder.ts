/**
 * The gate in front of the responder's IKE_SA_INIT (RFC 7296 §2.6): above the half-open threshold a
 * request must echo a cookie we made from its own Ni, IPi and SPIi, so a flood from spoofed
 * addresses costs us no state and no DH. Also the stateless answer to a request the codec refused
 * for an unsupported critical payload (§2.5).
 */
import type { IkeHeader } from "./codec/payloads.js";
import type { IkeContext, ResponderPolicy } from "./context.js";
import type { CookieJar } from "./cookie.js";
import type { Endpoint } from "./endpoint.js";
import { findPayload, notify } from "./payload-builders.js";
import { ExchangeType, HeaderFlag, NotifyType, PayloadType } from "./registry.js";
import type { IkeSa } from "./sa/ike-sa.js";
import { acceptIkeSaInit, refuseIkeSaInit, sendStatelessInitResponse, type InitRequest } from "./tasks/ike-sa-init.js";
import type { CodecError } from "../wire/codec-error.js";

export function handleIkeSaInitRequest(
  ctx: IkeContext, policy: ResponderPolicy, cookies: CookieJar, halfOpen: number, req: InitRequest, local: Endpoint, remote: Endpoint,
): IkeSa | undefined {
  if (halfOpen >= policy.cookieThreshold) {
    const ni = findPayload(req.payloads, PayloadType.NONCE);
    if (!ni) return undefined;
    // §2.6: the cookie notify must be the first payload of the retried request.
    const first = req.payloads[0];
    const echoed = first && first.type === PayloadType.NOTIFY && "notifyType" in first && first.notifyType === NotifyType.COOKIE ? first.data : undefined;
    if (!echoed || !cookies.verify(echoed, ni.nonce, remote.address, req.header.spiI)) {
      ctx.counters.add(echoed ? "ike_cookie_invalid" : "ike_cookie_sent");
      sendStatelessInitResponse(ctx, req.header, local, remote, [notify(NotifyType.COOKIE, cookies.make(ni.nonce, remote.address, req.header.spiI))]);
      return undefined;
    }
    ctx.counters.add("ike_cookie_verified");
  }
  return acceptIkeSaInit(ctx, req, local, remote, policy.ikeProposals, policy.espProposals, policy.certificates);
}

/**
 * RFC 7296 §2.5: "If the message is a request, the response MUST include a Notify payload
 * UNSUPPORTED_CRITICAL_PAYLOAD" whose data is the one-octet payload type. For an IKE_SA_INIT
 * request the codec refused that way, answers statelessly (no SA, no half-open entry) and returns
 * true; false for any other decoding error, which the caller drops (§2.21.1).
 */
export function refuseUnsupportedCriticalPayload(ctx: IkeContext, header: IkeHeader, error: CodecError, local: Endpoint, remote: Endpoint): boolean {
  const isInitRequest = header.exchangeType === ExchangeType.IKE_SA_INIT && (header.flags & HeaderFlag.RESPONSE) === 0 && header.messageId === 0;
  if (!isInitRequest || error.code !== "unsupported-critical-payload" || error.notifyData === undefined) return false;
  refuseIkeSaInit(ctx, header, local, remote, NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD, error.notifyData);
  return true;
}
