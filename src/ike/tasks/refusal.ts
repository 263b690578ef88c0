/**
 * Refusing a peer's request inside an established IKE SA (RFC 7296 §2.21.3): the error Notify goes
 * back in the protected response; the refusal is counted per reason and logged with the SA's and
 * the SPIs' identifiers, rate-limited per reason (ctx.rejections), so that a compromised peer
 * repeating a refused request cannot flood the log.
 */
import type { IkeHeader, NotifyPayload } from "../codec/payloads.js";
import type { IkeContext } from "../context.js";
import { respond } from "../exchange.js";
import { ExchangeType, NotifyType } from "../registry.js";
import { notify } from "../payload-builders.js";
import type { IkeSa } from "../sa/ike-sa.js";
import type { LogFields } from "../../io/log.js";
import { notifyName } from "./ike-sa-init.js";

/** Answers CREATE_CHILD_SA request `messageId` with `error` alone (§1.3, §3.10.1) and counts and logs it. */
export function refuseCreateChildSa(ctx: IkeContext, sa: IkeSa, messageId: number, error: NotifyPayload, fields: LogFields = {}): void {
  const reason = notifyName(error.notifyType);
  ctx.counters.add(`create_child_sa_refused{reason="${reason}"}`);
  ctx.rejections.note(reason, "CREATE_CHILD_SA refused", () => ({ sa: sa.name, idi: sa.idiHex, messageId, ...fields }));
  respond(ctx, sa, ExchangeType.CREATE_CHILD_SA, messageId, [error]);
}

/**
 * RFC 7296 §2.5: a request inside the SA carrying a critical payload we do not understand "MUST be
 * rejected and the response ... MUST include a Notify payload UNSUPPORTED_CRITICAL_PAYLOAD" whose
 * data is the payload type (`typeOctet`). Nothing of the request is processed.
 */
export function refuseUnsupportedCriticalPayloadInSa(ctx: IkeContext, sa: IkeSa, request: IkeHeader, typeOctet: Uint8Array): void {
  ctx.counters.add(`ike_request_refused{reason="UNSUPPORTED_CRITICAL_PAYLOAD"}`);
  ctx.rejections.note("UNSUPPORTED_CRITICAL_PAYLOAD", "request with an unsupported critical payload refused", () => ({
    sa: sa.name, idi: sa.idiHex, messageId: request.messageId, exchangeType: request.exchangeType, payloadType: typeOctet[0] ?? -1,
  }));
  respond(ctx, sa, request.exchangeType, request.messageId, [notify(NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD, typeOctet)]);
}
