/**
 * Cheap coverage guidance from V8's own block coverage (the inspector's Profiler domain, the
 * mechanism behind NODE_V8_COVERAGE): precise coverage with call counts, taken after a batch of
 * inputs (taking resets the counters). A "feature" is a function or a block of our source that
 * ran. V8 reports a block only where its count differs from its parent's, so a block first seen
 * with count 0 counts as covered later whenever its function ran and no zero-count range of that
 * sample encloses it.
 */
import { Session } from "node:inspector";

interface Range {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}

interface ScriptCoverage {
  readonly url: string;
  readonly functions: readonly { readonly ranges: readonly Range[] }[];
}

type Block = readonly [start: number, end: number];

export class BlockCoverage {
  private readonly session = new Session();
  /** Blocks ever reported per function (key: url#offset). */
  private readonly blocks = new Map<string, Block[]>();

  /** @param include which script URLs count (our compiled src/). */
  constructor(private readonly include: (url: string) => boolean) {
    this.session.connect();
    this.post("Profiler.enable");
    this.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
  }

  /** Inspector calls on the own thread complete before post() returns; this makes that explicit. */
  private post(method: string, params: object = {}): unknown {
    let result: unknown;
    let error: Error | null = null;
    this.session.post(method, params, (e: Error | null, r?: unknown) => {
      error = e;
      result = r;
    });
    if (error) throw error;
    return result;
  }

  /** The features hit since the last call (the counters start again from zero). */
  take(): Set<string> {
    const { result } = this.post("Profiler.takePreciseCoverage") as { result: readonly ScriptCoverage[] };
    const hit = new Set<string>();
    for (const script of result) {
      if (!this.include(script.url)) continue;
      for (const fn of script.functions) this.collect(script.url, fn.ranges, hit);
    }
    return hit;
  }

  private collect(url: string, ranges: readonly Range[], hit: Set<string>): void {
    const root = ranges[0];
    if (!root || root.count === 0) return;
    const key = `${url}#${root.startOffset}`;
    hit.add(key);
    let known = this.blocks.get(key);
    if (!known) this.blocks.set(key, (known = []));
    const zeros: Range[] = [];
    for (let i = 1; i < ranges.length; i++) {
      const r = ranges[i];
      if (!r) continue;
      if (!known.some(([s, e]) => s === r.startOffset && e === r.endOffset)) known.push([r.startOffset, r.endOffset]);
      if (r.count === 0) zeros.push(r);
    }
    for (const [s, e] of known) {
      if (!zeros.some((z) => z.startOffset <= s && e <= z.endOffset)) hit.add(`${key}:${s}-${e}`);
    }
  }

  stop(): void {
    this.post("Profiler.stopPreciseCoverage");
    this.session.disconnect();
  }
}
