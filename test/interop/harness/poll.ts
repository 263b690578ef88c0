// Waiting for an observable condition with a bounded deadline. The pause between two probes only
// paces the polling; correctness never depends on it (the probe decides, the deadline bounds).
import { setTimeout as delay } from "node:timers/promises";

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** What is awaited, for the error message. */
  readonly what: string;
  /** Pause between probes (default 100 ms). */
  readonly intervalMs?: number;
  /** Extra diagnostics appended to the timeout error (e.g. a log tail). */
  readonly diagnostics?: () => string;
  /** Checked before each probe: a returned reason fails the wait at once (e.g. "process exited"). */
  readonly abort?: () => string | undefined;
}

/**
 * Calls `probe` until it returns something other than undefined, and returns that.
 * @throws Error naming `what`, the last probe error and the diagnostics when the deadline passes.
 */
export async function waitUntil<T>(probe: () => Promise<T | undefined> | T | undefined, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = "";
  for (;;) {
    const aborted = opts.abort?.();
    if (aborted !== undefined) throw new Error(`gave up waiting for ${opts.what}: ${aborted}\n${opts.diagnostics?.() ?? ""}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() >= deadline) {
      const diag = opts.diagnostics?.() ?? "";
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${lastError === "" ? "" : ` (last error: ${lastError})`}${diag === "" ? "" : `\n${diag}`}`);
    }
    await delay(opts.intervalMs ?? 100);
  }
}
