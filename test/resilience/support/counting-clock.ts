/**
 * The system clock with a count of the timers it holds: a timer is live from schedule() until it
 * runs or is cancelled. Injected into the SeGW (startSegw's deps.clock) so that a test can assert
 * that every scenario gives back the timers it took (retransmissions, liveness checks, half-open
 * and provisioning windows).
 */
import type { Clock, TimerHandle } from "../../../src/io/clock.js";

export class CountingClock implements Clock {
  private live = 0;
  /** Timers scheduled so far. */
  scheduled = 0;

  /** Timers scheduled and neither run nor cancelled. */
  get pending(): number {
    return this.live;
  }

  now(): number {
    return performance.now();
  }

  schedule(ms: number, fn: () => void): TimerHandle {
    let done = false;
    const finish = () => {
      if (done) return false;
      done = true;
      this.live--;
      return true;
    };
    this.live++;
    this.scheduled++;
    const t = setTimeout(() => {
      if (finish()) fn();
    }, ms);
    t.unref();
    return {
      cancel: () => {
        if (finish()) clearTimeout(t);
      },
    };
  }
}
