/**
 * The request/response discipline of RFC 7296 §2.1-§2.3 for one IKE SA: one outstanding request at
 * a time (window size 1), retransmission on a schedule, message IDs, and the cached last response
 * that answers a retransmitted request without processing it twice.
 */
import { encodeMessage } from "./codec/message.js";
import type { Payload } from "./codec/payloads.js";
import type { IkeContext } from "./context.js";
import { sealFragments, sealMessage, type HeaderFields } from "./message-protection.js";
import type { Endpoint } from "./endpoint.js";
import { HeaderFlag } from "./registry.js";
import type { IkeSa, QueuedRequest, ReceivedResponse, ResponseHandler } from "./sa/ike-sa.js";

/** I flag: set on every message the original initiator of the IKE SA sends; R flag on responses (§3.1). */
export function headerFlags(sa: IkeSa, response: boolean): number {
  return (sa.role === "initiator" ? HeaderFlag.INITIATOR : 0) | (response ? HeaderFlag.RESPONSE : 0);
}

/** RFC 7383 §2.5.1: without path MTU discovery, 1280 octets (IPv6's minimum MTU); strongSwan's default too. */
export const DEFAULT_FRAGMENT_SIZE = 1280;
/** The smallest fragment size configuration accepts: room for about a hundred inner octets per fragment with AES-CBC over IPv4. */
export const MIN_FRAGMENT_SIZE = 200;

/** IP and UDP headers and the non-ESP marker (RFC 3948 §2.2, on the NAT-T port) around an IKE message to `remote`. */
function transportOverhead(remote: Endpoint): number {
  return (remote.address.includes(":") ? 40 : 20) + 8 + 4;
}

/**
 * The datagrams of one message: protected ones as SK, or as SKF fragments when both peers support
 * fragmentation (RFC 7383 §2.3) and the message would make a larger IP packet than ctx.fragmentSize.
 */
function buildDatagrams(ctx: IkeContext, sa: IkeSa, exchangeType: number, messageId: number, response: boolean, payloads: readonly Payload[]): Uint8Array[] {
  const h: HeaderFields = { spiI: sa.spiI, spiR: sa.spiR, exchangeType, flags: headerFlags(sa, response), messageId };
  if (!sa.crypto) return [encodeMessage({ ...h, version: 0x20 }, payloads)];
  if (!sa.fragmentation || ctx.fragmentSize <= 0) return [sealMessage(h, payloads, sa.crypto.out)];
  const datagrams = sealFragments(h, payloads, sa.crypto.out, ctx.fragmentSize - transportOverhead(sa.remote));
  if (datagrams.length > 1) ctx.counters.add("ike_fragmented_messages_sent");
  return datagrams;
}

function sendAll(ctx: IkeContext, sa: IkeSa, datagrams: readonly Uint8Array[]): void {
  for (const d of datagrams) ctx.sender.send(d, sa.local, sa.remote);
}

/**
 * Queues a request; it is built and sent when no other request of ours is outstanding. `build`
 * runs just before sending (it may return undefined to cancel, e.g. the SA was rekeyed meanwhile).
 */
export function queueRequest(ctx: IkeContext, sa: IkeSa, req: QueuedRequest): void {
  sa.queue.push(req);
  if (!sa.outstanding) sendNext(ctx, sa);
}

function sendNext(ctx: IkeContext, sa: IkeSa): void {
  while (!sa.outstanding && sa.state !== "dead") {
    const next = sa.queue.shift();
    if (!next) return;
    const payloads = next.build();
    if (!payloads) continue;
    const messageId = sa.nextOwnRequestId++;
    const datagrams = buildDatagrams(ctx, sa, next.exchangeType, messageId, false, payloads);
    sa.outstanding = {
      messageId, exchangeType: next.exchangeType, datagrams, tries: 0, onResponse: next.onResponse,
      timeoutReason: next.timeoutReason ?? "retransmit-timeout",
    };
    transmit(ctx, sa);
  }
}

function transmit(ctx: IkeContext, sa: IkeSa): void {
  const o = sa.outstanding;
  if (!o) return;
  sendAll(ctx, sa, o.datagrams);
  const timeout = ctx.timing.retransmitMs[o.tries];
  if (timeout === undefined) {
    o.timer = undefined;
    return;
  }
  o.timer = ctx.clock.schedule(timeout, () => {
    o.tries++;
    if (o.tries >= ctx.timing.retransmitMs.length) {
      ctx.log.warn("ike", "no response after retransmissions", { sa: sa.name, exchange: o.exchangeType, tries: o.tries });
      ctx.counters.add("ike_retransmit_timeouts");
      ctx.terminate(sa, o.timeoutReason);
      return;
    }
    ctx.counters.add("ike_retransmissions");
    transmit(ctx, sa);
  });
}

/** Sends a request right away, bypassing the queue: only for IKE_SA_INIT, which precedes everything. */
export function sendInitRequest(ctx: IkeContext, sa: IkeSa, payloads: readonly Payload[], onResponse: ResponseHandler): Uint8Array {
  sa.outstanding?.timer?.cancel();
  const datagram = encodeMessage({ spiI: sa.spiI, spiR: sa.spiR, exchangeType: 34, flags: headerFlags(sa, false), messageId: 0, version: 0x20 }, payloads);
  sa.nextOwnRequestId = 1;
  sa.outstanding = { messageId: 0, exchangeType: 34, datagrams: [datagram], tries: 0, onResponse, timeoutReason: "retransmit-timeout" };
  transmit(ctx, sa);
  return datagram;
}

/** §2.3: a response whose ID is not that of our outstanding request is dropped (counted, logged); true if so. */
export function refuseUnexpectedResponse(ctx: IkeContext, sa: IkeSa, messageId: number): boolean {
  if (sa.outstanding?.messageId === messageId) return false;
  ctx.counters.add("ike_unexpected_responses");
  ctx.rejections.note("unexpected-response", "response to no outstanding request dropped", () => ({ sa: sa.name, messageId, idi: sa.idiHex }));
  return true;
}

/** Hands a response to the request it answers (§2.3: a response with another ID is dropped). */
export function acceptResponse(ctx: IkeContext, sa: IkeSa, response: ReceivedResponse): boolean {
  const o = sa.outstanding;
  if (!o || refuseUnexpectedResponse(ctx, sa, response.header.messageId)) return false;
  o.timer?.cancel();
  sa.outstanding = undefined;
  o.onResponse(response);
  sendNext(ctx, sa);
  return true;
}

export type RequestVerdict = "process" | "retransmitted" | "drop";

/**
 * §2.2: a request with the next expected ID is processed; the previous ID is a retransmission,
 * answered from the cache; anything else is dropped. Both refusals are counted and logged
 * (rate-limited: a peer replaying one message cannot flood the log). Before the message's ICV is
 * checked (§2.1 answers retransmissions unauthenticated), so only header fields are logged.
 */
export function classifyRequest(ctx: IkeContext, sa: IkeSa, messageId: number): RequestVerdict {
  if (messageId === sa.nextPeerRequestId) return "process";
  const cached = sa.lastResponse;
  if (cached && cached.messageId === messageId) {
    ctx.counters.add("ike_duplicate_requests");
    ctx.rejections.note("retransmitted-request", "retransmitted request answered from the cache", () => ({ sa: sa.name, messageId, idi: sa.idiHex }));
    sendAll(ctx, sa, cached.datagrams);
    return "retransmitted";
  }
  ctx.counters.add("ike_out_of_window_requests");
  ctx.rejections.note("out-of-window-request", "request outside the window dropped", () => ({ sa: sa.name, messageId, expected: sa.nextPeerRequestId, idi: sa.idiHex }));
  return "drop";
}

/** Sends (and caches) our response to the peer's request `messageId`. */
export function respond(ctx: IkeContext, sa: IkeSa, exchangeType: number, messageId: number, payloads: readonly Payload[]): void {
  const datagrams = buildDatagrams(ctx, sa, exchangeType, messageId, true, payloads);
  sa.lastResponse = { messageId, datagrams };
  sa.nextPeerRequestId = messageId + 1;
  sendAll(ctx, sa, datagrams);
}
