import type { Clock, TimerHandle } from "../io/clock.js";

interface Job {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A deterministic clock for tests and simulations: time moves only when advance() is called. */
export class FakeClock implements Clock {
  private time = 0;
  private seq = 0;
  private jobs: Job[] = [];

  now(): number {
    return this.time;
  }

  schedule(ms: number, fn: () => void): TimerHandle {
    const job: Job = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.jobs.push(job);
    return { cancel: () => void (job.cancelled = true) };
  }

  /** Number of jobs still waiting to run. */
  get pending(): number {
    return this.jobs.filter((j) => !j.cancelled).length;
  }

  /** Moves time forward by ms, running due jobs in time order (jobs they schedule run too if due). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.jobs = this.jobs.filter((j) => !j.cancelled);
      this.jobs.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.jobs[0];
      if (!next || next.at > end) break;
      this.jobs.shift();
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }
}
