/**
 * INFORMATIONAL exchanges (RFC 7296 §1.4): deleting CHILD SAs and the IKE SA, and the empty request
 * that checks liveness (§2.4).
 *   HDR, SK {[N,] [D,] ...}  -->  <--  HDR, SK {[N,] [D,] ...}
 */
import type { Payload } from "../codec/payloads.js";
import type { IkeContext } from "../context.js";
import { queueRequest, respond } from "../exchange.js";
import { del, findPayloads } from "../payload-builders.js";
import { ExchangeType, NotifyType, PayloadType, ProtocolId } from "../registry.js";
import { wipeChildKeys, type ChildSa } from "../sa/child-sa.js";
import type { IkeSa } from "../sa/ike-sa.js";
import { announceChildDown } from "./announce.js";
import { spiBytes, spiFromBytes } from "./child-keys.js";
import { toHex } from "../../wire/hex.js";

/** Removes a CHILD SA from the data plane and the IKE SA, zeroizing its keys. */
export function dropChild(ctx: IkeContext, sa: IkeSa, child: ChildSa, reason: string): void {
  const i = sa.children.indexOf(child);
  if (i < 0) return;
  sa.children.splice(i, 1);
  ctx.sink.remove(sa, child);
  announceChildDown(ctx, sa, child, reason);
  wipeChildKeys(child);
  // Its successor no longer needs to know it (the data plane looked when it was removed).
  for (const c of sa.children) if (c.rekeyOf === child) c.rekeyOf = undefined;
}

/** We delete the IKE SA (and with it every CHILD SA, §1.4.1), then forget it once the peer answers. */
export function deleteIkeSa(ctx: IkeContext, sa: IkeSa): void {
  if (sa.state === "deleting" || sa.state === "dead") return;
  sa.state = "deleting";
  queueRequest(ctx, sa, {
    exchangeType: ExchangeType.INFORMATIONAL,
    build: () => [del(ProtocolId.IKE, 0, [])],
    onResponse: () => ctx.terminate(sa, "deleted"),
    timeoutReason: "deleted",
  });
}

/** We delete one CHILD SA: D(ESP, our inbound SPI); the peer answers with its own (§1.4.1). */
export function deleteChildSa(ctx: IkeContext, sa: IkeSa, child: ChildSa, reason = "deleted"): void {
  if (child.state === "deleting") return;
  child.state = "deleting";
  queueRequest(ctx, sa, {
    exchangeType: ExchangeType.INFORMATIONAL,
    build: () => [del(ProtocolId.ESP, 4, [spiBytes(child.spiIn)])],
    onResponse: () => dropChild(ctx, sa, child, reason),
  });
}

/** A liveness check: an empty INFORMATIONAL request; no answer after all retransmissions ends the SA. */
export function checkLiveness(ctx: IkeContext, sa: IkeSa): void {
  if (sa.state !== "established" || sa.outstanding) return;
  ctx.counters.add("ike_liveness_checks");
  queueRequest(ctx, sa, { exchangeType: ExchangeType.INFORMATIONAL, build: () => [], onResponse: () => {}, timeoutReason: "dpd-timeout" });
}

/** §1.4.1: SPIs that name no SA of ours are left out of the answer; counted, and logged rate-limited. */
function noteUnknownSpis(ctx: IkeContext, sa: IkeSa, spis: readonly string[]): void {
  ctx.counters.add("ike_delete_unknown_spi", spis.length);
  ctx.rejections.note("delete-unknown-spi", "Delete naming SPIs not found in this IKE SA ignored", () => ({ sa: sa.name, idi: sa.idiHex, spis }));
}

/** Answers the peer's INFORMATIONAL request. */
export function processInformationalRequest(ctx: IkeContext, sa: IkeSa, messageId: number, payloads: readonly Payload[]): void {
  const deletes = findPayloads(payloads, PayloadType.DELETE);
  if (deletes.some((d) => d.protocolId === ProtocolId.IKE)) {
    // §1.4.1: the answer to deleting the IKE SA is an empty INFORMATIONAL response.
    respond(ctx, sa, ExchangeType.INFORMATIONAL, messageId, []);
    ctx.terminate(sa, "deleted-by-peer");
    return;
  }
  const ours: Uint8Array[] = [];
  const unknown: string[] = [];
  for (const d of deletes) {
    for (const spi of d.spis) {
      // Only this IKE SA's CHILD SAs are looked at: another UE's SPI is simply not found (TS 33.401 16.2.2).
      const child = d.protocolId === ProtocolId.ESP ? sa.children.find((c) => c.spiOut === spiFromBytes(spi)) : undefined;
      if (!child) {
        unknown.push(toHex(spi));
        continue;
      }
      // §1.4.1: answer with our inbound SPIs of the pairs, unless we are deleting them ourselves already.
      if (child.state !== "deleting") ours.push(spiBytes(child.spiIn));
      dropChild(ctx, sa, child, "deleted-by-peer");
    }
  }
  if (unknown.length > 0) noteUnknownSpis(ctx, sa, unknown);
  respond(ctx, sa, ExchangeType.INFORMATIONAL, messageId, ours.length > 0 ? [del(ProtocolId.ESP, 4, ours)] : []);
  const fatal = findPayloads(payloads, PayloadType.NOTIFY).find((n) => n.notifyType === NotifyType.AUTHENTICATION_FAILED);
  if (fatal) ctx.terminate(sa, "deleted-by-peer");
}
