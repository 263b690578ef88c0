/**
 * What the demo's steps share: the lab, the UEs, the expectations checked so far, and the message
 * trace. A failed expectation is recorded and reported, it does not stop the run.
 */
import type { LabAroundSegw, LabUe } from "./lab.js";
import type { TraceStep } from "./sequence-diagram.js";
import { TrafficCounters } from "../lwip/traffic.js";

export interface Expectation {
  readonly ue: string;
  readonly clause: string | null;
  readonly what: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface DemoUe extends LabUe {
  readonly id: string;
  readonly sent: TrafficCounters;
  readonly procedures: string[];
}

export class DemoContext {
  readonly expectations: Expectation[] = [];
  readonly trace: TraceStep[] = [];
  readonly ues: DemoUe[] = [];
  readonly started = Date.now();

  constructor(readonly lab: LabAroundSegw, private readonly progress: (line: string) => void) {}

  elapsed(): number {
    return Date.now() - this.started;
  }

  /** Records an expectation and prints its progress line. */
  expect(ue: string, clause: string | null, what: string, ok: boolean, detail?: string): boolean {
    this.expectations.push({ ue, clause, what, ok, ...(detail ? { detail } : {}) });
    const t = (this.elapsed() / 1000).toFixed(1).padStart(5);
    this.progress(`[${t}s] ${ok ? "ok  " : "FAIL"} ${clause ? `§${clause}`.padEnd(8) : "".padEnd(8)} ${ue.padEnd(5)} ${what}${detail && !ok ? ` (${detail})` : ""}`);
    return ok;
  }

  /** A step of the message trace that no LWIP event reports (attacks, SeGW verdicts). */
  note(from: string, to: string, label: string, clause: string | null, tone: TraceStep["tone"] = "ok"): void {
    this.trace.push({ t: this.elapsed(), from, to, label, clause, tone });
  }

  ue(id: string): DemoUe {
    const u = this.ues.find((x) => x.id === id);
    if (!u) throw new Error(`no UE ${id}`);
    return u;
  }
}

/** Polls a condition within a deadline (for state no event reports); false on timeout. */
export async function eventually(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Awaits a promise, turning a rejection or a timeout into false. */
export async function settles(p: Promise<unknown>): Promise<boolean> {
  return p.then(() => true, () => false);
}
