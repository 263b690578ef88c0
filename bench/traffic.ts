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
 */
import { LAB, type Topology } from "../test/interop/harness/netns.js";
import { ESP_PROPOSAL, IKE_PROPOSAL, type TunnelRow } from "./esp-tunnel.js";
import { strongswanTunnelRows } from "./esp-tunnel-netns.js";
import { num, procCpuUs, RpcChild, spawnIn } from "./peer-rpc.js";
import { nodeArgv, segwConfig, startSegwPeer } from "./setup-rate.js";
import type { TrafficPeerConfig } from "./traffic-peer.js";
import { fileURLToPath } from "node:url";

export const TRAFFIC = { payloads: [64, 1400], seconds: 3, window: 96, burst: 16, latency: { n: 1000, intervalMs: 1, payloadBytes: 64 } } as const;
const TRAFFIC_PEER = fileURLToPath(new URL("./traffic-peer.js", import.meta.url));
const ENB_GTP = "198.18.0.3";
const RELAY_PORT = 2153;

export interface SegwTrafficRow {
  readonly variant: string;
  readonly direction: "uplink" | "downlink";
  readonly payloadBytes: number;
  readonly sent: number;
  readonly delivered: number;
  readonly packetsPerSecond: number;
  readonly gbitPerSecond: number;
  /** SeGW process CPU (all threads, /proc) per delivered packet. */
  readonly segwCpuUsPerPacket: number;
  /** SeGW CPU over wall time: the cores it kept busy. */
  readonly segwCores: number;
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

/** Our SeGW's rows (and latency when asked); `cpus` pins the SeGW process. */
export async function segwTraffic(topo: Topology, psk: string, variant: string, opts: { cpus?: string; latency: boolean; directions: readonly ("uplink" | "downlink")[]; payloads: readonly number[] }): Promise<{ rows: SegwTrafficRow[]; latency: LatencyRow[] }> {
  const segw = await startSegwPeer(topo, segwConfig(LAB.segw, { enbGtpAddress: ENB_GTP, relayPort: RELAY_PORT, ikeProposals: IKE_PROPOSAL, espProposals: ESP_PROPOSAL }), opts.cpus);
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
    const prov = await segw.call("provision", { prefix, from: 0, count: 1, psk });
    const teid = (prov["teids"] as number[] | undefined)?.[0] ?? 0;
    await peer.call("connect", { prefix, k: 0, segwTeid: teid });
    await peer.call("phase", { direction: "uplink", payloadBytes: 1400, seconds: 0.5, window: TRAFFIC.window, burst: TRAFFIC.burst }, 20_000);
    for (const direction of opts.directions) {
      for (const payloadBytes of opts.payloads) {
        const cpu0 = procCpuUs(segw.pid);
        const t0 = performance.now();
        const r = await peer.call("phase", { direction, payloadBytes, seconds: TRAFFIC.seconds, window: TRAFFIC.window, burst: TRAFFIC.burst }, 30_000);
        const cpuUs = procCpuUs(segw.pid) - cpu0;
        const wallS = (performance.now() - t0) / 1000;
        const delivered = num(r, "delivered");
        const pps = delivered / num(r, "seconds");
        rows.push({
          variant, direction, payloadBytes, sent: num(r, "sent"), delivered, packetsPerSecond: pps, gbitPerSecond: (pps * payloadBytes * 8) / 1e9,
          segwCpuUsPerPacket: cpuUs / Math.max(1, delivered), segwCores: cpuUs / 1e6 / wallS, stalls: num(r, "stalls"),
        });
      }
    }
    if (opts.latency) {
      const { n, intervalMs, payloadBytes } = TRAFFIC.latency;
      for (const [path, via] of [["bare UDP relay in the SeGW process (baseline)", "relay"], ["through the SeGW (ESP -> G-PDU)", "segw"]] as const) {
        await peer.call("latency", { via, payloadBytes, n: 100, intervalMs }, 30_000);
        const r = await peer.call("latency", { via, payloadBytes, n, intervalMs }, 60_000);
        latency.push({ path, received: num(r, "received"), p50Us: num(r, "p50Us"), p99Us: num(r, "p99Us") });
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

/** Multi-core throughput rows: the SeGW pinned to one core, uplink 1400 (the unpinned row comes from benchTraffic). */
export async function benchTrafficPinned(topo: Topology, psk: string): Promise<SegwTrafficRow[]> {
  return (await segwTraffic(topo, psk, "one process pinned to 1 core", { cpus: "1", latency: false, directions: ["uplink"], payloads: [1400] })).rows;
}
