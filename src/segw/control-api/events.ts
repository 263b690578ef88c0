/**
 * Events from the SeGW to its eNBs, delivered on the control API's event stream: tunnel-up and
 * tunnel-down, and LWIP RELEASE REQUIRED (WT Initiated LWIP Release, TS 36.463) after a liveness
 * failure or a UE-side delete. The JSON shapes are those the stream carries (hex for octets).
 *
 * The bus decouples the daemon from subscribers: publish() only appends to each subscriber's
 * bounded queue and schedules delivery, so a slow or stuck subscriber costs the daemon at most
 * `maxQueue` events, after which its oldest events are dropped and it is told how many it lost.
 */
import { toHex } from "../../wire/hex.js";
import type { ProvisioningEntry } from "../provisioning-store.js";
import type { XwapCause } from "./xwap.js";

/** The XwAP IDs and the IDi that name a UE in every event. */
export interface UeIds {
  readonly enbUeXwapId: string;
  readonly wtUeXwapId: string;
  readonly ikeInitiatorIdentity: string;
}

export interface TunnelUpEvent extends UeIds {
  readonly type: "tunnel-up";
  readonly innerAddress: string | null;
  readonly ueEndpoint: string | null;
}

export interface TunnelDownEvent extends UeIds {
  readonly type: "tunnel-down";
  readonly reason: string;
}

/** LWIP RELEASE REQUIRED: the eNB answers with POST lwip-release-confirm. */
export interface LwipReleaseRequiredEvent extends UeIds {
  readonly type: "lwip-release-required";
  readonly cause: XwapCause;
  /** Why, in our words (e.g. "dpd-timeout", "deleted-by-peer"). */
  readonly reason: string;
}

export type SegwEvent = TunnelUpEvent | TunnelDownEvent | LwipReleaseRequiredEvent;

/** Delivered in place of events a subscriber lost because its queue was full. */
export interface EventsLost {
  readonly type: "events-lost";
  readonly count: number;
}

/** One delivery: a bus-wide sequence number (the SSE id; 0 for events-lost) and the event. */
export interface BusMessage {
  readonly id: number;
  readonly event: SegwEvent | EventsLost;
}

/** What an event names of its UE's entry. */
type EventEntry = Pick<ProvisioningEntry, "enbUeXwapId" | "wtUeXwapId" | "idi" | "tunnel">;

function ueIds(entry: EventEntry): UeIds {
  return { enbUeXwapId: toHex(entry.enbUeXwapId), wtUeXwapId: toHex(entry.wtUeXwapId), ikeInitiatorIdentity: toHex(entry.idi) };
}

export function tunnelUpEvent(entry: EventEntry): TunnelUpEvent {
  return { type: "tunnel-up", ...ueIds(entry), innerAddress: entry.tunnel?.innerAddress ?? null, ueEndpoint: entry.tunnel?.ueEndpoint ?? null };
}

export function tunnelDownEvent(entry: EventEntry, reason: string): TunnelDownEvent {
  return { type: "tunnel-down", ...ueIds(entry), reason };
}

export function releaseRequiredEvent(entry: EventEntry, cause: XwapCause, reason: string): LwipReleaseRequiredEvent {
  return { type: "lwip-release-required", ...ueIds(entry), cause, reason };
}

interface Subscriber {
  readonly fn: (m: BusMessage) => void;
  readonly queue: BusMessage[];
  lost: number;
  scheduled: boolean;
  closed: boolean;
}

export interface SegwEventBusOptions {
  /** Events kept per subscriber before the oldest are dropped. */
  readonly maxQueue?: number;
  /** Runs a delivery later; setImmediate by default (tests may run it synchronously). */
  readonly defer?: (fn: () => void) => void;
}

/** Per-eNB publish/subscribe with bounded queues; see the module comment. */
export class SegwEventBus {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly maxQueue: number;
  private readonly defer: (fn: () => void) => void;
  private seq = 0;
  private droppedCount = 0;

  constructor(opts: SegwEventBusOptions = {}) {
    this.maxQueue = opts.maxQueue ?? 256;
    this.defer = opts.defer ?? ((fn) => void setImmediate(fn));
  }

  /** Queues `event` for every subscriber of `enbName`; never blocks and never throws. */
  publish(enbName: string, event: SegwEvent): void {
    const message: BusMessage = { id: ++this.seq, event };
    for (const s of this.subscribers.get(enbName) ?? []) {
      if (s.queue.length >= this.maxQueue) {
        s.queue.shift();
        s.lost++;
        this.droppedCount++;
      }
      s.queue.push(message);
      this.schedule(s);
    }
  }

  /** Delivers `enbName`'s events to fn, in order, until the returned function is called. */
  subscribe(enbName: string, fn: (m: BusMessage) => void): () => void {
    const s: Subscriber = { fn, queue: [], lost: 0, scheduled: false, closed: false };
    let set = this.subscribers.get(enbName);
    if (!set) this.subscribers.set(enbName, (set = new Set()));
    set.add(s);
    return () => {
      s.closed = true;
      s.queue.length = 0;
      set.delete(s);
      if (set.size === 0 && this.subscribers.get(enbName) === set) this.subscribers.delete(enbName);
    };
  }

  /** Events dropped from full queues, all subscribers together. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Number of subscribers of `enbName`. */
  subscriberCount(enbName: string): number {
    return this.subscribers.get(enbName)?.size ?? 0;
  }

  private schedule(s: Subscriber): void {
    if (s.scheduled) return;
    s.scheduled = true;
    this.defer(() => this.drain(s));
  }

  private drain(s: Subscriber): void {
    s.scheduled = false;
    if (s.lost > 0 && !s.closed) {
      const count = s.lost;
      s.lost = 0;
      s.fn({ id: 0, event: { type: "events-lost", count } });
    }
    while (!s.closed) {
      const m = s.queue.shift();
      if (!m) break;
      s.fn(m);
    }
  }
}
