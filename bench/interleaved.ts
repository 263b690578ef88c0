/**
 * Interleaved CPU-time measurement for per-packet micro benchmarks: the operations of one size are
 * run in alternating slices and each reports its median slice, so a noisy neighbour or a GC pause
 * skews them alike. Rates are per CPU second of this process, not per wall-clock second.
 */
import type { BenchRow } from "./types.js";

/** Operations per CPU second of `op`, run for `ms` of wall time. */
export function cpuRate(op: () => void, ms: number): number {
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let n = 0;
  while (performance.now() - start < ms) {
    for (let i = 0; i < 64; i++) op();
    n += 64;
  }
  const cpu = process.cpuUsage(cpu0);
  return (n * 1e6) / Math.max(1, cpu.user + cpu.system);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** One row per operation: the median of `slices` interleaved slices of `sliceMs`, after a warm-up slice each. */
export async function measureInterleaved(ops: ReadonlyArray<readonly [string, () => void]>, sizeBytes: number, sliceMs: number, slices: number): Promise<BenchRow[]> {
  for (const [, op] of ops) cpuRate(op, sliceMs);
  const rates: number[][] = ops.map(() => []);
  for (let s = 0; s < slices; s++) ops.forEach(([, op], i) => rates[i]?.push(cpuRate(op, sliceMs)));
  await new Promise((resolve) => setImmediate(resolve));
  return ops.map(([name], i) => {
    const pps = median(rates[i] ?? []);
    return { name, sizeBytes, packetsPerSecond: Math.round(pps), gbitPerSecond: (pps * sizeBytes * 8) / 1e9 };
  });
}
