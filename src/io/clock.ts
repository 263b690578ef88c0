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

/** The process clock: performance.now() and unref'd timers (a pending retransmit never keeps the process alive by itself). */
export const systemClock: Clock = {
  now: () => performance.now(),
  schedule(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
