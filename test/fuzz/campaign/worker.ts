/**
 * One campaign worker thread: for each of its targets, a corpus (seeds, earlier runs' corpus,
 * then every mutant that reached a new block), mutation in batches, coverage taken per batch
 * and attributed input by input only when the batch found something new. Exceptions become
 * findings, minimized before they are reported.
 */
import { parentPort, workerData } from "node:worker_threads";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BlockCoverage } from "./coverage.js";
import { mutate, type MutationContext } from "./mutators.js";
import { CurrentInput, type Finding, type TargetStats, type WorkerConfig, type WorkerMessage } from "./protocol.js";
import { Rng } from "./rng.js";
import type { FuzzTarget } from "./target.js";

const config = workerData as WorkerConfig;
const current = new CurrentInput(config.shared);
const rng = new Rng(config.seed);
// Started before the targets are imported, so every function of src/ is compiled with counters.
const coverage = config.coverage ? new BlockCoverage((url) => url.includes("/src/") && !url.includes("node_modules")) : undefined;
const { targetNamed } = await import("../targets/index.js");

const SLICE_MS = 2000;
const SLOW_MS = 2000;
const STATS_EVERY_MS = 5000;
const MINIMIZE_BUDGET_MS = 3000;

interface TargetState {
  readonly index: number;
  readonly target: FuzzTarget;
  readonly corpus: Uint8Array[];
  readonly covered: Set<string>;
  readonly reported: Set<string>;
  execs: number;
}

function post(m: WorkerMessage): void {
  parentPort?.postMessage(m);
}

const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Numbers and hex runs removed, so that one bug has one signature whatever the input. */
function signatureOf(kind: string, e: Error): string {
  const message = e.message.replace(/[0-9a-f]{6,}|\d+/gi, "#").slice(0, 200);
  const frames = (e.stack ?? "").split("\n").filter((l) => l.includes("/src/")).slice(0, 2).map((l) => l.replace(/^.*\/(src\/[^:]+):(\d+):\d+\)?$/, "$1:$2").trim());
  return [kind, e.name, message, ...frames].join(" | ");
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly kind: "crash" | "violation"; readonly error: Error };

function execute(s: TargetState, input: Uint8Array): Outcome {
  current.begin(s.index, input);
  const started = performance.now();
  let outcome: Outcome = { ok: true };
  try {
    s.target.run(input);
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    outcome = { ok: false, kind: error.name === "FuzzViolation" ? "violation" : "crash", error };
  }
  const ms = performance.now() - started;
  current.end();
  s.execs++;
  if (ms > SLOW_MS) report(s, { target: s.target.name, kind: "slow", signature: `slow | ${s.target.name}`, message: `one input took ${ms.toFixed(0)} ms`, stack: "", input: toHex(input), ms });
  if (!outcome.ok) onFailure(s, input, outcome.kind, outcome.error);
  return outcome;
}

/** Same failure with a shorter input: chunks removed, largest first, within a time budget. */
function minimize(s: TargetState, input: Uint8Array, signature: string): Uint8Array {
  let best = input;
  const until = performance.now() + MINIMIZE_BUDGET_MS;
  for (let chunk = Math.max(1, best.length >> 1); chunk >= 1 && performance.now() < until; chunk >>= 1) {
    for (let at = 0; at + chunk <= best.length && performance.now() < until;) {
      const candidate = new Uint8Array(best.length - chunk);
      candidate.set(best.subarray(0, at));
      candidate.set(best.subarray(at + chunk), at);
      let same = false;
      try {
        s.target.run(candidate);
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        same = signatureOf(error.name === "FuzzViolation" ? "violation" : "crash", error) === signature;
      }
      if (same) best = candidate;
      else at += chunk;
    }
  }
  return best;
}

function onFailure(s: TargetState, input: Uint8Array, kind: "crash" | "violation", error: Error): void {
  const signature = signatureOf(kind, error);
  if (s.reported.has(signature)) return;
  s.reported.add(signature);
  const small = minimize(s, input, signature);
  report(s, { target: s.target.name, kind, signature, message: error.message, stack: error.stack ?? "", input: toHex(small) });
}

function report(s: TargetState, f: Finding): void {
  if (f.kind === "slow" && s.reported.has(f.signature)) return;
  s.reported.add(f.signature);
  post({ type: "finding", finding: f });
}

function hasFresh(hit: Set<string>, covered: Set<string>): boolean {
  for (const f of hit) if (!covered.has(f)) return true;
  return false;
}

/**
 * Runs `inputs` and keeps those that reach a feature the target never reached. Large sets are
 * bisected (one coverage sample per half) so that attribution costs a few samples, not one per input.
 */
function keepNew(s: TargetState, inputs: readonly Uint8Array[], persist: boolean): void {
  if (!coverage) return;
  if (inputs.length > 4) {
    const mid = inputs.length >> 1;
    for (const half of [inputs.slice(0, mid), inputs.slice(mid)]) {
      coverage.take();
      for (const input of half) execute(s, input);
      if (hasFresh(coverage.take(), s.covered)) keepNew(s, half, persist);
    }
    return;
  }
  for (const input of inputs) {
    coverage.take();
    execute(s, input);
    const hit = coverage.take();
    if (!hasFresh(hit, s.covered)) continue;
    for (const f of hit) s.covered.add(f);
    s.corpus.push(input);
    if (persist) post({ type: "corpus", target: s.target.name, input: toHex(input) });
  }
}

function savedCorpus(name: string): Uint8Array[] {
  const file = join(config.corpusDir, `${name}.txt`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map((l) => new Uint8Array(Buffer.from(l, "hex")));
}

async function initialState(name: string, index: number): Promise<TargetState | undefined> {
  const target = targetNamed(name);
  if (!target) return undefined;
  const s: TargetState = { index, target, corpus: [], covered: new Set(), reported: new Set(), execs: 0 };
  const initial = [...(await target.seeds()), ...savedCorpus(name)];
  if (coverage) keepNew(s, initial, false);
  // Every seed stays in the corpus, also those that added no block (they are real captures).
  for (const input of initial) if (!s.corpus.includes(input)) s.corpus.push(input);
  return s;
}

/** A parent for the next mutant: one of the last additions half of the time. */
function parent(s: TargetState): Uint8Array {
  const n = s.corpus.length;
  const i = rng.oneIn(2) ? n - 1 - rng.below(Math.min(n, 32)) : rng.below(n);
  return s.corpus[i] ?? new Uint8Array(0);
}

function fuzzSlice(s: TargetState, until: number): void {
  const ctx: MutationContext = { rng, other: () => parent(s), dictionary: s.target.dictionary, maxLength: s.target.maxLength };
  const batchSize = (s.target.weight ?? 1) > 1 ? 8 : 256;
  while (Date.now() < until) {
    const batch = Array.from({ length: batchSize }, () => mutate(parent(s), ctx, s.target.mutators));
    coverage?.take();
    for (const input of batch) execute(s, input);
    if (!coverage) continue;
    if (hasFresh(coverage.take(), s.covered)) keepNew(s, batch, true);
  }
}

function stats(states: readonly TargetState[]): TargetStats[] {
  return states.map((s) => ({ target: s.target.name, execs: s.execs, corpus: s.corpus.length, features: s.covered.size }));
}

const states: TargetState[] = [];
for (const name of config.targets) {
  const s = await initialState(name, states.length);
  if (s) states.push(s);
}
let lastStats = Date.now();
while (Date.now() < config.deadline && states.length > 0) {
  for (const s of states) {
    fuzzSlice(s, Math.min(config.deadline, Date.now() + SLICE_MS * (s.target.weight ?? 1)));
    if (Date.now() - lastStats > STATS_EVERY_MS) {
      lastStats = Date.now();
      post({ type: "stats", stats: stats(states) });
    }
    if (Date.now() >= config.deadline) break;
  }
}
coverage?.stop();
post({ type: "done", stats: stats(states) });
