/** Awaiting engine events from a CLI script: resolves on the first matching event, rejects on timeout. */
import type { IkeEvent } from "../ike/events.js";

interface Waiter {
  readonly match: (e: IkeEvent) => boolean;
  readonly resolve: (e: IkeEvent) => void;
}

export class EventWaiter {
  private readonly waiters: Waiter[] = [];
  readonly seen: IkeEvent[] = [];

  push(e: IkeEvent): void {
    this.seen.push(e);
    for (const w of [...this.waiters]) {
      if (!w.match(e)) continue;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(e);
    }
  }

  /** The next event (from now on) satisfying `match`, or a rejection after `timeoutMs`. */
  next<E extends IkeEvent>(match: (e: IkeEvent) => e is E, timeoutMs: number, what: string): Promise<E> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      // A wait never keeps the process alive by itself: the sockets do while there is work.
      timer.unref();
      const w: Waiter = { match, resolve: (e) => { clearTimeout(timer); resolve(e as E); } };
      this.waiters.push(w);
    });
  }
}

export function isEvent<K extends IkeEvent["event"]>(kind: K): (e: IkeEvent) => e is Extract<IkeEvent, { event: K }> {
  return (e): e is Extract<IkeEvent, { event: K }> => e.event === kind;
}
