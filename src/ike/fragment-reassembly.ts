/**
 * Reassembly of an IKE message sent as SKF fragments (RFC 7383 §2.6). Each fragment is verified and
 * decrypted as it arrives (openFragment); this keeps the decrypted shares of one message until all
 * are there. Limits of ours, since the RFC sets none: at most MAX_FRAGMENTS fragments and
 * MAX_REASSEMBLED_OCTETS octets per message, and one message per direction per IKE SA.
 */
import { decodePayloads } from "./codec/message.js";
import type { IkeMessage, Payload } from "./codec/payloads.js";
import type { IkeContext } from "./context.js";
import { openFragment, openMessage, type OpenedFragment, type OpenFailure } from "./message-protection.js";
import { HeaderFlag, PayloadType } from "./registry.js";
import type { IkeSa } from "./sa/ike-sa.js";
import { concatBytes } from "../wire/hex.js";
import type { CodecError } from "../wire/codec-error.js";

export const MAX_FRAGMENTS = 64;
export const MAX_REASSEMBLED_OCTETS = 65_535;

export type FragmentDrop = "too-many-fragments" | "fewer-total-fragments" | "duplicate-fragment" | "reassembly-too-large";

export type CollectResult =
  | { readonly kind: "pending" }
  | { readonly kind: "dropped"; readonly reason: FragmentDrop }
  | { readonly kind: "complete"; readonly payloads: Payload[] }
  | { readonly kind: "codec"; readonly error: CodecError };

/** The fragments received so far of one message. */
export class Reassembly {
  private readonly parts: Array<Uint8Array | undefined>;
  private received = 0;
  private octets = 0;
  private innerFirst = 0;
  private outer: readonly Payload[] = [];

  constructor(readonly messageId: number, readonly total: number) {
    this.parts = new Array<Uint8Array | undefined>(total).fill(undefined);
  }

  /** Stores a fragment; the whole message once it is the last one missing. */
  add(f: OpenedFragment): CollectResult {
    if (this.parts[f.number - 1] !== undefined) return { kind: "dropped", reason: "duplicate-fragment" };
    this.octets += f.inner.length;
    if (this.octets > MAX_REASSEMBLED_OCTETS) return { kind: "dropped", reason: "reassembly-too-large" };
    this.parts[f.number - 1] = f.inner;
    this.received++;
    if (f.number === 1) {
      this.innerFirst = f.innerFirst;
      this.outer = f.outer;
    }
    if (this.received < this.total) return { kind: "pending" };
    const inner = concatBytes(...this.parts.map((p) => p ?? new Uint8Array(0)));
    const decoded = decodePayloads(this.innerFirst, inner);
    return decoded.ok ? { kind: "complete", payloads: [...this.outer, ...decoded.value] } : { kind: "codec", error: decoded.error };
  }
}

/**
 * Files a verified fragment of message `messageId` under `current` (the reassembly of this
 * direction, if any), per RFC 7383 §2.6: a fragment of another message starts a new reassembly; a
 * fragment with more Total Fragments than the stored ones means the sender fragmented again with
 * a smaller size, so the stored ones go; one with fewer is discarded. Returns the reassembly to
 * keep (undefined when none) and what became of the fragment.
 */
export function collectFragment(current: Reassembly | undefined, messageId: number, f: OpenedFragment): { keep: Reassembly | undefined; result: CollectResult } {
  if (f.total > MAX_FRAGMENTS) return { keep: current, result: { kind: "dropped", reason: "too-many-fragments" } };
  const same = current?.messageId === messageId ? current : undefined;
  if (same && f.total < same.total) return { keep: same, result: { kind: "dropped", reason: "fewer-total-fragments" } };
  const r = same && f.total === same.total ? same : new Reassembly(messageId, f.total);
  const result = r.add(f);
  const done = result.kind === "complete" || result.kind === "codec" || (result.kind === "dropped" && result.reason === "reassembly-too-large");
  return { keep: done ? undefined : r, result };
}

export type OpenProtected = { ok: true; payloads: Payload[] } | { ok: false; failure: OpenFailure } | { ok: "pending" };

/** True if the message ends in an SKF payload: a fragment (RFC 7383 §2.5). */
export function isFragment(msg: IkeMessage): boolean {
  return msg.payloads.at(-1)?.type === PayloadType.SKF;
}

/** The fragment number of an SKF message (0 for any other). */
export function fragmentNumber(msg: IkeMessage): number {
  const last = msg.payloads.at(-1);
  return last && last.type === PayloadType.SKF && "fragmentNumber" in last ? last.fragmentNumber : 0;
}

/**
 * The payloads of a protected message of `sa`: an SK message opened, or an SKF fragment verified
 * and filed until its message is whole ({ ok: "pending" } meanwhile). Fragments are refused on an
 * SA that did not negotiate them (RFC 7383 §2.3); a refused fragment is counted and logged by reason.
 */
export function openProtected(ctx: IkeContext, sa: IkeSa, raw: Uint8Array, msg: IkeMessage): OpenProtected {
  if (!sa.crypto) return { ok: false, failure: { kind: "no-sk" } };
  if (!isFragment(msg)) return openMessage(raw, msg, sa.crypto.in);
  if (!sa.fragmentation) return { ok: false, failure: { kind: "no-sk" } };
  const opened = openFragment(raw, msg, sa.crypto.in);
  if (!opened.ok) return opened;
  ctx.counters.add("ike_fragments_received");
  const response = (msg.header.flags & HeaderFlag.RESPONSE) !== 0;
  const { keep, result } = collectFragment(response ? sa.responseFragments : sa.requestFragments, msg.header.messageId, opened.fragment);
  if (response) sa.responseFragments = keep;
  else sa.requestFragments = keep;
  switch (result.kind) {
    case "pending": return { ok: "pending" };
    case "complete":
      ctx.counters.add("ike_fragmented_messages_received");
      return { ok: true, payloads: result.payloads };
    case "codec": return { ok: false, failure: { kind: "codec", error: result.error } };
    case "dropped":
      ctx.counters.add(`ike_fragments_dropped{reason="${result.reason}"}`);
      ctx.rejections.note(`fragment-${result.reason}`, "IKE fragment dropped", () => ({ sa: sa.name, messageId: msg.header.messageId, reason: result.reason }));
      return { ok: "pending" };
  }
}
