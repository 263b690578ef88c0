/**
 * Logging of refused input that a flood cannot turn into a log flood. Per reason (a short stable
 * name from the code, e.g. "out-of-window-request", "esp-replay"; never text taken from a packet)
 * the first `burst` refusals of an interval are logged with the caller's identifiers; the rest are
 * only counted, and once the interval is over one summary line says how many were left out:
 * "suppressed K more <reason> in the last T s". Counters stay exact; the log is a sample.
 *
 * Like the kernel's printk rate limit, the summary is written when the reason next occurs after
 * its interval, or at flush() (shutdown): no timer is held, so an idle process keeps none.
 *
 * Time comes from the injected Clock (src/io/clock.ts). The work per refusal is one Map lookup and
 * a few additions; identifiers are formatted only for the lines actually written. Callers pass
 * identifiers (SPIs, IDi, addresses), never key material.
 */
import type { Clock } from "./clock.js";
import type { LogFields, Logger, LogLevel } from "./log.js";

/** Lines per reason per interval written before suppression starts. */
export const DEFAULT_REJECTION_BURST = 5;
/** Length of a reason's interval, from its first refusal. */
export const DEFAULT_REJECTION_INTERVAL_MS = 10_000;
/** Distinct reasons tracked; more share the OVERFLOW_REASON entry (reasons come from the code, so this is a safety net). */
export const DEFAULT_MAX_REASONS = 256;
export const OVERFLOW_REASON = "other";

export interface RateLimitedLogOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Subsystem of every line (ike, esp, segw...). */
  readonly subsys: string;
  /** Level of every line; info by default. */
  readonly level?: Exclude<LogLevel, "error">;
  readonly burst?: number;
  readonly intervalMs?: number;
  readonly maxReasons?: number;
}

interface ReasonWindow {
  readonly startedAt: number;
  /** Refusals in this interval, logged or not. */
  count: number;
  suppressed: number;
}

/** See the module comment. One instance per subsystem; not tied to any peer. */
export class RateLimitedLog {
  readonly burst: number;
  readonly intervalMs: number;
  private readonly windows = new Map<string, ReasonWindow>();
  private readonly maxReasons: number;

  /** @throws RangeError for a negative burst or a non-positive interval (configuration errors). */
  constructor(private readonly opts: RateLimitedLogOptions) {
    this.burst = opts.burst ?? DEFAULT_REJECTION_BURST;
    this.intervalMs = opts.intervalMs ?? DEFAULT_REJECTION_INTERVAL_MS;
    this.maxReasons = opts.maxReasons ?? DEFAULT_MAX_REASONS;
    if (!(this.burst >= 0) || !(this.intervalMs > 0) || !(this.maxReasons >= 1)) throw new RangeError("rate-limited log: burst >= 0, intervalMs > 0, maxReasons >= 1");
  }

  /**
   * One refusal for `reason`: logged as `msg` with `{ ...fields(), reason, count }` while the
   * reason's burst lasts, else counted for its summary. `fields` runs only for a written line.
   */
  note(reason: string, msg: string, fields?: () => LogFields): void {
    const now = this.opts.clock.now();
    const key = this.windows.has(reason) || this.windows.size < this.maxReasons ? reason : OVERFLOW_REASON;
    let w = this.windows.get(key);
    if (w && now - w.startedAt >= this.intervalMs) {
      this.close(key, w, now);
      w = undefined;
    }
    if (!w) {
      w = { startedAt: now, count: 0, suppressed: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count <= this.burst) this.write(msg, { ...fields?.(), reason: key, count: w.count });
    else w.suppressed++;
  }

  /** Ends every interval now, writing the summaries still due (at shutdown, or to read the log at once). */
  flush(): void {
    const now = this.opts.clock.now();
    for (const [key, w] of [...this.windows]) this.close(key, w, now);
  }

  /** Reasons with an open interval (bounded by maxReasons + 1). */
  get trackedReasons(): number {
    return this.windows.size;
  }

  /** Forgets the interval and writes its summary if anything was suppressed; T is its span (at most the interval). */
  private close(key: string, w: ReasonWindow, now: number): void {
    this.windows.delete(key);
    if (w.suppressed === 0) return;
    const seconds = Math.max(1, Math.round(Math.min(now - w.startedAt, this.intervalMs) / 1000));
    this.write(`suppressed ${w.suppressed} more ${key} in the last ${seconds} s`, { reason: key, suppressed: w.suppressed, count: w.count, seconds });
  }

  private write(msg: string, fields: LogFields): void {
    this.opts.log[this.opts.level ?? "info"](this.opts.subsys, msg, fields);
  }
}
