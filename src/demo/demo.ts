/**
 * `lwip demo`: one SeGW, one eNB and N UEs on loopback with a development PKI, running every
 * procedure of TS 33.401 clause 16 with traffic on several DRBs both ways, plus the attacks the SeGW
 * must stop. Only the LTE air interface between UE and eNB is simulated; IKEv2/ESP over the WLAN,
 * the control API (HTTPS, mutual TLS) and GTP-U on the backhaul are real sockets on loopback.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setPacketTap } from "../io/capture.js";
import { PcapRecorder } from "../io/pcap.js";
import type { LwipEvent } from "../lwip/events.js";
import { TrafficCounters } from "../lwip/traffic.js";
import { startLab, startWorkersLab } from "./lab.js";
import { DemoContext, type DemoUe } from "./demo-context.js";
import { drbAddThenLastRelease, handover, keyRefresh, radioLinkFailure, segwFor, setUp, SETUP_DRBS, traffic, wlanLossAndRecovery } from "./demo-procedures.js";
import { expiredWindow, forbiddenDestination, replayedPsk, wrongPsk } from "./demo-attacks.js";
import { buildTrace, formatSummary, summarize, type DemoSummary } from "./demo-report.js";
import { renderSequenceHtml } from "./sequence-diagram.js";
import { WiresharkKeyLog } from "./wireshark-keys.js";
import { IKE_PORT, NATT_PORT } from "./lab.js";

export interface DemoOptions {
  readonly ues: number;
  /** Where to write the trace, the pcap and Wireshark's key tables. */
  readonly out?: string | undefined;
  /** Loopback /24 to use (its first three octets). */
  readonly net: string;
  /** Run the SeGW as this many worker processes (config `workers`); absent: one process. Not with `out`. */
  readonly workers?: number | undefined;
  readonly progress: (line: string) => void;
}

/** Liveness checks often enough for the WLAN-loss step to see the loss within a second. */
const UE_TIMING = { retransmitMs: [150, 150, 150], halfOpenMs: 30_000, dpdMs: 300 };

type Procedure = (ctx: DemoContext, u: DemoUe, idi: string | undefined) => Promise<string | undefined | void>;

/** The procedures, dealt round-robin to the UEs; each one needs the UE's tunnel up. */
const PROCEDURES: readonly Procedure[] = [
  async (ctx, u, idi) => {
    const fresh = await keyRefresh(ctx, u, idi);
    await traffic(ctx, u, SETUP_DRBS, "after key refresh");
    return fresh;
  },
  async (ctx, u, idi) => {
    const fresh = await wlanLossAndRecovery(ctx, u, idi);
    await traffic(ctx, u, SETUP_DRBS, "after WLAN recovery");
    return fresh;
  },
  (ctx, u, idi) => drbAddThenLastRelease(ctx, u, idi),
  (ctx, u, idi) => handover(ctx, u, idi),
  (ctx, u, idi) => radioLinkFailure(ctx, u, idi),
];

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const keys = o.out ? new WiresharkKeyLog() : undefined;
  const pcap = o.out ? new PcapRecorder({ [IKE_PORT]: 500, [NATT_PORT]: 4500 }) : undefined;
  if (pcap) setPacketTap((direction, from, to, payload) => direction === "out" && pcap.add(from, to, payload));
  const lab = o.workers ? await startWorkersLab(o.net, o.workers) : await startLab(o.net, keys ? { exportKeys: (k) => keys.add(k) } : {});
  const ctx = new DemoContext(lab, o.progress);
  const events: { t: number; e: LwipEvent }[] = [];
  const push = lab.log.push.bind(lab.log);
  lab.log.push = (e) => {
    events.push({ t: ctx.elapsed(), e });
    push(e);
  };
  try {
    await scenario(ctx, o.ues);
  } finally {
    setPacketTap(undefined);
    await lab.stop();
  }
  const summary = summarize(ctx);
  if (o.out) writeOutputs(o.out, ctx, events, pcap, keys);
  return summary;
}

async function scenario(ctx: DemoContext, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    const u = await ctx.lab.addUe(i, { ikeTiming: UE_TIMING });
    ctx.ues.push({ ...u, id: u.ue.ueId, sent: new TrafficCounters(), procedures: [] });
  }
  const idis = new Map<string, string | undefined>();
  const firstPsk = new Map<string, Uint8Array | undefined>();
  await Promise.all(ctx.ues.map(async (u) => {
    idis.set(u.id, await setUp(ctx, u));
    firstPsk.set(u.id, u.psks.at(-1)?.copy);
  }));
  for (const u of ctx.ues) await traffic(ctx, u, SETUP_DRBS, "after set-up");
  for (const [k, procedure] of PROCEDURES.entries()) {
    const u = ctx.ues[k % ctx.ues.length];
    if (!u) continue;
    if (u.ue.ikeSaCount === 0) idis.set(u.id, await setUp(ctx, u));
    const fresh = await procedure(ctx, u, idis.get(u.id));
    if (typeof fresh === "string") idis.set(u.id, fresh);
  }
  const first = ctx.ues[0];
  await wrongPsk(ctx);
  const idi = first ? firstIdi(ctx, first.id) : undefined;
  await replayedPsk(ctx, idi, first ? firstPsk.get(first.id) : undefined, first ? segwFor(ctx, first.id, idi) : ctx.lab.addresses.segw);
  await expiredWindow(ctx);
  await forbiddenDestination(ctx);
}

/** The IDi of a UE's first LWIP configuration. */
function firstIdi(ctx: DemoContext, ue: string): string | undefined {
  const e = ctx.lab.log.of(ue).find((x): x is Extract<LwipEvent, { event: "rrc-lwip-configuration" }> => x.event === "rrc-lwip-configuration");
  return e?.idi;
}

function writeOutputs(dir: string, ctx: DemoContext, events: readonly { t: number; e: LwipEvent }[], pcap: PcapRecorder | undefined, keys: WiresharkKeyLog | undefined): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "trace.html"), renderSequenceHtml(buildTrace(ctx, events)));
  pcap?.write(join(dir, "lwip-demo.pcap"));
  keys?.write(dir);
}

export { formatSummary };
