/**
 * The gate in front of the responder's IKE_SA_INIT (RFC 7296 §2.6): above the half-open threshold a
 * request must echo a cookie we made from its own Ni, IPi and SPIi, so a flood from spoofed
 * addresses costs us no state and no DH.
 */
import type { IkeContext, ResponderPolicy } from "./context.js";
import type { CookieJar } from "./cookie.js";
import type { Endpoint } from "./endpoint.js";
import { findPayload, notify } from "./payload-builders.js";
import { NotifyType, PayloadType } from "./registry.js";
import type { IkeSa } from "./sa/ike-sa.js";
import { acceptIkeSaInit, sendStatelessInitResponse, type InitRequest } from "./tasks/ike-sa-init.js";

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
