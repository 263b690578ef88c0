/**
 * strongSwan's user-space ESP against ours, between the same two network namespaces of the
 * interop lab (UE 198.18.0.2 --veth-- SeGW 198.18.0.1, test/interop/harness/netns.ts), both
 * with IKE aes128gcm16-prfsha256-ecp256 and ESP aes128gcm16, forced UDP encapsulation:
 *
 * - strongSwan to strongSwan: charon with kernel-libipsec (ESP in user space behind a TUN device)
 *   at both ends; `iperf3 -u -l 1400 -b <rate>` from the UE's virtual address to 198.18.1.1 on the
 *   SeGW's loopback, swept over offered packet rates (OFFERED_PPS); the figure is the best rate the
 *   iperf3 server received. Offering far more than libipsec carries makes the sender starve the
 *   tunnel of CPU on these 2 cores and understates strongSwan several times over, hence the sweep.
 * - lwip to lwip: our responder in the SeGW namespace, our initiator in the UE namespace, carrying
 *   1400-octet UDP payloads from the initiator's in-process generator (Node cannot open a TUN
 *   device, so no kernel socket or TUN sits at either end of our tunnel); the figure is what the
 *   responder's data plane delivered after decryption and the selector check.
 *
 * Needs root, strongSwan, iperf3 and /dev/net/tun; without them it reports why it was skipped.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Charon, CHARON_BINARY } from "../test/interop/harness/charon.js";
import { randomPsk, UE_IDI } from "../test/interop/harness/fixture.js";
import { LAB, runHost, Topology } from "../test/interop/harness/netns.js";
import { waitUntil } from "../test/interop/harness/poll.js";
import { missingPrerequisites } from "../test/interop/harness/prerequisites.js";
import { initiate, listSas } from "../test/interop/harness/vici-sa.js";
import { ESP_PROPOSAL, IKE_PROPOSAL, PACING, WARM_UP, runLwipTunnel, type TunnelRow } from "./esp-tunnel.js";
import { procCpuUs } from "./peer-rpc.js";

export const PAYLOAD_BYTES = 1400;
/**
 * Offered packet rates tried in turn for strongSwan: the best delivered one is its figure. The
 * sweep stops once the delivered rate falls below 90 % of the best so far (past the peak). The lab
 * measured libipsec at about 35,000 packets/s of 1400 octets (~400 Mbit/s) on a quiet machine.
 */
export const OFFERED_PPS: readonly number[] = [10_000, 14_000, 20_000, 28_000, 40_000, 56_000, 80_000, 112_000, 160_000];

export interface NetnsResult {
  /** Why the comparison did not run (not root, strongSwan or iperf3 missing). */
  readonly skipped?: string;
  /** e.g. "strongSwan 5.9.8, iperf 3.12". */
  readonly versions?: string;
  readonly strongswan?: TunnelRow | string;
  readonly lwip?: TunnelRow | string;
}

/** The first line of `argv`'s output, or undefined when it cannot run. */
async function version(argv: readonly string[]): Promise<string | undefined> {
  const r = await runHost(argv, { check: false, timeoutMs: 5_000 }).catch(() => undefined);
  return r?.code === 0 ? r.stdout.split("\n")[0]?.replace(/^Linux /, "").replace(/\s*\(.*\)$/, "").trim() : undefined;
}

/** Runs both tunnels, `seconds` of traffic each, and tears the namespaces down. */
export async function benchEspTunnelNetns(seconds: number): Promise<NetnsResult> {
  const missing = missingPrerequisites({ lwip: false });
  const iperf = await version(["iperf3", "--version"]);
  if (iperf === undefined) missing.push("iperf3");
  if (missing.length > 0) return { skipped: `missing: ${missing.join("; ")}` };
  const versions = `${(await version([CHARON_BINARY, "--version"])) ?? "strongSwan"}, ${iperf ?? ""}`;
  const topo = await Topology.create();
  try {
    const strongswan = await strongswanTunnel(topo, seconds).catch((e: unknown) => `failed: ${String(e)}`);
    const lwip = await lwipTunnel(topo, seconds).catch((e: unknown) => `failed: ${String(e)}`);
    return { versions, strongswan, lwip };
  } finally {
    await topo.teardown();
  }
}

async function strongswanTunnel(topo: Topology, seconds: number): Promise<TunnelRow> {
  const [row] = await strongswanTunnelRows(topo, seconds, [PAYLOAD_BYTES]);
  if (!row) throw new Error("no strongSwan figures");
  return row;
}

/**
 * strongSwan to strongSwan (libipsec at both ends) between the namespaces of `topo`, one iperf3 UDP
 * run of `seconds` per payload size (the receiver's figures).
 */
export async function strongswanTunnelRows(topo: Topology, seconds: number, payloads: readonly number[]): Promise<TunnelRow[]> {
  const psk = randomPsk();
  const segw = await Charon.start(topo, { name: "segw", ns: topo.segw });
  try {
    const ue = await Charon.start(topo, { name: "ue", ns: topo.ue });
    try {
      const proposals = { ikeProposals: [IKE_PROPOSAL], espProposals: [ESP_PROPOSAL] };
      await segw.load({ role: "responder", idi: UE_IDI, psk, ...proposals, localTs: [`${LAB.enb}/32`], remoteTs: ["dynamic"], pool: LAB.pool });
      await ue.load({ role: "initiator", idi: UE_IDI, psk, ...proposals, localTs: ["dynamic"], remoteTs: ["0.0.0.0/0"], localAddr: LAB.ue, remoteAddr: LAB.segw });
      const r = await initiate(ue.vici, "lwip", "lwip", 10_000);
      if (!r.success) throw new Error(`strongSwan initiate failed: ${r.errmsg}\n${ue.diagnostics()}`);
      const vip = (await listSas(ue.vici))[0]?.localVips[0];
      if (vip === undefined) throw new Error("strongSwan UE got no virtual IP");
      const rows: TunnelRow[] = [];
      const segwPid = Number(readFileSync(join(segw.dir, "run", "charon.pid"), "utf8").trim());
      for (const payloadBytes of payloads) rows.push(await bestOfSweep(topo, vip, seconds, payloadBytes, segwPid));
      return rows;
    } finally {
      await ue.stop();
    }
  } finally {
    await segw.stop();
  }
}

/**
 * The receiver's view of one iperf3 UDP test (the server's `end.sum_received`): `seconds` runs
 * from the start of the test to the last datagram, which trails the client's `-t` when the
 * tunnel queues; `packets` counts the datagrams the client sent (by sequence number).
 */
interface IperfUdpSum {
  readonly seconds: number;
  readonly bytes: number;
  readonly packets: number;
  readonly lost_packets: number;
}

/** The best delivered figure over the OFFERED_PPS sweep, with the offered rate that gave it. */
async function bestOfSweep(topo: Topology, vip: string, seconds: number, payloadBytes: number, segwPid: number): Promise<TunnelRow> {
  let best: TunnelRow | undefined;
  for (const pps of OFFERED_PPS) {
    const offered = pps * payloadBytes * 8;
    // Past libipsec's peak the iperf3 server may not report at all (its test outlives our wait):
    // that step counts as past the peak once a figure exists.
    const row = await iperf(topo, vip, seconds, payloadBytes, offered, segwPid).catch((e: unknown) => {
      if (best === undefined) throw e;
      console.error(`strongSwan sweep: no figure at ${pps} packets/s offered, taken as past the peak (${String(e).split("\n")[0]})`);
      return undefined;
    });
    if (row === undefined) break;
    if (best !== undefined && row.packetsPerSecond < 0.9 * best.packetsPerSecond) break;
    if (best === undefined || row.packetsPerSecond > best.packetsPerSecond) best = row;
  }
  if (best === undefined) throw new Error("empty offered-rate sweep");
  return best;
}

/** One iperf3 run; `segwPid` (the SeGW-side charon, when known) is charged per delivered packet. */
async function iperf(topo: Topology, vip: string, seconds: number, payloadBytes: number, offeredBitsPerSecond: number, segwPid?: number): Promise<TunnelRow> {
  const server = topo.spawn(topo.segw, ["iperf3", "-s", "-B", LAB.enb, "-1", "-J"]);
  let out = "";
  server.stdout?.setEncoding("utf8").on("data", (c: string) => (out += c));
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  try {
    await waitUntil(async () => ((await topo.exec(topo.segw, ["ss", "-Hltn"])).stdout.includes(`${LAB.enb}:5201 `) ? true : undefined), {
      timeoutMs: 5_000, what: "the iperf3 server",
    });
    const client = ["iperf3", "-c", LAB.enb, "-B", vip, "-u", "-b", String(Math.round(offeredBitsPerSecond)), "-l", String(payloadBytes), "-t", String(seconds), "-J"];
    const cpu0 = segwPid === undefined ? 0 : procCpuUs(segwPid);
    const c = await topo.exec(topo.ue, client, { check: false, timeoutMs: (seconds + 20) * 1000 });
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    const segwCpuUs = segwPid === undefined ? undefined : procCpuUs(segwPid) - cpu0;
    const sum = (JSON.parse(out) as { end?: { sum_received?: IperfUdpSum } }).end?.sum_received;
    if (!sum || !(sum.seconds > 0)) throw new Error(`no iperf3 receiver figures\n${out}\n${c.stdout}${c.stderr}`);
    const delivered = Math.round(sum.bytes / payloadBytes);
    const pps = delivered / sum.seconds;
    return {
      payloadBytes, sent: sum.packets, delivered, seconds: sum.seconds, packetsPerSecond: pps,
      gbitPerSecond: (sum.bytes * 8) / sum.seconds / 1e9,
      lossPercent: sum.packets === 0 ? 100 : (100 * sum.lost_packets) / sum.packets,
      stalls: 0, offeredBitsPerSecond,
      ...(segwCpuUs === undefined || delivered === 0 ? {} : { segwCpuUsPerPacket: segwCpuUs / delivered }),
    };
  } finally {
    await topo.stopChild(server, 1_000);
  }
}

async function lwipTunnel(topo: Topology, seconds: number): Promise<TunnelRow> {
  const common = { psk: randomPsk(), ikeProposal: IKE_PROPOSAL, espProposal: ESP_PROPOSAL, pacing: PACING, deadlineSeconds: 60 };
  const segw = { address: LAB.segw, ikePort: 500, nattPort: 4500 };
  const rows = await runLwipTunnel(
    { responder: (argv) => topo.spawn(topo.segw, argv), initiator: (argv) => topo.spawn(topo.ue, argv) },
    { ...common, role: "responder", local: segw },
    { ...common, role: "initiator", local: { address: LAB.ue, ikePort: 500, nattPort: 4500 }, remote: segw, phases: [WARM_UP, { payloadBytes: PAYLOAD_BYTES, seconds }] },
  );
  const row = rows[0];
  if (!row) throw new Error("no lwip figures");
  return row;
}
