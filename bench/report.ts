/**
 * The report of `npm run bench` (bench/suite.ts): Markdown tables with their conditions, the
 * targets of issue 8 checked against ratios of the same run, and a hand-written SVG bar chart.
 */
import type { TunnelRow } from "./esp-tunnel.js";
import type { ScaleRow, MemorySample } from "./scale.js";
import { OFFERED_PPS } from "./esp-tunnel-netns.js";
import { SCALE } from "./scale.js";
import { SETUP, WORKERS, WORKERS_VARIANT, type SetupPhase, type SetupResult, type SetupRow } from "./setup-rate.js";
import { TRAFFIC, type SegwTrafficRow, type TrafficResult } from "./traffic.js";
import type { BenchRow } from "./types.js";

export interface SuiteReport {
  readonly started: string;
  readonly seconds: number;
  readonly machine: { readonly cpus: number; readonly model: string; readonly kernel: string; readonly node: string; readonly strongswan: string; readonly loadBefore: number; readonly loadAfter: number };
  readonly setup: SetupResult | string;
  readonly traffic: TrafficResult | string;
  /** Uplink rows: one process pinned, one process with 2 UEs, the multi-worker SeGW. */
  readonly trafficMultiCore: SegwTrafficRow[] | string;
  readonly micro: BenchRow[] | string;
  readonly scale: { readonly rows: ScaleRow[]; readonly base: MemorySample; readonly samples: MemorySample[] } | string;
}

const f = (n: number | undefined, d = 1) => (n === undefined || !Number.isFinite(n) ? "n/a" : n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
const kib = (bytes: number) => f(bytes / 1024, 1);

export interface Target {
  readonly name: string;
  readonly measured: string;
  readonly goal: string;
  readonly met: boolean | undefined;
  /** A figure shown for context, checked against no goal. */
  readonly context?: boolean;
}

/** Our row and strongSwan's for one proposal in one state; "steady" is the one checked against the target. */
function setupPair(s: SetupResult, proposal: string, phase: SetupPhase = "steady"): { ours?: SetupRow; theirs?: SetupRow } {
  const ours = s.rows.find((r) => r.proposal === proposal && r.phase === phase && r.responder === "lwip SeGW");
  const theirs = s.rows.find((r) => r.proposal === proposal && r.phase === phase && r.responder === "strongSwan");
  return { ...(ours ? { ours } : {}), ...(theirs ? { theirs } : {}) };
}

/** Ours / strongSwan's responder CPU per set-up, as "a ms vs b ms = r x", and r. */
function cpuRatio(s: SetupResult | string, proposal: string, phase: SetupPhase): { text: string; ratio: number } {
  const p = typeof s === "string" ? {} : setupPair(s, proposal, phase);
  const ratio = p.ours && p.theirs ? p.ours.responderCpuMsPerSetup / p.theirs.responderCpuMsPerSetup : NaN;
  return { text: `${f(p.ours?.responderCpuMsPerSetup, 2)} ms vs ${f(p.theirs?.responderCpuMsPerSetup, 2)} ms = ${f(ratio, 2)}x`, ratio };
}

function strongswanRow(t: TrafficResult, bytes: number): TunnelRow | undefined {
  return typeof t.strongswan === "string" ? undefined : t.strongswan.find((r) => r.payloadBytes === bytes);
}

function microRatio(micro: BenchRow[], op: "encapsulate" | "decapsulate", bytes: number): number {
  const ours = micro.find((r) => r.name === `esp gcm-128 ${op}` && r.sizeBytes === bytes);
  const bare = micro.find((r) => r.name === "node:crypto gcm-128 bare" && r.sizeBytes === bytes);
  return ours && bare ? bare.packetsPerSecond / ours.packetsPerSecond : NaN;
}

/**
 * What 3x strongSwan's delivered packets/s would cost on this machine: the bare node:crypto AES-GCM
 * call alone (one per packet at the UE, one at the SeGW: the project takes its ciphers from
 * node:crypto) and our SeGW at its measured CPU per packet, in cores of this machine.
 */
function throughputFloor(r: SuiteReport, bytes: number, theirs: TunnelRow | undefined, ours: SegwTrafficRow | undefined): Target | undefined {
  const bare = typeof r.micro === "string" ? undefined : r.micro.find((x) => x.name === "node:crypto gcm-128 bare" && x.sizeBytes === bytes);
  if (!theirs || !bare) return undefined;
  const needed = 3 * theirs.packetsPerSecond;
  const cipherCores = (2 * needed) / bare.packetsPerSecond;
  const segwCores = ours ? (needed * ours.segwCpuUsPerPacket) / 1e6 : NaN;
  return {
    name: `what 3x strongSwan needs, ${bytes}-octet payloads`,
    measured: `3 x ${f(theirs.packetsPerSecond, 0)} = ${f(needed, 0)} packets/s: the bare node:crypto AES-GCM calls alone (one per packet at the UE, one at the SeGW; ` +
      `${f(1e6 / bare.packetsPerSecond, 1)} µs each) take ${f(cipherCores, 2)} of the ${r.machine.cpus} cores, before any socket I/O; our SeGW at its ${f(ours?.segwCpuUsPerPacket, 1)} µs per packet ${f(segwCores, 2)} cores`,
    goal: "context: the floor under the target", met: undefined, context: true,
  };
}

/** The four targets of issue 8, from this run's ratios. */
export function targets(r: SuiteReport): Target[] {
  const out: Target[] = [];
  for (const [proposal, , w] of SETUP.proposals) {
    const [steady, cold] = [cpuRatio(r.setup, proposal, "steady"), cpuRatio(r.setup, proposal, "cold")];
    out.push({
      name: `responder CPU per set-up, ${proposal}, steady state (after ${w.toLocaleString("en-US")} more set-ups, all deleted)`,
      measured: `${steady.text} (cold process: ${cold.text})`, goal: "<= 0.33x strongSwan", met: Number.isFinite(steady.ratio) ? steady.ratio <= 1 / 3 : undefined,
    });
  }
  const workers = typeof r.trafficMultiCore === "string" ? [] : r.trafficMultiCore.filter((x) => x.variant === WORKERS_VARIANT);
  for (const bytes of TRAFFIC.payloads) {
    const theirs = typeof r.traffic === "string" ? undefined : strongswanRow(r.traffic, bytes);
    const candidates: Array<[string, SegwTrafficRow | undefined]> = [
      ["one SeGW process, 1 UE", typeof r.traffic === "string" ? undefined : r.traffic.segw.find((x) => x.direction === "uplink" && x.payloadBytes === bytes)],
      [`${WORKERS.length} SeGW workers, 1 UE each`, workers.find((x) => x.payloadBytes === bytes)],
    ];
    for (const [label, ours] of candidates) {
      const ratio = ours && theirs ? ours.gbitPerSecond / theirs.gbitPerSecond : NaN;
      out.push({ name: `ESP throughput, ${bytes}-octet payloads (uplink; ${label}; strongSwan 1 tunnel)`, measured: `${f(ours?.gbitPerSecond, 3)} vs ${f(theirs?.gbitPerSecond, 3)} Gbit/s = ${f(ratio, 2)}x`, goal: ">= 3x strongSwan libipsec", met: Number.isFinite(ratio) ? ratio >= 3 : undefined });
    }
    // What each SeGW spends per packet it forwards: the throughput each would reach with cores of its own.
    const one = candidates[0]?.[1];
    const cpu = one && theirs?.segwCpuUsPerPacket !== undefined ? theirs.segwCpuUsPerPacket / one.segwCpuUsPerPacket : NaN;
    out.push({
      name: `SeGW CPU per forwarded packet, ${bytes}-octet payloads (uplink; the throughput per core)`,
      measured: `${f(one?.segwCpuUsPerPacket, 1)} µs vs strongSwan's SeGW-side charon ${f(theirs?.segwCpuUsPerPacket, 1)} µs = ${f(cpu, 2)}x the packets per CPU second`,
      goal: "context for the row above", met: undefined, context: true,
    });
    const floor = throughputFloor(r, bytes, theirs, one);
    if (floor) out.push(floor);
  }
  if (typeof r.micro !== "string") {
    for (const op of ["encapsulate", "decapsulate"] as const) {
      const ratio = microRatio(r.micro, op, 1400);
      out.push({ name: `ESP ${op} cost vs bare node:crypto AES-GCM, 1400 octets`, measured: `${f(ratio, 2)}x`, goal: "<= 1.5x", met: Number.isFinite(ratio) ? ratio <= 1.5 : undefined });
    }
  }
  const big = typeof r.scale === "string" ? undefined : r.scale.rows.find((x) => x.ues === 100_000);
  const perUe = big ? big.heapPerUe + big.externalPerUe : NaN;
  out.push({ name: "memory per UE at 100k UEs (V8 heap + external, after GC)", measured: `${kib(perUe)} KiB (RSS ${kib(big?.rssPerUe ?? NaN)} KiB)`, goal: "< 4 KiB", met: Number.isFinite(perUe) ? perUe < 4096 && (big?.established ?? 0) >= 100_000 : undefined });
  return out;
}

function setupTables(s: SetupResult | string): string[] {
  if (typeof s === "string") return [`Not run (${s}).`];
  const lines = [
    "| proposal | responder | state | set-ups before / IKE SAs held at start | set-ups/s | responder CPU ms / set-up | responder cores busy | generator CPU ms / set-up | latency p50 / p95 ms | established / failed |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const row = (r: SetupRow) => `| ${r.proposal} | ${r.responder} (${r.variant}) | ${r.phase} | ${f(r.setupsBefore, 0)} / ${f(r.heldAtStart, 0)} | ${f(r.perSecond)} | ${f(r.responderCpuMsPerSetup, 2)} | ${f(r.responderCores, 2)} | ${f(r.generatorCpuMsPerSetup, 2)} | ${f(r.p50Ms, 0)} / ${f(r.p95Ms, 0)} | ${r.established} / ${r.failed} |`;
  for (const r of s.rows) lines.push(row(r));
  lines.push("", "| proposal | state | set-ups/s ours / strongSwan | responder CPU per set-up ours / strongSwan |", "| --- | --- | ---: | ---: |");
  for (const [proposal] of SETUP.proposals) {
    for (const phase of ["steady", "cold"] as const) {
      const p = setupPair(s, proposal, phase);
      if (p.ours && p.theirs) lines.push(`| ${proposal} | ${phase} | **${f(p.ours.perSecond / p.theirs.perSecond, 2)}x** | **${f(p.ours.responderCpuMsPerSetup / p.theirs.responderCpuMsPerSetup, 2)}x** |`);
    }
  }
  lines.push("", "Multi-core (ECP-256; cold and steady as above):", "", lines[0] ?? "", lines[1] ?? "");
  for (const r of s.multiCore) lines.push(row(r));
  return lines;
}

function trafficTables(t: TrafficResult | string, multiCore: SegwTrafficRow[] | string): string[] {
  if (typeof t === "string") return [`Not run (${t}).`];
  const lines = [
    "| direction | UDP payload | lwip SeGW packets/s | lwip Gbit/s | SeGW CPU µs / packet | SeGW cores busy | strongSwan packets/s | strongSwan Gbit/s (loss) | strongSwan SeGW CPU µs / packet | ours / strongSwan |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of t.segw) {
    const s = r.direction === "uplink" ? strongswanRow(t, r.payloadBytes) : undefined;
    const ratio = s ? `**${f(r.gbitPerSecond / s.gbitPerSecond, 2)}x**` : "–";
    lines.push(`| ${r.direction} | ${r.payloadBytes} | ${f(r.packetsPerSecond, 0)} | ${f(r.gbitPerSecond, 3)} | ${f(r.segwCpuUsPerPacket, 1)} | ${f(r.segwCores, 2)} | ${s ? f(s.packetsPerSecond, 0) : "–"} | ${s ? `${f(s.gbitPerSecond, 3)} (${f(s.lossPercent, 0)} %)` : "–"} | ${s ? f(s.segwCpuUsPerPacket, 1) : "–"} | ${ratio} |`);
  }
  if (typeof t.strongswan === "string") lines.push("", `strongSwan tunnel: ${t.strongswan}`);
  lines.push("", "Multi-core (uplink):", "", "| SeGW | UEs sending | UDP payload | packets/s | Gbit/s | SeGW CPU µs / packet | SeGW cores busy | traffic peer cores busy | stalls |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const one = t.segw.filter((r) => r.direction === "uplink").map((r) => ({ ...r, variant: "one process, 2 cores" }));
  const rows = [...one, ...(typeof multiCore === "string" ? [] : multiCore)].sort((a, b) => b.payloadBytes - a.payloadBytes || a.ues - b.ues);
  for (const r of rows) {
    lines.push(`| ${r.variant} | ${r.ues} | ${r.payloadBytes} | ${f(r.packetsPerSecond, 0)} | ${f(r.gbitPerSecond, 3)} | ${f(r.segwCpuUsPerPacket, 1)} | ${f(r.segwCores, 2)} | ${f(r.peerCores, 2)} | ${r.stalls} |`);
  }
  if (typeof multiCore === "string") lines.push("", `Multi-core runs: ${multiCore}`);
  lines.push("", `Latency (64-octet UDP payload, one-way, UE and eNB stand-in share one clock; both paths interleaved: every ${TRAFFIC.latency.intervalMs} ms one packet on each, half a period apart, in alternating order, ${TRAFFIC.latency.n.toLocaleString("en-US")} per path):`, "", "| path | received | p50 µs | p99 µs |", "| --- | ---: | ---: | ---: |");
  for (const l of t.latency) lines.push(`| ${l.path} | ${l.received} | ${f(l.p50Us, 0)} | ${f(l.p99Us, 0)} |`);
  const [base, segw] = [t.latency[0], t.latency[1]];
  if (base && segw) lines.push(`| **added by the SeGW** | | **${f(segw.p50Us - base.p50Us, 0)}** | **${f(segw.p99Us - base.p99Us, 0)}** |`);
  return lines;
}

function microTable(m: BenchRow[] | string): string[] {
  if (typeof m === "string") return [`Not run (${m}).`];
  const lines = ["| operation | octets | packets per CPU second | Gbit/s | cost vs bare cipher |", "| --- | ---: | ---: | ---: | ---: |"];
  for (const r of m.filter((x) => x.name.includes("gcm-128"))) {
    const bare = m.find((b) => b.sizeBytes === r.sizeBytes && b.name === "node:crypto gcm-128 bare");
    lines.push(`| ${r.name} | ${r.sizeBytes} | ${f(r.packetsPerSecond, 0)} | ${f(r.gbitPerSecond, 2)} | ${bare ? f(bare.packetsPerSecond / r.packetsPerSecond, 2) : "n/a"}x |`);
  }
  return lines;
}

function scaleTable(s: SuiteReport["scale"]): string[] {
  if (typeof s === "string") return [`Not run (${s}).`];
  const lines = [
    "| UEs | established | set-up time (this step) | set-ups/s | V8 heap / UE | external / UE | heap + external / UE | RSS / UE | provisioning entry alone / UE |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of s.rows) {
    lines.push(`| ${r.ues.toLocaleString("en-US")} | ${r.established.toLocaleString("en-US")} | ${f(r.setupSeconds)} s | ${f(r.setupsPerSecond, 0)} | ${kib(r.heapPerUe)} KiB | ${kib(r.externalPerUe)} KiB | **${kib(r.heapPerUe + r.externalPerUe)} KiB** | ${kib(r.rssPerUe)} KiB | ${kib(r.provisioningPerUe)} KiB |`);
  }
  lines.push("", `Empty SeGW: heap ${kib(s.base.heapUsed)} KiB, external ${kib(s.base.external)} KiB, RSS ${kib(s.base.rss)} KiB.`);
  return lines;
}

/** The conditions of the set-up rows. */
function setupProse(): string[] {
  const warmups = SETUP.proposals.map(([p, , w]) => `${w.toLocaleString("en-US")} (${p})`).join(" and ");
  return [
    `Complete IKE_SA_INIT + IKE_AUTH handshakes (PSK, IDi ID_KEY_ID, CFG_REQUEST -> INTERNAL_IP4_ADDRESS, TSi = TSr = 0.0.0.0/0 narrowed by the responder to <VIP>/32 === 198.18.1.1/32, ` +
      `forced UDP encapsulation, CHILD SA ESP ${SETUP.espProposal} installed in the responder's data plane) between two network namespaces (veth, UE 198.18.0.0/24 -- SeGW 198.18.0.1). ` +
      `The same load generator for both responders: bench/load-peer.ts, the project's IkeNode initiator, ${SETUP.concurrency} handshakes in flight, UEs spread over ${SETUP.sources} source addresses; ` +
      `a set-up counts when the CHILD SA is up at the initiator. ${SETUP.rounds} rounds alternate between the two responders, a fresh responder process each, which is measured in two states; ` +
      "each row is the median of the rounds.",
    "",
    `- **cold**: the fresh process after a warm-up of ${SETUP.coldWarmup} set-ups, whose SAs it keeps (the MODP-2048 run follows the ECP-256 run and starts with its SAs held). ` +
      "Our SeGW still pays V8's JIT compilation here (compiler threads and unoptimised code) over its first couple of thousand set-ups; this is what earlier versions of this report measured.",
    "- **steady** (the figure checked against the target): the same process after its cold runs. The generator deletes every IKE SA it set up (INFORMATIONAL Delete, RFC 7296 §1.4.1) " +
      "and waits until the responder holds none (our SeGW: its IKE SA count over the bench RPC; strongSwan: vici `stats`, ikesas total), then runs " +
      `${warmups} more set-ups of the proposal measured, deletes those the same way, and only then the measured run, from zero SAs held. ` +
      "Deleting keeps the comparison fair: strongSwan's cost per set-up grows with the SAs it holds, so a longer warm-up without deleting would measure that instead. " +
      "The column \"set-ups before / IKE SAs held at start\" gives each run's conditions.",
    "",
    "lwip SeGW: the `lwip segw` daemon (startSegw, log level warn, rate limits and cookie threshold out of reach) in its own process (bench/segw-peer.ts); its UEs (one single-use PSK each, " +
      "for the warm-ups and the measured runs) were provisioned (LWIP ADDITION REQUEST into its store, in process) before each run, not counted. strongSwan: charon with kernel-libipsec, " +
      "dos_protection = no, ikesa_table_size = 1024 in 16 segments, 16 threads, one PSK for any key-id, file log at level 1 (as the lab's sslab-load.sh). " +
      "Responder CPU = utime + stime of the responder process (all threads) from /proc/<pid>/stat around the measured run only (warm-ups, deletions and provisioning not counted). " +
      "The lab measured strongSwan at about 1.0 ms (ECP-256) and 2.8 ms (MODP-2048) per set-up with charon as the initiator (/work/shared/lab/README.md).",
  ];
}

/** One line comparing the multi-worker SeGW's set-up rows with the one process's, per state. */
function multiCoreSummary(r: SuiteReport): string[] {
  if (typeof r.setup === "string") return [];
  const rows = r.setup.multiCore;
  const lines: string[] = [];
  for (const phase of ["steady", "cold"] as const) {
    const one = rows.find((x) => x.phase === phase && x.variant === "one process, 2 cores");
    const w = rows.find((x) => x.phase === phase && x.variant === WORKERS_VARIANT);
    if (one && w) {
      lines.push(`- ${phase}: ${WORKERS.length} workers / one process: set-ups/s **${f(w.perSecond / one.perSecond, 2)}x** (${f(w.perSecond)} vs ${f(one.perSecond)}), ` +
        `responder CPU per set-up **${f(w.responderCpuMsPerSetup / one.responderCpuMsPerSetup, 2)}x** (${f(w.responderCpuMsPerSetup, 2)} ms, of which the primary ${f(w.primaryCpuMsPerSetup, 2)} ms, vs ${f(one.responderCpuMsPerSetup, 2)} ms), ` +
        `responder cores busy ${f(w.responderCores, 2)} vs ${f(one.responderCores, 2)}.`);
    }
  }
  return lines;
}

/** docs/benchmarks.md. */
export function renderMarkdown(r: SuiteReport): string {
  const m = r.machine;
  const t = targets(r);
  return [
    "# Benchmarks: lwip SeGW next to strongSwan",
    "",
    `Generated by \`npm run bench\` (bench/suite.ts) on ${r.started}, in ${f(r.seconds, 0)} s. Machine: ${m.cpus} x ${m.model}, Linux ${m.kernel}, Node ${m.node}, ${m.strongswan}. ` +
      `Load average (1 min) ${f(m.loadBefore, 2)} before, ${f(m.loadAfter, 2)} after: every process of both systems shares these ${m.cpus} cores, ` +
      "so rates move with whatever else runs; CPU time per operation (from /proc) moves much less. Raw figures: docs/benchmarks.json; chart: docs/benchmarks.svg.",
    "",
    "## Targets (ratios from this run)",
    "",
    "| target | measured | goal | met |",
    "| --- | --- | --- | --- |",
    ...t.map((x) => `| ${x.name} | ${x.measured} | ${x.goal} | ${x.context ? "–" : x.met === undefined ? "not measured" : x.met ? "**yes**" : "**no**"} |`),
    "",
    "## Set-up rate",
    "",
    ...setupProse(),
    "",
    ...setupTables(r.setup),
    "",
    `Multi-core rows: one SeGW process pinned to one core with taskset (a fresh process, cold); the same process free to use both cores (the ECP-256 rows above, cold and steady); ` +
      `and the multi-worker SeGW (config \`workers: [{ ike: ${WORKERS.join(" }, { ike: ")} }]\`, bench/segw-peer.ts with startSegwWorkers): the primary process with the control API ` +
      `and ${WORKERS.length} worker processes, one per address, each with its own IKE, ESP, GTP-U and provisioning store. Its UEs are provisioned through the registry the control API uses; ` +
      "each answer names the worker address the UE must run IKE with (the IDi decides the worker), and one generator per worker address, on half the source addresses, " +
      `runs that worker's UEs, both at the same time, ${SETUP.concurrency} in flight each (so ${SETUP.concurrency * WORKERS.length} against the SeGW, against ${SETUP.concurrency} for one process). ` +
      `Cold: the fresh processes after the same warm-up, spread over the workers (each worker pays V8's JIT compilation itself); steady: after deleting, a warm-up of ${WORKERS.length} times the one process's (so that each worker has run about as many set-ups), deleted too. ` +
      "Responder CPU = the primary plus every worker process (/proc); the primary's share is the workers' events over IPC. The generators run on the same two cores: " +
      "with both cores already busy for one process (responder plus generator), the set-up rate cannot double here; the CPU per set-up says what a worker costs.",
    "",
    ...multiCoreSummary(r),
    "",
    "## Throughput and latency",
    "",
    `Same namespaces, IKE aes128gcm16-prfsha256-ecp256, ESP aes128gcm16 in UDP. lwip: the SeGW process alone in the SeGW namespace; the UE (our IkeNode + ESP data plane) and the eNB's GTP-U ` +
      `stand-in (198.18.0.3:2152) in one process in the UE namespace (bench/traffic-peer.ts), so both ESP and GTP-U cross the veth. Uplink = UE -> ESP -> SeGW -> G-PDU -> eNB; ` +
      `downlink = eNB -> G-PDU -> SeGW -> ESP -> UE. The payload is the UDP payload of the user's IPv4/UDP packet inside LWIPEP (GRE) inside the inner IPv4 packet (what iperf3 -l counts). ` +
      `At most ${TRAFFIC.window} packets in flight (bursts of ${TRAFFIC.burst}), ${TRAFFIC.rounds} rounds of ${TRAFFIC.seconds} s per row, the row being the round with the median rate; figures are delivered packets over the receiver's first-to-last time. ` +
      `strongSwan: charon + kernel-libipsec at both ends (ESP in user space behind TUN), \`iperf3 -u -b <rate> -l <payload> -t ${TRAFFIC.seconds}\` from the UE's virtual address to 198.18.1.1, ` +
      `offered ${OFFERED_PPS.join(", ")} packets/s in turn, stopping past the peak; the row is the best rate the iperf3 server received, with the loss at that offered rate ` +
      "(offering far more than libipsec carries starves it of CPU on these 2 cores and would understate it; the lab measured 255-440 Mbit/s on a quiet machine). SeGW CPU = /proc utime + stime of " +
      "the SeGW process per delivered packet (multi-worker rows: the primary and every worker): it includes the kernel's UDP and veth work done in the SeGW's syscalls; strongSwan's SeGW CPU is the same for the SeGW-side charon (all threads) over the iperf3 run that gave the row, per delivered packet (its TUN writes and the local delivery to the iperf3 server included). " +
      `Multi-core rows (uplink): the one process pinned to one core; the one process with ${WORKERS.length} UEs sending at once; the multi-worker SeGW with one UE per worker, ` +
      `each UE running IKE and ESP with the worker address provisioning gave it. All UEs live in the one traffic peer process, each with at most ${TRAFFIC.window} packets in flight ` +
      `(bursts of ${TRAFFIC.burst}); that process (ESP encryption for every UE, the eNB stand-in's receiving) competes with the SeGW for the same 2 cores, so these rows show what ` +
      "the machine carries end to end, not what the workers could carry with cores of their own: a traffic peer near 1.0 cores busy (one Node event loop) is what limits its row.",
    "",
    ...trafficTables(r.traffic, r.trafficMultiCore),
    "",
    "Latency baseline: the same datagram sent by the same process over the same veth hop to a bare UDP relay socket in the SeGW's process, which forwards it to the eNB stand-in; " +
      "the difference is what the SeGW's ESP decapsulation, policy checks, LWIPEP/GTP-U processing (and the UE's ESP encapsulation, about 3 µs) add. " +
      "The two paths run interleaved so that a busy moment of the machine delays both alike; the p99 difference still carries the noise of the ten or so slowest packets of each path.",
    "",
    "## Per-packet ESP cost and the bare cipher floor",
    "",
    "bench/esp-micro.ts: our ESP SA's encapsulate / decapsulate of one packet next to the bare node:crypto AES-128-GCM call it cannot avoid (one createCipheriv + update + final + tag), " +
      "per CPU second of one core, medians of interleaved slices.",
    "",
    ...microTable(r.micro),
    "",
    "## Scale: memory per established UE",
    "",
    `One SeGW process (bench/segw-peer.ts, --expose-gc) on ${SCALE.address}, the load generator in another process over loopback UDP (${SCALE.sources} source addresses, ` +
      `${SCALE.concurrency} in flight, ${SCALE.proposal}): loopback instead of the namespaces because the figure is memory, not the network. Each UE: provisioning entry (PSK deleted at IKE_AUTH), ` +
      "IKE SA, CHILD SA with its inbound and outbound ESP SA, session binding, counters; no traffic, DPD off. Memory from process.memoryUsage() after global.gc(), minus the empty SeGW; " +
      "RSS from /proc (V8 keeps freed pages, so RSS lags).",
    "",
    ...scaleTable(r.scale),
    "",
    "## Multi-core: the multi-worker SeGW",
    "",
    "One SeGW process has one event loop: IKE, ESP and GTP-U run on one core, and a second core only takes V8's GC threads and libuv's pool (the \"cores busy\" columns). " +
      "With config `workers` the SeGW runs one worker process per address (src/segw/workers): the primary process runs the control API, the eNBs' event streams and the metrics " +
      "endpoint, and holds nothing per UE; each worker runs its own IKE, ESP, GTP-U and provisioning store on its own UE-side address and backhaul address (by default the same).",
    "",
    "- A UE's worker is chosen at provisioning by a hash of its IDi (which the eNB picks at random). The LWIP ADDITION REQUEST ACKNOWLEDGE names that worker's address, and the eNB " +
      "gives it to the UE in RRC (TS 36.331 TunnelConfigLWIP-r13 ip-Address-r13; TS 33.401 16.2.1): the UE runs IKEv2 and ESP with its worker, and the eNB sends the UE's GTP-U " +
      "to that worker's backhaul address, over one NDS/IP SA per worker.",
    "- No packet crosses processes: nothing is steered or forwarded between workers. The IPC carries only the control API's calls (provision, find, release, list), " +
      "the workers' events for the eNBs, and metrics.",
    "- A worker that dies takes its UEs' tunnels with it; the primary restarts it with back-off and ends the eNBs' event streams, so each eNB reconnects, lists its UEs and sets up " +
      "afresh those that are gone (as after a SeGW restart, with the next LWIP counter).",
    "",
    "The set-up and throughput sections above give the rows and their conditions: one process pinned to one core, one process on both cores, and the multi-worker SeGW with " +
      `${WORKERS.length} workers, all on this machine's ${r.machine.cpus} cores together with the load generators or the traffic peer.`,
    "",
  ].join("\n");
}

/** docs/benchmarks.svg: ours / strongSwan ratios of this run, with the targets marked. */
export function renderSvg(r: SuiteReport): string {
  const bars: Array<{ label: string; value: number; target: number }> = [];
  if (typeof r.setup !== "string") {
    for (const [proposal] of SETUP.proposals) {
      const p = setupPair(r.setup, proposal);
      const short = proposal.includes("ecp256") ? "ECP-256" : "MODP-2048";
      if (p.ours && p.theirs) {
        bars.push({ label: `set-ups/s ${short} (steady)`, value: p.ours.perSecond / p.theirs.perSecond, target: NaN });
        bars.push({ label: `CPU efficiency ${short} (steady)`, value: p.theirs.responderCpuMsPerSetup / p.ours.responderCpuMsPerSetup, target: 3 });
      }
    }
  }
  if (typeof r.traffic !== "string") {
    for (const bytes of TRAFFIC.payloads) {
      const ours = r.traffic.segw.find((x) => x.direction === "uplink" && x.payloadBytes === bytes);
      const theirs = strongswanRow(r.traffic, bytes);
      if (ours && theirs) bars.push({ label: `throughput ${bytes} B`, value: ours.gbitPerSecond / theirs.gbitPerSecond, target: 3 });
    }
  }
  const max = Math.max(4, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0))) * 1.1;
  const [w, left, top, rowH] = [760, 190, 50, 34];
  const h = top + bars.length * rowH + 50;
  const x = (v: number) => left + ((w - left - 30) * v) / max;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="13">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">lwip SeGW / strongSwan, same run (${esc(r.started.slice(0, 16))}); higher is better</text>`,
    `<line x1="${x(1)}" y1="${top - 8}" x2="${x(1)}" y2="${h - 40}" stroke="#444" stroke-dasharray="4 3"/>`,
    `<text x="${x(1) + 3}" y="${top - 12}" fill="#444">1x (parity)</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const v = Number.isFinite(b.value) ? b.value : 0;
    const met = Number.isFinite(b.target) ? v >= b.target : v >= 1;
    parts.push(`<text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(v) - left)}" height="${rowH - 12}" fill="${met ? "#2e7d32" : "#c62828"}"/>`);
    parts.push(`<text x="${x(v) + 4}" y="${y + 17}">${v.toFixed(2)}x</text>`);
    if (Number.isFinite(b.target)) parts.push(`<line x1="${x(b.target)}" y1="${y + 1}" x2="${x(b.target)}" y2="${y + rowH - 5}" stroke="black" stroke-width="2"/>`);
  });
  parts.push(`<text x="10" y="${h - 14}" fill="#444">Black marks: targets of issue 8 (3x). CPU efficiency = strongSwan responder CPU per set-up / ours. Conditions: docs/benchmarks.md.</text>`, "</svg>", "");
  return parts.join("\n");
}
