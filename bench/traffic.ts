/**
 * Throughput and latency through the LWIP-SeGW between the lab's namespaces, next to strongSwan's
 * user-space ESP (libipsec) between the same namespaces:
 *
 * - ours: the SeGW process (bench/segw-peer.ts) alone in the SeGW namespace; the UE and the eNB's
 *   GTP-U stand-in (bench/traffic-peer.ts) in the UE namespace (eNB GTP-U on 198.18.0.3, so GTP-U
 *   crosses the veth too). Uplink = ESP in -> G-PDU out; downlink = G-PDU in -> ESP out.
 * - strongSwan: charon + libipsec at both ends, iperf3 -u from the UE's virtual address to
 *   198.18.1.1 (bench/esp-tunnel-netns.ts), the receiver's figures.
 *
 * Same IKE/ESP proposal, same payload sizes (UDP payload octets), same 2 cores shared by all.
 *
 * Multi-core rows (uplink): the one process pinned to one core; the one process with two UEs
 * sending at once; the multi-worker SeGW (config `workers`) with one UE per worker, each UE running
 * IKE and ESP with the worker address provisioning gave it, all from the one traffic peer. SeGW CPU
 * is the primary's and every worker's.
 */
import { LAB, type Topology } from "../test/interop/harness/netns.js";
import { ESP_PROPOSAL, IKE_PROPOSAL, type TunnelRow } from "./esp-tunnel.js";
import { strongswanTunnelRows } from "./esp-tunnel-netns.js";
import { num, procsCpuUs, RpcChild, spawnIn } from "./peer-rpc.js";
import { nodeArgv, segwConfig, segwPids, startSegwPeer, WORKER2, WORKERS, WORKERS_VARIANT } from "./setup-rate.js";
import type { TrafficPeerConfig } from "./traffic-peer.js";
import { fileURLToPath } from "node:url";

export const TRAFFIC = { payloads: [64, 1400], seconds: 3, rounds: 3, window: 96, burst: 16, latency: { n: 3000, intervalMs: 1, payloadBytes: 64 } } as const;
const TRAFFIC_PEER = fileURLToPath(new URL("./traffic-peer.js", import.meta.url));
const ENB_GTP = "198.18.0.3";
const RELAY_PORT = 2153;

export interface SegwTrafficRow {
  readonly variant: string;
  /** UEs sending at once (with workers: spread over them). */
  readonly ues: number;
  readonly direction: "uplink" | "downlink";
  readonly payloadBytes: number;
  readonly sent: number;
  readonly delivered: number;
  readonly packetsPerSecond: number;
  readonly gbitPerSecond: number;
  /** SeGW CPU (all threads of all its processes, /proc) per delivered packet. */
  readonly segwCpuUsPerPacket: number;
  /** SeGW CPU over wall time: the cores it kept busy. */
  readonly segwCores: number;
  /** The traffic peer's (all UEs and the eNB stand-in) CPU over wall time: it shares the cores with the SeGW. */
  readonly peerCores: number;
  readonly stalls: number;
}

export interface LatencyRow {
  readonly path: string;
  readonly received: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

export interface TrafficResult {
  readonly segw: SegwTrafficRow[];
  readonly strongswan: TunnelRow[] | string;
  readonly latency: LatencyRow[];
}

export interface SegwTrafficOptions {
  /** Pins the SeGW process(es). */
  readonly cpus?: string;
  readonly latency: boolean;
  readonly directions: readonly ("uplink" | "downlink")[];
  readonly payloads: readonly number[];
  /** The multi-worker SeGW on these addresses instead of one process. */
  readonly workers?: readonly string[];
  /** UEs sending at once, round-robin over the workers (default 1, or one per worker). */
  readonly ues?: number;
}

/** Provisions 16 UEs and chooses `count` of them round-robin over `targets` (each UE runs IKE with the address provisioning gave it). */
async function chooseUes(segw: RpcChild, psk: string, prefix: string, targets: readonly string[], count: number): Promise<{ k: number; address: string; teid: number }[]> {
  // provision answers the TEIDs of the first 16 UEs: enough to find one per worker (an IDi hash puts all 16 on one of 2 workers once in 2^15).
  const prov = await segw.call("provision", { prefix, from: 0, count: 16, psk });
  const teids = (prov["teids"] as number[] | undefined) ?? [];
  const workerOf = (prov["workerOf"] as string[] | undefined) ?? teids.map(() => LAB.segw);
  const free = targets.map((a) => teids.flatMap((teid, k) => (workerOf[k] === a ? [{ k, address: a, teid }] : [])));
  return Array.from({ length: count }, (_, j) => {
    const ue = free[j % targets.length]?.shift();
    if (!ue) throw new Error(`too few of 16 UEs provisioned for ${targets[j % targets.length] ?? "?"}: ${workerOf.join(", ")}`);
    return ue;
  });
}

/** Our SeGW's rows (and latency when asked). */
export async function segwTraffic(topo: Topology, psk: string, variant: string, opts: SegwTrafficOptions): Promise<{ rows: SegwTrafficRow[]; latency: LatencyRow[] }> {
  const over = { enbGtpAddress: ENB_GTP, relayPort: RELAY_PORT, ikeProposals: IKE_PROPOSAL, espProposals: ESP_PROPOSAL, ...(opts.workers === undefined ? {} : { workers: opts.workers }) };
  const segw = await startSegwPeer(topo, segwConfig(LAB.segw, over), opts.cpus);
  const config: TrafficPeerConfig = {
    ue: LAB.ue, enbGtp: ENB_GTP, segw: { address: LAB.segw, ikePort: 500, nattPort: 4500, gtpuPort: 2152, relayPort: RELAY_PORT },
    lwipEndpoint: LAB.enb, psk, ikeProposal: IKE_PROPOSAL, espProposal: ESP_PROPOSAL, deadlineSeconds: 300,
  };
  const peer = new RpcChild("traffic", spawnIn(topo.ue, nodeArgv(TRAFFIC_PEER, config)));
  const rows: SegwTrafficRow[] = [];
  const latency: LatencyRow[] = [];
  try {
    await peer.ready();
    const prefix = `traffic-${variant.replace(/\W+/g, "-")}-`;
    const targets = opts.workers ?? [LAB.segw];
    const ues = await chooseUes(segw, psk, prefix, targets, opts.ues ?? targets.length);
    for (const ue of ues) await peer.call("connect", { prefix, k: ue.k, segwAddress: ue.address, segwTeid: ue.teid });
    const pids = await segwPids(segw);
    for (const direction of opts.directions) await peer.call("phase", { direction, payloadBytes: 1400, seconds: 0.5, window: TRAFFIC.window, burst: TRAFFIC.burst }, 20_000);
    const measure = async (direction: "uplink" | "downlink", payloadBytes: number): Promise<SegwTrafficRow> => {
      const cpu0 = procsCpuUs(pids);
      const t0 = performance.now();
      const r = await peer.call("phase", { direction, payloadBytes, seconds: TRAFFIC.seconds, window: TRAFFIC.window, burst: TRAFFIC.burst }, 30_000);
      const cpuUs = procsCpuUs(pids) - cpu0;
      const wallS = (performance.now() - t0) / 1000;
      const delivered = num(r, "delivered");
      const pps = delivered / num(r, "seconds");
      return {
        variant, ues: ues.length, direction, payloadBytes, sent: num(r, "sent"), delivered, packetsPerSecond: pps, gbitPerSecond: (pps * payloadBytes * 8) / 1e9,
        segwCpuUsPerPacket: cpuUs / Math.max(1, delivered), segwCores: cpuUs / 1e6 / wallS, peerCores: num(r, "cpuUs") / 1e6 / wallS, stalls: num(r, "stalls"),
      };
    };
    for (const direction of opts.directions) {
      for (const payloadBytes of opts.payloads) {
        // The median of a few rounds: a single 3 s phase on this shared machine moved by a third between runs.
        const rounds: SegwTrafficRow[] = [];
        for (let i = 0; i < TRAFFIC.rounds; i++) rounds.push(await measure(direction, payloadBytes));
        rounds.sort((a, b) => a.packetsPerSecond - b.packetsPerSecond);
        const median = rounds[Math.floor(rounds.length / 2)];
        if (median) rows.push(median);
      }
    }
    if (opts.latency) {
      const { n, intervalMs, payloadBytes } = TRAFFIC.latency;
      await peer.call("latency", { payloadBytes, n: 100, intervalMs }, 30_000);
      const r = await peer.call("latency", { payloadBytes, n, intervalMs }, 60_000);
      for (const [path, via] of [["bare UDP relay in the SeGW process (baseline)", "relay"], ["through the SeGW (ESP -> G-PDU)", "segw"]] as const) {
        const one = (r[via] ?? {}) as Record<string, unknown>;
        latency.push({ path, received: num(one, "received"), p50Us: num(one, "p50Us"), p99Us: num(one, "p99Us") });
      }
    }
  } finally {
    await peer.stop();
    await segw.call("stop", {}, 10_000).catch(() => undefined);
    await segw.stop();
  }
  return { rows, latency };
}

export async function benchTraffic(topo: Topology, psk: string): Promise<TrafficResult> {
  await topo.addAddress(topo.ue, "veth-ue", `${ENB_GTP}/24`);
  const ours = await segwTraffic(topo, psk, "one process", { latency: true, directions: ["uplink", "downlink"], payloads: TRAFFIC.payloads });
  const strongswan = await strongswanTunnelRows(topo, TRAFFIC.seconds, TRAFFIC.payloads).catch((e: unknown) => `failed: ${String(e)}`);
  return { segw: ours.rows, strongswan, latency: ours.latency };
}

/**
 * Multi-core throughput rows, uplink (the unpinned one-UE rows come from benchTraffic): the one
 * process pinned to one core (1400 octets); the one process with 2 UEs, and the multi-worker SeGW
 * with one UE per worker (both sizes).
 */
export async function benchTrafficMultiCore(topo: Topology, psk: string): Promise<SegwTrafficRow[]> {
  await topo.addAddress(topo.ue, "veth-ue", `${ENB_GTP}/24`);
  await topo.addAddress(topo.segw, "veth-segw", `${WORKER2}/24`);
  const uplink = { latency: false, directions: ["uplink"] } as const;
  return [
    ...(await segwTraffic(topo, psk, "one process pinned to 1 core", { ...uplink, cpus: "1", payloads: [1400] })).rows,
    ...(await segwTraffic(topo, psk, "one process, 2 cores", { ...uplink, ues: WORKERS.length, payloads: TRAFFIC.payloads })).rows,
    ...(await segwTraffic(topo, psk, WORKERS_VARIANT, { ...uplink, workers: WORKERS, payloads: TRAFFIC.payloads })).rows,
  ];
}
