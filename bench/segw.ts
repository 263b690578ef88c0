/**
 * LWIP-SeGW benchmark (issue 4), two parts, each next to an engine-only figure of the same run:
 *
 * 1. Provisioned handshakes per second: the daemon of `lwip segw` (startSegw) on 127.0.10.1 with
 *    unprivileged ports, each UE provisioned in its ProvisioningStore (an LWIP ADDITION REQUEST,
 *    in process), then IKE_SA_INIT + IKE_AUTH + CHILD SA from our IKE initiators spread over
 *    SOURCES loopback addresses, CONCURRENCY at a time; against benchIke() (bench/ike.ts: the
 *    engine alone, with a fixed-PSK policy).
 * 2. Forwarding: one connected UE; uplink = inner IPv4/GRE (LWIPEP) in ESP -> G-PDU to the eNB,
 *    downlink = G-PDU from the eNB -> ESP to the UE. The UE and the eNB run in a worker thread of
 *    this process (this same file, see peerMain) with a window of packets in flight; the SeGW runs
 *    alone on the main thread, whose event-loop busy time per packet is the SeGW's cost. It is set
 *    against the ESP micro benchmark's bare decapsulate (uplink) or encapsulate (downlink) of an
 *    inner packet of the same size (benchEspMicro, same run).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { EspTunnels } from "../src/dataplane/esp-tunnels.js";
import { encodeGpdu } from "../src/gtpu/messages.js";
import type { ChildSaSink } from "../src/ike/context.js";
import { IkeNode } from "../src/ike/ike-node.js";
import { parseProposalList } from "../src/ike/proposal.js";
import { IdType } from "../src/ike/registry.js";
import type { IkeSa } from "../src/ike/sa/ike-sa.js";
import { parseCidr, selectorFromCidr } from "../src/ike/traffic-selector.js";
import { formatIpAddress } from "../src/inet/address.js";
import { encodeIpv4 } from "../src/inet/ipv4.js";
import { systemClock } from "../src/io/clock.js";
import { Counters } from "../src/io/counters.js";
import { silentLogger } from "../src/io/log.js";
import { IkeUdpSockets } from "../src/io/udp.js";
import { openUdpSocket } from "../src/io/udp-socket.js";
import { EtherType, encodeLwipep } from "../src/lwipep/lwipep.js";
import { createDevPki } from "../src/pki/dev-pki.js";
import { writePkiFiles } from "../src/pki/write-files.js";
import { parseSegwConfig } from "../src/segw/config.js";
import { startSegw, type Segw } from "../src/segw/daemon.js";
import { benchEspMicro } from "./esp-micro.js";
import { benchIke, type IkeBenchRow } from "./ike.js";
import { median } from "./interleaved.js";
import type { BenchRow } from "./types.js";

export const SEGW = { address: "127.0.10.1", ikePort: 21500, nattPort: 24500 } as const;
const ENB_GTP = "127.0.10.2";
const GTPU_PORT = 2152;
const UE_ADDRESS = (n: number) => `127.0.11.${n}`;
const LWIP_ENDPOINT = "198.18.1.1";
export const SOURCES = 16;
export const CONCURRENCY = 32;
const HANDSHAKES: ReadonlyArray<readonly [string, number]> = [["aes128gcm16-prfsha256-ecp256", 1000], ["aes128-sha256-modp2048", 300]];
/** Engine and SeGW handshake runs alternate this many times; each figure is the median of its runs. */
export const ROUNDS = 3;
export const ESP_PROPOSAL = "aes128gcm16";
/** Inner IP packet sizes (the ESP payload), as the ESP micro benchmark's sizes. */
const SIZES = [64, 512, 1400] as const;
export const FORWARDING = { seconds: 1.5, window: 128, burst: 32, stallMs: 50 } as const;
const PEER_ROLE = "segw-bench-peer";
const HIGH = 1_000_000_000;

const random = (n: number) => new Uint8Array(randomBytes(n));
const nullSink: ChildSaSink = { install() {}, remove() {}, rehome() {} };
const anySelector = () => selectorFromCidr(parseCidr("0.0.0.0/0") ?? { address: new Uint8Array(4), prefixLength: 0 });
const timing = { retransmitMs: [2000, 4000], halfOpenMs: 30_000, dpdMs: 0 };

function specs(text: string, kind: "ike" | "esp") {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new Error(r.error);
  return r.specs;
}

function octets(n: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (n >>> (8 * (length - 1 - i))) & 0xff);
}

/** Linux's USER_HZ: /proc reports thread CPU times in 1/100 s. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU microseconds the calling thread has used (utime + stime of /proc/thread-self/stat), or undefined off Linux. */
function threadCpuUs(): number | undefined {
  try {
    const fields = readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
    // Fields 14 and 15 of proc(5), counted from the state field (3) after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface SegwHandshakeRow {
  readonly proposal: string;
  readonly handshakes: number;
  /** Medians over ROUNDS runs. */
  readonly handshakesPerSecond: number;
  /** CPU of this process (SeGW and initiators) per handshake. */
  readonly cpuMsPerHandshake: number;
  readonly engineHandshakesPerSecond: number;
  readonly engineCpuMsPerHandshake: number;
}

export interface SegwForwardRow {
  readonly direction: "uplink" | "downlink";
  readonly innerBytes: number;
  readonly sent: number;
  readonly delivered: number;
  readonly stalls: number;
  readonly packetsPerSecond: number;
  /** CPU time of the SeGW's thread per delivered packet (/proc/thread-self/stat), or its event-loop busy time where that file is missing. */
  readonly segwCpuUs: number;
  readonly segwCpuSource: "thread CPU" | "event-loop busy";
  /** Share of the phase the worker (UE and eNB) was busy: near 1, the generator was the limit. */
  readonly peerUtilization: number;
  /** The bare ESP operation of the same size from benchEspMicro, packets per CPU second. */
  readonly bareEsp: BenchRow | undefined;
}

export interface SegwBenchResult {
  readonly handshakes: SegwHandshakeRow[];
  readonly forwarding: SegwForwardRow[];
}

/** The SeGW's configuration: eNB "alpha" with its GTP-U stand-in on ENB_GTP; limits that never decide. */
function configYaml(pki: string): string {
  return `ike: { listen: ${SEGW.address}, ikePort: ${SEGW.ikePort}, nattPort: ${SEGW.nattPort}, dpdSeconds: 0, ikeProposals: "${HANDSHAKES.map(([p]) => p).join(",")}", espProposals: ${ESP_PROPOSAL} }
pools: [198.18.64.0/18]
controlApi: { listen: ${SEGW.address}, port: 0, tls: { cert: ${pki}/segw.pem, key: ${pki}/segw-key.pem, ca: ${pki}/ca.pem } }
enbs: [{ name: alpha, certificateIdentity: alpha, lwipEndpoints: [${LWIP_ENDPOINT}], gtpAddress: ${ENB_GTP} }]
gtpu: { listen: ${SEGW.address}, port: 0, ndsIp: platform }
provisioning: { windowSeconds: 300, maxEntries: 1000000 }
rateLimits: { ikeSaInitPerSourcePerSecond: ${HIGH}, ikeSaInitPerSecond: ${HIGH}, halfOpenCookieThreshold: ${HIGH}, halfOpenMax: ${HIGH},
  uePacketsPerSecond: ${HIGH}, ueBytesPerSecond: ${HIGH}, enbPacketsPerSecond: ${HIGH}, enbBytesPerSecond: ${HIGH} }
`;
}

async function startBenchSegw(dir: string): Promise<Segw> {
  const written = writePkiFiles(join(dir, "pki"), await createDevPki({ enbs: ["alpha"], segwName: "segw", segwAddresses: [SEGW.address], days: 1 }), false);
  if (!written.ok) throw new Error(written.error);
  const config = parseSegwConfig(configYaml(join(dir, "pki")), dir);
  if (!config.ok) throw new Error(config.error.message);
  return startSegw(config.value, { log: silentLogger });
}

let provisioned = 0;

/** LWIP ADDITION REQUEST for a new UE (in the store, as the control API would); returns its IDi and PSK. */
function provisionUe(segw: Segw, enbTeid: number): { idi: Uint8Array; psk: Uint8Array; segwTeid: number } {
  const k = ++provisioned;
  const psk = random(32);
  const idi = new TextEncoder().encode(`segw-bench-${k}`);
  const r = segw.store.provision("alpha", {
    enbUeXwapId: octets(k, 3), ueIdentity: Uint8Array.of(0x02, ...octets(k, 5)), lwipPsk: psk.slice(), ikeInitiatorIdentity: idi,
    enbGtpTunnelEndpoint: { transportLayerAddress: ENB_GTP, gtpTeid: octets(enbTeid, 4) },
  });
  if (!r.ok) throw new Error(`provisioning refused: ${r.reason}`);
  return { idi, psk, segwTeid: new DataView(r.entry.segwGtpTeid.buffer, r.entry.segwGtpTeid.byteOffset).getUint32(0) };
}

/** Provisioned handshakes through the SeGW from initiators on SOURCES addresses: n after a warm-up of 20. */
async function handshakes(segw: Segw, proposal: string, n: number): Promise<{ perSecond: number; cpuMs: number }> {
  const sockets = new Map<string, IkeUdpSockets>();
  let up = 0;
  let onUp = (): void => {};
  let failed = (why: string): void => void why;
  const node = new IkeNode({
    clock: systemClock, random, sink: nullSink, log: silentLogger, timing,
    sender: { send: (m, local, remote) => sockets.get(local.address)?.sendIke(m, local, remote) },
    onEvent: (e) => {
      if (e.event === "ike-sa-failed") failed(`${e.reason} ${e.detail}`);
      if (e.event !== "child-sa-up") return;
      up++;
      onUp();
    },
  });
  for (let s = 1; s <= SOURCES; s++) {
    const address = UE_ADDRESS(s);
    sockets.set(address, await IkeUdpSockets.open({ address, ikePort: SEGW.ikePort, nattPort: SEGW.nattPort }, { onIke: (m, r, l) => node.receive(m, r, l), onEsp: () => {} }));
  }
  const [ikeProposals, espProposals] = [specs(proposal, "ike"), specs(ESP_PROPOSAL, "esp")];
  let started = 0;
  const startOne = (): void => {
    const { idi, psk } = provisionUe(segw, started + 1);
    const local = { address: UE_ADDRESS((started++ % SOURCES) + 1), port: SEGW.ikePort };
    node.initiate({
      local, remote: { address: SEGW.address, port: SEGW.ikePort }, idi: { idType: IdType.ID_KEY_ID, data: idi }, psk, ikeProposals, espProposals,
      tsi: [anySelector()], tsr: [anySelector()], requestVirtualIp: true, nattPorts: { local: SEGW.nattPort, remote: SEGW.nattPort },
    });
  };
  const run = (count: number) => new Promise<void>((resolve, reject) => {
    up = 0;
    started = 0;
    failed = (why) => reject(new Error(`handshake failed: ${why}`));
    onUp = () => (up >= count ? resolve() : started < count ? startOne() : undefined);
    for (let k = 0; k < Math.min(CONCURRENCY, count); k++) startOne();
  });
  try {
    await run(20);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(n);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { perSecond: n / wallS, cpuMs: (cpu.user + cpu.system) / 1000 / n };
  } finally {
    node.shutdown();
    for (const s of sockets.values()) s.close();
  }
}

/** Messages of the forwarding worker. */
type ToPeer = { readonly type: "phase"; readonly direction: "uplink" | "downlink"; readonly innerBytes: number } | { readonly type: "stop" };
type FromPeer =
  | { readonly type: "up"; readonly vip: string }
  | { readonly type: "phase-done"; readonly sent: number; readonly delivered: number; readonly stalls: number; readonly seconds: number; readonly utilization: number }
  | { readonly type: "error"; readonly message: string };

interface PeerData {
  readonly role: typeof PEER_ROLE;
  readonly idi: Uint8Array;
  readonly psk: Uint8Array;
  readonly enbTeid: number;
  readonly segwTeid: number;
  readonly segwGtpPort: number;
}

/** The forwarding rows: one worker (UE + eNB) against the SeGW on this thread. */
async function forwarding(segw: Segw, micro: readonly BenchRow[]): Promise<SegwForwardRow[]> {
  const enbTeid = 0x0e0b0001;
  const ue = provisionUe(segw, enbTeid);
  const data: PeerData = { role: PEER_ROLE, idi: ue.idi, psk: ue.psk, enbTeid, segwTeid: ue.segwTeid, segwGtpPort: segw.gtpuPort };
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  const inbox: FromPeer[] = [];
  let wake = (): void => {};
  worker.on("message", (m: FromPeer) => {
    inbox.push(m);
    wake();
  });
  worker.on("error", (e) => {
    inbox.push({ type: "error", message: e.message });
    wake();
  });
  const next = async (): Promise<FromPeer> => {
    while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
    const m = inbox.shift() as FromPeer;
    if (m.type === "error") throw new Error(`forwarding peer: ${m.message}`);
    return m;
  };
  const rows: SegwForwardRow[] = [];
  try {
    await next();
    for (const direction of ["uplink", "downlink"] as const) {
      for (const innerBytes of SIZES) {
        const elu0 = performance.eventLoopUtilization();
        const cpu0 = threadCpuUs();
        worker.postMessage({ type: "phase", direction, innerBytes } satisfies ToPeer);
        const done = await next();
        const cpu1 = threadCpuUs();
        const busyUs = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : performance.eventLoopUtilization(elu0).active * 1000;
        if (done.type !== "phase-done") throw new Error(`unexpected ${done.type}`);
        const bareName = `esp gcm-128 ${direction === "uplink" ? "decapsulate" : "encapsulate"}`;
        rows.push({
          direction, innerBytes, sent: done.sent, delivered: done.delivered, stalls: done.stalls,
          packetsPerSecond: done.delivered / done.seconds, segwCpuUs: busyUs / Math.max(1, done.delivered), segwCpuSource: cpu0 === undefined ? "event-loop busy" : "thread CPU",
          peerUtilization: done.utilization, bareEsp: micro.find((b) => b.name === bareName && b.sizeBytes === innerBytes),
        });
      }
    }
  } finally {
    worker.postMessage({ type: "stop" } satisfies ToPeer);
    await worker.terminate();
  }
  return rows;
}

/** Runs both parts (and the engine-only baselines) and returns their rows. */
export async function benchSegw(): Promise<SegwBenchResult> {
  const micro = await benchEspMicro();
  const dir = mkdtempSync(join(tmpdir(), "lwip-segw-bench-"));
  const segw = await startBenchSegw(dir);
  try {
    const engineRuns: IkeBenchRow[][] = [];
    const segwRuns = new Map<string, { perSecond: number; cpuMs: number }[]>();
    for (let round = 0; round < ROUNDS; round++) {
      engineRuns.push(await benchIke());
      for (const [proposal, n] of HANDSHAKES) segwRuns.set(proposal, [...(segwRuns.get(proposal) ?? []), await handshakes(segw, proposal, n)]);
    }
    const rows = HANDSHAKES.map(([proposal, n]): SegwHandshakeRow => {
      const ours = segwRuns.get(proposal) ?? [];
      const engine = engineRuns.flatMap((rs) => rs.filter((e) => e.proposal === proposal));
      return {
        proposal, handshakes: n,
        handshakesPerSecond: median(ours.map((r) => r.perSecond)), cpuMsPerHandshake: median(ours.map((r) => r.cpuMs)),
        engineHandshakesPerSecond: median(engine.map((e) => e.handshakesPerSecond)), engineCpuMsPerHandshake: median(engine.map((e) => e.cpuMsPerHandshake)),
      };
    });
    return { handshakes: rows, forwarding: await forwarding(segw, micro) };
  } finally {
    await segw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One timed phase in the worker: `send` one packet while fewer than WINDOW are in flight. */
async function runPhase(send: () => void, counter: { delivered: number; lastAt: number }): Promise<FromPeer> {
  counter.delivered = 0;
  let sent = 0;
  let stalls = 0;
  let lost = 0;
  let progress = { delivered: 0, at: performance.now() };
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const end = t0 + FORWARDING.seconds * 1000;
  for (let now = t0; now < end; now = performance.now()) {
    for (let b = 0; b < FORWARDING.burst && sent - counter.delivered - lost < FORWARDING.window; b++, sent++) send();
    if (counter.delivered !== progress.delivered) progress = { delivered: counter.delivered, at: now };
    else if (now - progress.at > FORWARDING.stallMs) {
      // Lost packets would hold the window forever: write them off and go on.
      lost = sent - counter.delivered;
      stalls++;
      progress = { delivered: counter.delivered, at: now };
    }
    await yieldToLoop();
  }
  for (const stop = performance.now() + 200; counter.delivered < sent && performance.now() < stop; ) await yieldToLoop();
  const utilization = performance.eventLoopUtilization(elu0).utilization;
  return { type: "phase-done", sent, delivered: counter.delivered, stalls, seconds: Math.max(1e-3, (counter.lastAt - t0) / 1000), utilization };
}

/** The worker: our UE (IKE + ESP) on UE_ADDRESS(1) and the eNB's GTP-U socket on ENB_GTP:2152. */
async function peerMain(data: PeerData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const counter = { delivered: 0, lastAt: 0 };
  const count = (): void => {
    counter.delivered++;
    counter.lastAt = performance.now();
  };
  const io: { ike?: IkeUdpSockets } = {};
  const tunnels = new EspTunnels({ sendEsp: (p, r) => io.ike?.sendEsp(p, r), deliver: count }, new Counters());
  let childUp = (): void => {};
  const node = new IkeNode({
    clock: systemClock, random, sink: tunnels, log: silentLogger, timing,
    sender: { send: (m, l, r) => io.ike?.sendIke(m, l, r) },
    onEvent: (e) => (e.event === "child-sa-up" ? childUp() : e.event === "ike-sa-failed" ? port.postMessage({ type: "error", message: e.detail } satisfies FromPeer) : undefined),
  });
  const local = UE_ADDRESS(1);
  io.ike = await IkeUdpSockets.open({ address: local, ikePort: SEGW.ikePort, nattPort: SEGW.nattPort, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 }, {
    onIke: (m, r, l) => node.receive(m, r, l),
    onEsp: (p, spi, r) => tunnels.receive(p, spi, r),
  });
  const enbTeid = octets(data.enbTeid, 4);
  const enb = await openUdpSocket(ENB_GTP, GTPU_PORT, (bytes) => {
    if (bytes[4] === enbTeid[0] && bytes[5] === enbTeid[1] && bytes[6] === enbTeid[2] && bytes[7] === enbTeid[3]) count();
  });
  const up = new Promise<void>((resolve) => (childUp = resolve));
  const sa: IkeSa = node.initiate({
    local: { address: local, port: SEGW.ikePort }, remote: { address: SEGW.address, port: SEGW.ikePort },
    idi: { idType: IdType.ID_KEY_ID, data: data.idi }, psk: data.psk, ikeProposals: specs(HANDSHAKES[0]?.[0] ?? "", "ike"), espProposals: specs(ESP_PROPOSAL, "esp"),
    tsi: [anySelector()], tsr: [anySelector()], requestVirtualIp: true, nattPorts: { local: SEGW.nattPort, remote: SEGW.nattPort },
  });
  await up;
  const vip = sa.virtualIp ?? new Uint8Array(4);
  port.postMessage({ type: "up", vip: formatIpAddress(vip) } satisfies FromPeer);
  port.on("message", (m: ToPeer) => {
    if (m.type === "stop") {
      node.shutdown();
      return;
    }
    const lwipep = encodeLwipep({ drbId: 1, protocolType: EtherType.IPV4, payload: new Uint8Array(m.innerBytes - 28).fill(0x45, 0, 1) });
    const inner = encodeIpv4({ src: vip, dst: Uint8Array.from(LWIP_ENDPOINT.split(".").map(Number)), protocol: 47, ttl: 64, id: 0, payload: lwipep });
    const gpdu = encodeGpdu(data.segwTeid, lwipep);
    const segwGtp = { address: SEGW.address, port: data.segwGtpPort };
    const send = m.direction === "uplink" ? () => void tunnels.send(sa, inner) : () => enb.send(gpdu, segwGtp);
    void runPhase(send, counter).then((r) => port.postMessage(r));
  });
}

if (!isMainThread && (workerData as { role?: unknown } | null)?.role === PEER_ROLE) {
  peerMain(workerData as PeerData).catch((e: unknown) => parentPort?.postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) } satisfies FromPeer));
}

const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Prints the two Markdown tables with their conditions. */
export function printSegw(r: SegwBenchResult): void {
  console.log("\n### LWIP-SeGW: provisioned handshakes (startSegw and our initiators in one process, loopback UDP)\n");
  console.log(`The daemon (startSegw, logs off) on ${SEGW.address}:${SEGW.ikePort}/${SEGW.nattPort}; per UE an LWIP ADDITION REQUEST into its`);
  console.log(`ProvisioningStore (in process, no HTTPS), then IKE_SA_INIT + IKE_AUTH (PSK looked up by the ID_KEY_ID IDi, CP, TS narrowed to`);
  console.log(`the eNB's LWIP endpoint) + CHILD SA (ESP ${ESP_PROPOSAL}, installed in the SeGW's data plane), ${CONCURRENCY} in flight, from our IkeNode`);
  console.log(`initiators on ${SOURCES} addresses 127.0.11.1-${SOURCES}; the SeGW's rate limits and cookie threshold set out of reach. Engine only:`);
  console.log(`bench/ike.ts in the same run (responder with a fixed PSK policy, no store, no data plane). The two alternate ${ROUNDS} times;`);
  console.log(`each figure is the median of its ${ROUNDS} runs. CPU: both peers, this process. Load average before: ${fmt(loadavg()[0] ?? NaN, 2)} on ${cpus().length} cores.\n`);
  console.log("| proposal | handshakes | SeGW handshakes/s | engine handshakes/s | SeGW / engine | CPU ms per handshake, SeGW | CPU ms, engine |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const h of r.handshakes) {
    const ratio = fmt(h.handshakesPerSecond / h.engineHandshakesPerSecond, 2);
    console.log(`| ${h.proposal} | ${h.handshakes} | ${fmt(h.handshakesPerSecond)} | ${fmt(h.engineHandshakesPerSecond)} | ${ratio}x | ${fmt(h.cpuMsPerHandshake, 2)} | ${fmt(h.engineCpuMsPerHandshake, 2)} |`);
  }
  console.log("\n### LWIP-SeGW: forwarding (uplink ESP -> GTP-U, downlink GTP-U -> ESP)\n");
  console.log(`One UE, ESP ${ESP_PROPOSAL} in UDP. The UE (our IKE initiator and ESP data plane) and the eNB's GTP-U socket run in a worker thread`);
  console.log(`of the same process, keeping at most ${FORWARDING.window} packets in flight (bursts of ${FORWARDING.burst}, ${FORWARDING.seconds} s per row); the SeGW runs alone on`);
  console.log("the main thread. Uplink: inner IPv4/GRE (LWIPEP) packets of the given size from the UE -> the eNB counts the G-PDUs on its");
  console.log("TEID; downlink: G-PDUs carrying the LWIPEP packet -> the UE counts the decrypted inner packets. SeGW CPU = the CPU time");
  console.log("of the SeGW's thread (/proc/thread-self/stat, 10 ms ticks: ESP, policy, GTP-U and both sockets' syscalls, loopback delivery");
  console.log("to the receiving socket included) per delivered packet; capacity = 1 / that. Bare ESP: the micro table's decapsulate");
  console.log("(uplink) or encapsulate (downlink) of an inner packet of the same size, per CPU second. Generator busy near 100 % means");
  console.log("the worker, not the SeGW, set the wall rate; the capacity column is then the SeGW's figure.\n");
  console.log("| direction | inner octets | sent | delivered | stalls | packets/s (wall) | SeGW CPU µs/packet | SeGW capacity packets/s | bare ESP packets/s | bare / SeGW capacity | generator busy |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const f of r.forwarding) {
    const capacity = 1e6 / f.segwCpuUs;
    const bare = f.bareEsp ? fmt(f.bareEsp.packetsPerSecond, 0) : "n/a";
    const ratio = f.bareEsp ? `${fmt(f.bareEsp.packetsPerSecond / capacity, 2)}x` : "n/a";
    console.log(`| ${f.direction} | ${f.innerBytes} | ${fmt(f.sent, 0)} | ${fmt(f.delivered, 0)} | ${f.stalls} | ${fmt(f.packetsPerSecond, 0)} | ${fmt(f.segwCpuUs, 2)}${f.segwCpuSource === "thread CPU" ? "" : " (loop busy)"} | ${fmt(capacity, 0)} | ${bare} | ${ratio} | ${fmt(f.peerUtilization * 100, 0)} % |`);
  }
}
