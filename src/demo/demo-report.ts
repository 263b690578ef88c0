/**
 * What the demo prints and writes: the summary table per UE (procedures, SDUs sent/received/lost per
 * DRB and path, expectations), its JSON form, and the message trace built from the LWIP events.
 */
import type { LwipEvent } from "../lwip/events.js";
import type { TrafficTable } from "../lwip/traffic.js";
import type { DemoContext } from "./demo-context.js";
import type { Trace, TraceStep } from "./sequence-diagram.js";

export interface UeSummary {
  readonly ue: string;
  readonly procedures: readonly string[];
  readonly traffic: readonly { drb: number; direction: string; path: string; sent: number; received: number; lost: number }[];
  readonly expectations: { readonly passed: number; readonly failed: number };
  /** The SeGW addresses the UE was given over RRC, in order (several with `--workers`). */
  readonly segw: readonly string[];
}

export interface DemoSummary {
  readonly ok: boolean;
  readonly seconds: number;
  readonly ues: readonly UeSummary[];
  readonly attacks: { readonly refused: number; readonly failed: number };
  readonly expectations: DemoContext["expectations"];
}

function trafficRows(sent: TrafficTable, received: TrafficTable): UeSummary["traffic"] {
  const rows: UeSummary["traffic"][number][] = [];
  for (const [key, row] of Object.entries(sent).sort(([a], [b]) => a.localeCompare(b))) {
    const [drb = "", direction = ""] = key.split(" ");
    for (const path of ["wlan", "lte"] as const) {
      const s = row.sent[path];
      if (s === 0) continue;
      const r = received[key]?.received[path] ?? 0;
      rows.push({ drb: Number(drb.replace("drb", "")), direction, path, sent: s, received: r, lost: s - r });
    }
  }
  return rows;
}

export function summarize(ctx: DemoContext): DemoSummary {
  const ues = ctx.ues.map((u): UeSummary => {
    const received = { ...ctx.lab.enbTrafficOf(u.id).snapshot(), ...Object.fromEntries(Object.entries(u.traffic.snapshot()).filter(([k]) => k.endsWith("downlink"))) };
    const mine = ctx.expectations.filter((e) => e.ue === u.id);
    return {
      ue: u.id, procedures: u.procedures, traffic: trafficRows(u.sent.snapshot(), received),
      expectations: { passed: mine.filter((e) => e.ok).length, failed: mine.filter((e) => !e.ok).length },
      segw: [...new Set(ctx.lab.log.of(u.id).flatMap((e) => (e.event === "rrc-lwip-configuration" ? [e.segw] : [])))],
    };
  });
  const attacks = ctx.expectations.filter((e) => e.ue === "attacker");
  return {
    ok: ctx.expectations.every((e) => e.ok),
    seconds: ctx.elapsed() / 1000,
    ues,
    attacks: { refused: attacks.filter((e) => e.ok).length, failed: attacks.filter((e) => !e.ok).length },
    expectations: ctx.expectations,
  };
}

/** The summary as aligned text tables. */
export function formatSummary(s: DemoSummary): string {
  const lines = ["", "UE     procedures                                    DRB  dir       path  sent  recv  lost"];
  for (const u of s.ues) {
    const procs = u.procedures.join(", ") || "-";
    u.traffic.forEach((t, i) => {
      const head = i === 0 ? `${u.ue.padEnd(6)} ${procs.slice(0, 44).padEnd(44)}` : "".padEnd(51);
      lines.push(`${head}  ${String(t.drb).padStart(3)}  ${t.direction.padEnd(8)}  ${t.path.padEnd(4)}  ${String(t.sent).padStart(4)}  ${String(t.received).padStart(4)}  ${String(t.lost).padStart(4)}`);
    });
    lines.push(`${"".padEnd(6)} expectations: ${u.expectations.passed} met, ${u.expectations.failed} failed; SeGW ${u.segw.join(", ") || "-"}`);
  }
  lines.push("", `attacks refused as expected: ${s.attacks.refused}, not refused: ${s.attacks.failed}`);
  lines.push(`${s.ok ? "DEMO OK" : "DEMO FAILED"}: ${s.expectations.filter((e) => e.ok).length} of ${s.expectations.length} expectations met in ${s.seconds.toFixed(1)} s`);
  return lines.join("\n");
}

function actorOf(a: string, ue: string): string {
  return a === "UE" ? ue.toUpperCase() : a;
}

function labelOf(e: LwipEvent): string {
  const extra = "trigger" in e ? ` (${e.trigger})` : "status" in e ? ` (${e.status})` : "lwipCounter" in e ? ` (counter ${e.lwipCounter})` : "";
  return `${e.event}${extra}`;
}

/** The message trace: LWIP events as arrows (messages) or notes (local steps), with the demo's own notes. */
export function buildTrace(ctx: DemoContext, events: readonly { t: number; e: LwipEvent }[]): Trace {
  const steps: TraceStep[] = events.map(({ t, e }) => {
    const from = "from" in e ? actorOf(e.from, e.ue) : actorOf(e.node, e.ue);
    const to = "to" in e ? actorOf(e.to, e.ue) : from;
    return { t, from, to, label: labelOf(e), clause: e.clause, tone: e.event.includes("failed") || e.event.includes("reject") ? "failure" : "ok" };
  });
  const all = [...steps, ...ctx.trace].sort((a, b) => a.t - b.t);
  const actors = [...ctx.ues.map((u) => u.id.toUpperCase()), "attacker", "eNB", "SeGW"];
  return { title: `lwip demo: TS 33.401 clause 16 with ${ctx.ues.length} UEs`, actors, steps: all };
}
