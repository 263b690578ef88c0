/**
 * Sums a V8 .cpuprofile (`node --cpu-prof`) by function: self and total (inclusive) samples, each
 * function counted once per sample even when it recurses, optionally restricted to a window of the
 * profile's clock. Samples are counted, not their time deltas: a delta is wall time and grows while
 * the process waits for a CPU on a busy machine, whereas a sample stands for one sampling interval
 * of the main thread (`--cpu-prof-interval`, 1000 µs by default). Only the main thread is sampled,
 * not V8's compiler and GC threads. V8 stamps samples with CLOCK_MONOTONIC microseconds, the clock
 * of process.hrtime() in any process on the machine, so an orchestrator can cut a child's profile
 * to the phases it timed (bench/segw-profile.ts); bench/responder-profile.ts writes whole profiles.
 *
 *   node bench/cpuprofile-aggregate.js FILE.cpuprofile [top=25] [filter-substring] [fromUs toUs]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

/** The fields of a .cpuprofile this aggregator reads. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's samples in a window: as the leaf (self) and anywhere on the stack (total). */
export interface FunctionSamples {
  readonly name: string;
  readonly self: number;
  readonly total: number;
}

export interface Aggregate {
  /** Samples in the window, "(idle)" included. */
  readonly samples: number;
  /** Samples in "(idle)": the event loop waiting in epoll. */
  readonly idle: number;
  /** Sorted by self samples. */
  readonly functions: readonly FunctionSamples[];
}

export function readCpuProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
}

/** "name src/ike/x.ts:12": the path from src/, bench/ or node_modules/ on, so that twins stay apart. */
function functionKey(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url.replace(/^.*\/(src|bench|node_modules)\//, "$1/").replace(/^node:/, "");
  return `${f.functionName || "(anonymous)"}${file ? ` ${file}:${f.lineNumber + 1}` : ""}`;
}

const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** Self and total samples per function for the samples stamped in [fromUs, toUs) of the profile's clock. */
export function aggregateProfile(p: CpuProfile, fromUs = -Infinity, toUs = Infinity): Aggregate {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let [t, samples, idle] = [p.startTime, 0, 0];
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const leaf = byId.get(p.samples[i] ?? -1);
    if (t < fromUs || t >= toUs || !leaf) continue;
    samples++;
    const leafKey = functionKey(leaf);
    if (leafKey === "(idle)") idle++;
    add(self, leafKey);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (!node) break;
      const key = functionKey(node);
      if (!seen.has(key)) add(total, key);
      seen.add(key);
    }
  }
  const functions = [...total.keys()].map((name) => ({ name, self: self.get(name) ?? 0, total: total.get(name) ?? 0 })).sort((a, b) => b.self - a.self);
  return { samples, idle, functions };
}

export interface TableOptions {
  /** The profile's sampling interval (`--cpu-prof-interval`). */
  readonly usPerSample: number;
  /** Operations in the window: the table is per operation. */
  readonly operations: number;
  readonly unit: string;
}

/** A markdown table of the `top` functions by self samples, in µs per operation, with their share of the busy (non-idle) samples. */
export function topTable(a: Aggregate, top: number, o: TableOptions): string {
  const busy = Math.max(1, a.samples - a.idle);
  const us = (n: number) => ((n * o.usPerSample) / Math.max(1, o.operations)).toFixed(2);
  const rows = a.functions.filter((f) => f.name !== "(idle)" && f.name !== "(root)").slice(0, top).map((f) =>
    `| ${f.name.replace(/\|/g, "\\|")} | ${us(f.self)} | ${((100 * f.self) / busy).toFixed(1)} % | ${us(f.total)} |`);
  return [`| function | self µs / ${o.unit} | self share of busy | total µs / ${o.unit} |`, "| --- | ---: | ---: | ---: |", ...rows].join("\n");
}

/** Two plain lists (self, total) of the `top` functions whose name contains `filter`, in samples and % of all samples. */
export function topLists(a: Aggregate, top: number, filter?: string): string {
  const out: string[] = [];
  for (const kind of ["self", "total"] as const) {
    out.push(`${kind} (of ${a.samples} samples, ${a.idle} idle)`);
    for (const f of [...a.functions].sort((x, y) => y[kind] - x[kind]).filter((x) => filter === undefined || x.name.includes(filter)).slice(0, top)) {
      out.push(`${String(f[kind]).padStart(9)} ${((100 * f[kind]) / Math.max(1, a.samples)).toFixed(1).padStart(5)} %  ${f.name}`);
    }
  }
  return `${out.join("\n")}\n`;
}

if (process.argv[1]?.endsWith("cpuprofile-aggregate.js")) {
  const [file, top = "25", filter, from, to] = process.argv.slice(2);
  if (!file) throw new Error("usage: cpuprofile-aggregate FILE.cpuprofile [top] [filter] [fromUs toUs]");
  const a = aggregateProfile(readCpuProfile(file), from === undefined ? -Infinity : Number(from), to === undefined ? Infinity : Number(to));
  process.stdout.write(topLists(a, Number(top), filter === "" ? undefined : filter));
}
