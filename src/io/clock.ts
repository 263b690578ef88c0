/**
 * Time as the protocol state machines see it: injected, so exchange tests run on a fake clock and
 * retransmissions are scheduled jobs rather than sleeps.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Runs fn once after ms milliseconds unless cancelled. */
  schedule(ms: number, fn: () => void): TimerHandle;
}

/** A handle as a class rather than a closure: a SeGW holds one per running timer of each of its UEs. */
class SystemTimer implements TimerHandle {
  constructor(private readonly timeout: ReturnType<typeof setTimeout>) {}

  cancel(): void {
    clearTimeout(this.timeout);
  }
}

/** The process clock: performance.now() and unref'd timers (a pending retransmit never keeps the process alive by itself). */
export const systemClock: Clock = {
  now: () => performance.now(),
  schedule(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return new SystemTimer(t);
  },
};

/**
 * Many timers of one fixed delay on one timer of `clock`. Deadlines set with the same delay fall
 * due in the order they were set, so a FIFO queue keeps them sorted: per item one queue slot
 * instead of a timer, a handle and a closure (a SeGW with a liveness check per UE holds 100k).
 *
 * There is no cancel: `fire` runs for every item that fell due and decides whether the item still
 * wants it (lazy cancellation), so an item stays referenced until its deadline passes at most.
 */
export class FixedDelayTimers<T> {
  private items: T[] = [];
  private dues: number[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    readonly delayMs: number,
    private readonly fire: (item: T) => void,
  ) {}

  /** Items waiting, including those whose owners no longer want them. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** `fire(item)` runs delayMs from now. */
  add(item: T): void {
    this.items.push(item);
    this.dues.push(this.clock.now() + this.delayMs);
    if (!this.timer) this.arm();
  }

  /** Stops the clock timer and forgets every item (shutdown). */
  clear(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.items = [];
    this.dues = [];
    this.head = 0;
  }

  private arm(): void {
    const due = this.dues[this.head];
    this.timer = due === undefined ? undefined : this.clock.schedule(Math.max(0, due - this.clock.now()), () => this.run());
  }

  private run(): void {
    const now = this.clock.now();
    try {
      // Items added while firing are due delayMs later: the loop never reaches them in this run.
      while (this.head < this.items.length && (this.dues[this.head] ?? Infinity) <= now) {
        const item = this.items[this.head] as T;
        this.head++;
        this.fire(item);
      }
    } finally {
      this.compact();
      this.arm();
    }
  }

  /** Drops the consumed prefix once it is half of the arrays: amortized O(1) per item. */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.dues = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.dues = this.dues.slice(this.head);
      this.head = 0;
    }
  }
}
