/** Routes a peer's authenticated request to the exchange that handles it (RFC 7296 §1.2-§1.4). */
import type { IkeHeader, Payload } from "./codec/payloads.js";
import type { IkeContext } from "./context.js";
import { findNotify, findPayload, notify } from "./payload-builders.js";
import { ExchangeType, NotifyType, PayloadType, ProtocolId } from "./registry.js";
import type { IkeSa } from "./sa/ike-sa.js";
import { processIkeAuthRequest } from "./tasks/ike-auth-responder.js";
import { processInformationalRequest } from "./tasks/informational.js";
import { answerChildRekey } from "./tasks/rekey-child.js";
import { answerIkeRekey } from "./tasks/rekey-ike.js";
import { spiFromBytes } from "./tasks/child-keys.js";
import { refuseCreateChildSa } from "./tasks/refusal.js";

export function dispatchRequest(ctx: IkeContext, sa: IkeSa, h: IkeHeader, payloads: readonly Payload[], onRekeyed: (fresh: IkeSa) => void): void {
  switch (h.exchangeType) {
    case ExchangeType.IKE_AUTH:
      return onIkeAuth(ctx, sa, h.messageId, payloads);
    case ExchangeType.CREATE_CHILD_SA:
      return onCreateChildSa(ctx, sa, h.messageId, payloads, onRekeyed);
    case ExchangeType.INFORMATIONAL:
      return processInformationalRequest(ctx, sa, h.messageId, payloads);
    default:
      ctx.counters.add("ike_unknown_exchange");
      ctx.rejections.note("unknown-exchange", "request of an unknown exchange type dropped", () => ({ sa: sa.name, exchange: h.exchangeType, messageId: h.messageId, idi: sa.idiHex }));
      return;
  }
}

function onIkeAuth(ctx: IkeContext, sa: IkeSa, messageId: number, payloads: readonly Payload[]): void {
  // IKE_AUTH happens once, on a responder SA that finished IKE_SA_INIT (§1.2).
  if (sa.role !== "responder" || sa.state !== "half-open" || !ctx.policy) {
    ctx.counters.add("ike_auth_unexpected");
    ctx.rejections.note("unexpected-ike-auth", "unexpected IKE_AUTH request dropped", () => ({ sa: sa.name, state: sa.state, messageId, idi: sa.idiHex }));
    return;
  }
  sa.state = "authenticating";
  if (!processIkeAuthRequest(ctx, sa, ctx.policy, messageId, payloads)) ctx.terminate(sa, "deleted");
}

function onCreateChildSa(ctx: IkeContext, sa: IkeSa, messageId: number, payloads: readonly Payload[], onRekeyed: (fresh: IkeSa) => void): void {
  if (sa.state !== "established") return refuseCreateChildSa(ctx, sa, messageId, notify(NotifyType.TEMPORARY_FAILURE), { state: sa.state });
  const rekey = findNotify(payloads, NotifyType.REKEY_SA);
  const spi = rekey ? spiFromBytes(rekey.spi) : undefined;
  if (rekey && rekey.protocolId === ProtocolId.ESP && spi !== undefined) return answerChildRekey(ctx, sa, messageId, payloads, spi);
  const offer = findPayload(payloads, PayloadType.SA);
  if (!rekey && offer?.proposals.some((p) => p.protocolId === ProtocolId.IKE)) {
    const fresh = answerIkeRekey(ctx, sa, messageId, payloads);
    if (fresh) onRekeyed(fresh);
    return;
  }
  // One CHILD SA per IKE SA carries all of a UE's DRBs (TS 33.401 16.3): no additional SAs.
  refuseCreateChildSa(ctx, sa, messageId, notify(NotifyType.NO_ADDITIONAL_SAS));
}
