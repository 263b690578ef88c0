/**
 * A message trace as a self-contained HTML page with one inline SVG sequence diagram: a lifeline
 * per actor, an arrow per message, the TS 33.401 clause beside each step. No scripts, no external
 * resources, so the file opens anywhere and can be attached to a bug report.
 */

export interface TraceStep {
  /** Milliseconds since the start of the run. */
  readonly t: number;
  readonly from: string;
  /** Same as `from` for a note on one lifeline. */
  readonly to: string;
  readonly label: string;
  /** e.g. "16.2.2", or null when no clause of TS 33.401 drives the step. */
  readonly clause: string | null;
  /** "ok" (default), "attack" (a refused attempt) or "failure". */
  readonly tone?: "ok" | "attack" | "failure";
}

export interface Trace {
  readonly title: string;
  readonly actors: readonly string[];
  readonly steps: readonly TraceStep[];
}

const COLUMN_PX = 190;
const ROW_PX = 26;
const HEAD_PX = 60;
const MARGIN_PX = 150;

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const TONE_COLOUR = { ok: "#1f4e79", attack: "#b03a2e", failure: "#7d3c98" } as const;

function stepSvg(step: TraceStep, i: number, x: (actor: string) => number): string {
  const y = HEAD_PX + (i + 1) * ROW_PX;
  const colour = TONE_COLOUR[step.tone ?? "ok"];
  const clause = step.clause ? `§${step.clause}` : "";
  const time = `<text x="8" y="${y + 4}" class="t">${(step.t / 1000).toFixed(3)} s ${escapeXml(clause)}</text>`;
  const x1 = x(step.from);
  const x2 = x(step.to);
  if (x1 === x2) {
    return `${time}<rect x="${x1 - 80}" y="${y - 13}" width="160" height="18" rx="3" fill="#fdf2d0" stroke="${colour}"/>`
      + `<text x="${x1}" y="${y}" text-anchor="middle" class="n" fill="${colour}">${escapeXml(step.label)}</text>`;
  }
  const dir = x2 > x1 ? -1 : 1;
  return `${time}<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${colour}" stroke-width="1.4"/>`
    + `<path d="M${x2},${y} l${dir * 8},-4 l0,8 z" fill="${colour}"/>`
    + `<text x="${(x1 + x2) / 2}" y="${y - 5}" text-anchor="middle" class="m" fill="${colour}">${escapeXml(step.label)}</text>`;
}

/** The SVG drawing alone. */
export function renderSequenceSvg(trace: Trace): string {
  const x = (actor: string) => MARGIN_PX + Math.max(0, trace.actors.indexOf(actor)) * COLUMN_PX + COLUMN_PX / 2;
  const width = MARGIN_PX + trace.actors.length * COLUMN_PX;
  const height = HEAD_PX + (trace.steps.length + 2) * ROW_PX;
  const heads = trace.actors.map((a) => `<rect x="${x(a) - 70}" y="10" width="140" height="30" rx="4" fill="#e8eef6" stroke="#1f4e79"/>`
    + `<text x="${x(a)}" y="30" text-anchor="middle" class="h">${escapeXml(a)}</text>`
    + `<line x1="${x(a)}" y1="40" x2="${x(a)}" y2="${height - 10}" stroke="#9aa7b5" stroke-dasharray="4 4"/>`).join("");
  const steps = trace.steps.map((s, i) => stepSvg(s, i, x)).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`
    + `<style>.h{font-size:13px;font-weight:bold}.m{font-size:11px}.n{font-size:11px}.t{font-size:10px;fill:#566573}</style>${heads}${steps}</svg>`;
}

/** The whole page: title, legend, drawing. */
export function renderSequenceHtml(trace: Trace): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeXml(trace.title)}</title></head>`
    + `<body style="margin:16px;font-family:sans-serif"><h1 style="font-size:18px">${escapeXml(trace.title)}</h1>`
    + `<p style="font-size:12px">Each arrow is a message between the actors, with the time since the start and the clause of TS 33.401 `
    + `(clause 16) that requires it. Red: attacks the SeGW refused. The LTE air interface between UE and eNB is simulated; `
    + `WLAN (IKEv2/ESP) and backhaul (XwAP over HTTPS, GTP-U) are real loopback networking.</p>`
    + `${renderSequenceSvg(trace)}</body></html>\n`;
}
