/**
 * The campaign's main thread: spreads the targets over worker threads, writes what they find
 * (fuzz/findings/<target>/<kind>-<hash>.json) and the inputs that reached new blocks
 * (fuzz/corpus/<target>.txt, one hex input per line), restarts a worker that stopped answering (recording its
 * current input as a hang) and prints progress.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { CurrentInput, type Finding, type TargetStats, type WorkerConfig, type WorkerMessage } from "./protocol.js";

export interface CampaignOptions {
  readonly minutes: number;
  readonly workers: number;
  readonly targets: readonly string[];
  readonly seed: number;
  /** Holds corpus/ and findings/. */
  readonly outDir: string;
  readonly coverage: boolean;
  readonly hangSeconds: number;
  readonly log: (line: string) => void;
}

export interface CampaignSummary {
  readonly stats: readonly TargetStats[];
  /** Every finding of this run (also those already on file from earlier runs). */
  readonly findings: readonly (Finding & { readonly file: string; readonly known: boolean })[];
  readonly corpusAdded: number;
}

const WATCHDOG_MS = 1000;
const PROGRESS_MS = 30_000;

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

interface Slot {
  readonly targets: readonly string[];
  worker?: Worker | undefined;
  current?: CurrentInput | undefined;
  lastBeat: number;
  lastBeatAt: number;
  restarts: number;
  stats: readonly TargetStats[];
  done: boolean;
}

/** Workers per slot of targets, findings and corpus files of one run. */
class Campaign {
  private readonly deadline: number;
  private readonly findings: (Finding & { file: string; known: boolean })[] = [];
  private readonly seen = new Set<string>();
  private corpusAdded = 0;
  private readonly corpus = new Map<string, Set<string>>();
  private readonly slots: Slot[];

  constructor(private readonly o: CampaignOptions) {
    this.deadline = Date.now() + o.minutes * 60_000;
    const n = Math.max(1, Math.min(o.workers, o.targets.length));
    this.slots = Array.from({ length: n }, (_, w) => ({
      targets: o.targets.filter((_, i) => i % n === w), lastBeat: -1, lastBeatAt: Date.now(), restarts: 0, stats: [], done: false,
    }));
  }

  async run(): Promise<CampaignSummary> {
    await Promise.all([...this.slots.map((slot) => this.runSlot(slot)), progress(this.o, this.slots, this.deadline)]);
    return { stats: this.slots.flatMap((s) => s.stats), findings: this.findings, corpusAdded: this.corpusAdded };
  }

  /** Resolves when the slot's worker (and any replacement after a hang) has ended. */
  private runSlot(slot: Slot): Promise<void> {
    return new Promise<void>((resolve) => {
      const finish = () => {
        if (slot.worker) return;
        clearInterval(timer);
        resolve();
      };
      const timer = setInterval(() => this.watchdog(slot, finish), WATCHDOG_MS);
      this.start(slot, finish);
    });
  }

  private record(f: Finding): void {
    if (this.seen.has(f.signature)) return;
    this.seen.add(f.signature);
    const dir = join(this.o.outDir, "findings", f.target);
    const file = join(dir, `${f.kind}-${shortHash(f.signature)}.json`);
    const known = existsSync(file);
    if (!known) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, JSON.stringify({ ...f, found: new Date().toISOString(), seed: this.o.seed }, null, 2) + "\n");
    }
    this.findings.push({ ...f, file, known });
    this.o.log(`${known ? "known" : "NEW"} ${f.kind} in ${f.target}: ${f.message.split("\n")[0]?.slice(0, 160)} -> ${file}`);
  }

  /** Appends an input to corpus/<target>.txt (one hex input per line) unless it is there already. */
  private saveCorpus(target: string, input: string): void {
    const file = join(this.o.outDir, "corpus", `${target}.txt`);
    let known = this.corpus.get(target);
    if (!known) this.corpus.set(target, (known = new Set(existsSync(file) ? readFileSync(file, "utf8").split("\n") : [])));
    if (known.has(input)) return;
    known.add(input);
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, input + "\n");
    this.corpusAdded++;
  }

  private start(slot: Slot, onExit: () => void): void {
    const shared = CurrentInput.allocate();
    const config: WorkerConfig = {
      targets: slot.targets, deadline: this.deadline, seed: this.o.seed + 7919 * this.slots.indexOf(slot) + 104729 * slot.restarts,
      corpusDir: join(this.o.outDir, "corpus"), coverage: this.o.coverage, shared,
    };
    const worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: config });
    slot.worker = worker;
    slot.current = new CurrentInput(shared);
    slot.lastBeat = -1;
    slot.lastBeatAt = Date.now();
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "finding") this.record(m.finding);
      else if (m.type === "corpus") this.saveCorpus(m.target, m.input);
      else slot.stats = m.stats;
      if (m.type === "done") slot.done = true;
    });
    worker.on("error", (e) => this.o.log(`worker ${slot.targets.join(",")} failed: ${e.stack ?? e.message}`));
    worker.on("exit", () => {
      if (slot.worker === worker) slot.worker = undefined;
      onExit();
    });
  }

  /** A worker whose heartbeat stood still for hangSeconds is stopped, its input recorded as a hang, and replaced. */
  private watchdog(slot: Slot, onExit: () => void): void {
    const c = slot.current;
    if (!slot.worker || !c || slot.done) return;
    if (c.heartbeat !== slot.lastBeat) {
      slot.lastBeat = c.heartbeat;
      slot.lastBeatAt = Date.now();
      return;
    }
    // Seeds of slow targets take a while before the first heartbeat; a hang is only called on a running input.
    if (slot.lastBeat < 0 || Date.now() - slot.lastBeatAt < this.o.hangSeconds * 1000) return;
    const target = slot.targets[c.target] ?? "unknown";
    this.record({ target, kind: "hang", signature: `hang | ${target}`, message: `no progress for ${this.o.hangSeconds} s on one input`, stack: "", input: Buffer.from(c.input).toString("hex") });
    const stuck = slot.worker;
    slot.worker = undefined;
    slot.restarts++;
    void stuck.terminate();
    if (this.deadline - Date.now() > 5000) this.start(slot, onExit);
    else onExit();
  }
}

export function runCampaign(o: CampaignOptions): Promise<CampaignSummary> {
  return new Campaign(o).run();
}

/** One progress line per PROGRESS_MS until the deadline. */
async function progress(o: CampaignOptions, slots: readonly Slot[], deadline: number): Promise<void> {
  const started = Date.now();
  while (Date.now() < deadline - PROGRESS_MS / 2) {
    await new Promise((r) => setTimeout(r, Math.min(PROGRESS_MS, deadline - Date.now())));
    const stats = slots.flatMap((s) => s.stats);
    const execs = stats.reduce((n, s) => n + s.execs, 0);
    const seconds = (Date.now() - started) / 1000;
    o.log(`${seconds.toFixed(0)} s: ${execs} execs (${(execs / seconds).toFixed(0)}/s); ` + stats.map((s) => `${s.target} ${s.execs}/${s.corpus}c/${s.features}f`).join(", "));
  }
}
