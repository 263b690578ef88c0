/**
 * Both ends of the LWIP user plane around the SeGW, in one process in the UE namespace:
 * `node traffic-peer.js '<TrafficPeerConfig JSON>'`.
 *
 * - The UE: our IkeNode initiator and ESP data plane (EspTunnels) on `ue`, UDP 500/4500 with 4 MiB
 *   socket buffers. Uplink packets are what an LWIP UE sends (TS 36.361): inner IPv4 from its
 *   virtual address to the eNB's LWIP endpoint, GRE (LWIPEP, DRB 1) around a user IPv4/UDP packet
 *   whose UDP payload has the size of the row (the same count iperf3 -l uses for strongSwan).
 * - The eNB's GTP-U stand-in on `enbGtp`:2152: counts the G-PDUs the SeGW forwards (uplink) and
 *   sends G-PDUs carrying the same LWIPEP packet to the SeGW (downlink).
 *
 * Several UEs may be connected (`connect` once per UE, each to its own SeGW address: the workers of
 * the multi-worker SeGW); throughput phases then send from all of them at once.
 *
 * The last 4 octets of every user packet carry its sequence number (times the number of UEs, plus
 * the UE's index); since neither ESP, GTP-U nor LWIPEP pads at the end, both receivers find it
 * there. Throughput phases keep at most `window` packets of each UE in flight (this process sees
 * both ends, so no acknowledgement crosses the SeGW); the
 * latency phase sends one packet every `intervalMs` and timestamps it at both ends with the same
 * clock, through the SeGW or, as the baseline, through a bare UDP relay in the SeGW's process (the
 * first UE only).
 */
import { randomBytes } from "node:crypto";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { EspTunnels } from "../src/dataplane/esp-tunnels.js";
import { encodeGpdu } from "../src/gtpu/messages.js";
import type { IkeEvent } from "../src/ike/events.js";
import { IkeNode } from "../src/ike/ike-node.js";
import { parseProposalList } from "../src/ike/proposal.js";
import { IdType } from "../src/ike/registry.js";
import type { IkeSa } from "../src/ike/sa/ike-sa.js";
import { parseCidr, parseIp, selectorFromCidr } from "../src/ike/traffic-selector.js";
import { encodeIpv4 } from "../src/inet/ipv4.js";
import { systemClock } from "../src/io/clock.js";
import { Counters } from "../src/io/counters.js";
import { silentLogger } from "../src/io/log.js";
import { IkeUdpSockets } from "../src/io/udp.js";
import { openUdpSocket } from "../src/io/udp-socket.js";
import { EtherType, encodeLwipep } from "../src/lwipep/lwipep.js";
import { formatIpAddress } from "../src/inet/address.js";
import { fromHex } from "../src/wire/hex.js";
import { innerUdpPacket } from "./esp-tunnel-common.js";
import { procCpuUs, serveRpc, ueIdi } from "./peer-rpc.js";

export interface TrafficPeerConfig {
  readonly ue: string;
  readonly enbGtp: string;
  readonly segw: { readonly address: string; readonly ikePort: number; readonly nattPort: number; readonly gtpuPort: number; readonly relayPort: number };
  readonly lwipEndpoint: string;
  readonly psk: string;
  readonly ikeProposal: string;
  readonly espProposal: string;
  readonly deadlineSeconds: number;
}

const GTPU_PORT = 2152;
const STALL_MS = 50;
const random = (n: number) => new Uint8Array(randomBytes(n));

function specs(text: string, kind: "ike" | "esp") {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new Error(r.error);
  return r.specs;
}

/** A connected UE: its IKE SA (and CHILD SA), virtual address and SeGW (worker) addresses. */
interface Ue {
  readonly sa: IkeSa;
  readonly vip: Uint8Array;
  readonly segwTeid: number;
  readonly segwGtp: { readonly address: string; readonly port: number };
}

function tailSeq(b: Uint8Array): number {
  const n = b.length;
  return (((b[n - 4] ?? 0) << 24) | ((b[n - 3] ?? 0) << 16) | ((b[n - 2] ?? 0) << 8) | (b[n - 1] ?? 0)) >>> 0;
}

function stampTail(b: Uint8Array, seq: number): void {
  const n = b.length;
  b[n - 4] = seq >>> 24;
  b[n - 3] = seq >>> 16;
  b[n - 2] = seq >>> 8;
  b[n - 1] = seq;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2] ?? "{}") as TrafficPeerConfig;
  const psk = fromHex(c.psk);
  const lwipEndpoint = parseIp(c.lwipEndpoint);
  if (!psk || !lwipEndpoint) throw new Error("bad psk or endpoint");
  /** What the current phase counts: a delivered packet at either end. */
  const counter = { delivered: 0, onPacket: (_seq: number) => {} };
  const count = (bytes: Uint8Array) => {
    counter.delivered++;
    counter.onPacket(tailSeq(bytes));
  };
  const io: { ike?: IkeUdpSockets } = {};
  const tunnels = new EspTunnels({ sendEsp: (p, r) => io.ike?.sendEsp(p, r), deliver: count }, new Counters());
  let onEvent: (e: IkeEvent) => void = () => {};
  const node = new IkeNode({
    clock: systemClock, random, sink: tunnels, log: silentLogger, timing: { retransmitMs: [2000, 4000], halfOpenMs: 30_000, dpdMs: 0 },
    sender: { send: (m, l, r) => io.ike?.sendIke(m, l, r) }, onEvent: (e) => onEvent(e),
  });
  io.ike = await IkeUdpSockets.open({ address: c.ue, ikePort: 500, nattPort: 4500, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 }, {
    onIke: (m, r, l) => node.receive(m, r, l), onEsp: (p, spi, r) => tunnels.receive(p, spi, r),
  });
  const enb = await openUdpSocket(c.enbGtp, GTPU_PORT, count);
  const relaySender = await openUdpSocket(c.ue, 0, () => {});
  /** The connected UEs, each with its SeGW (worker) address. */
  const ues: Ue[] = [];

  /** A UE's uplink inner packet (ESP payload), its downlink G-PDU and the relay datagram of a size. */
  const packets = (ue: Ue, payloadBytes: number) => {
    const user = innerUdpPacket(ue.vip, lwipEndpoint, Math.max(12, payloadBytes));
    const lwipep = encodeLwipep({ drbId: 1, protocolType: EtherType.IPV4, payload: user });
    const inner = encodeIpv4({ src: ue.vip, dst: lwipEndpoint, protocol: 47, ttl: 64, id: 0, payload: lwipep });
    return { inner, gpdu: encodeGpdu(ue.segwTeid, lwipep), relay: encodeGpdu(0x7e1a7e1a, lwipep) };
  };
  const relay = { address: c.segw.address, port: c.segw.relayPort };

  /** IKE with `segwAddress` as UE `<prefix><k>`; resolves with the UE once its CHILD SA is up. */
  const connect = (prefix: string, k: number, segwAddress: string, segwTeid: number) => new Promise<Ue>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no CHILD SA within 10 s")), 10_000);
    const started: { sa?: IkeSa } = {};
    onEvent = (e) => {
      if (e.event === "child-sa-up") {
        clearTimeout(timer);
        const vip = parseIp(e.virtualIp ?? "");
        if (vip && started.sa) resolve({ sa: started.sa, vip, segwTeid, segwGtp: { address: segwAddress, port: c.segw.gtpuPort } });
        else reject(new Error("no virtual address"));
      } else if (e.event === "ike-sa-failed") reject(new Error(`${e.reason} ${e.detail}`));
    };
    const any = selectorFromCidr(parseCidr("0.0.0.0/0") ?? { address: new Uint8Array(4), prefixLength: 0 });
    started.sa = node.initiate({
      local: { address: c.ue, port: 500 }, remote: { address: segwAddress, port: c.segw.ikePort }, idi: { idType: IdType.ID_KEY_ID, data: ueIdi(prefix, k) }, psk,
      ikeProposals: specs(c.ikeProposal, "ike"), espProposals: specs(c.espProposal, "esp"), tsi: [any], tsr: [any], requestVirtualIp: true,
      nattPorts: { local: 4500, remote: c.segw.nattPort },
    });
  });

  /** How UE `ue` sends packet `seq` of a phase. */
  const sender = (ue: Ue, direction: string, payloadBytes: number) => {
    const p = packets(ue, payloadBytes);
    return direction === "uplink" ? (seq: number) => {
      stampTail(p.inner, seq);
      tunnels.send(ue.sa, p.inner);
    } : (seq: number) => {
      stampTail(p.gpdu, seq);
      enb.send(p.gpdu, ue.segwGtp);
    };
  };

  /** A throughput phase from every UE at once: as fast as `window` packets in flight per UE allow, for `seconds`. */
  const phase = async (direction: string, payloadBytes: number, seconds: number, window: number, burst: number) => {
    if (ues.length === 0) throw new Error("not connected");
    const n = ues.length;
    // Packet seq of UE i carries seq * n + i: the receivers tell the UEs apart by it.
    const flows = ues.map((ue, i) => ({ i, send: sender(ue, direction, payloadBytes), sent: 0, delivered: 0, lost: 0, progress: { delivered: 0, at: performance.now() } }));
    let [stalls, lastAt] = [0, 0];
    counter.delivered = 0;
    counter.onPacket = (tail) => {
      lastAt = performance.now();
      const f = flows[tail % n];
      if (f) f.delivered++;
    };
    const cpu0 = procCpuUs("self");
    const t0 = performance.now();
    for (let now = t0; now < t0 + seconds * 1000; now = performance.now()) {
      for (const f of flows) {
        for (let b = 0; b < burst && f.sent - f.delivered - f.lost < window; b++) f.send(++f.sent * n + f.i);
        if (f.delivered !== f.progress.delivered) f.progress = { delivered: f.delivered, at: now };
        else if (now - f.progress.at > STALL_MS) {
          f.lost = f.sent - f.delivered;
          stalls++;
          f.progress = { delivered: f.delivered, at: now };
        }
      }
      await yieldToLoop();
    }
    const sent = () => flows.reduce((s, f) => s + f.sent, 0);
    for (const stop = performance.now() + 200; counter.delivered < sent() && performance.now() < stop; ) await yieldToLoop();
    counter.onPacket = () => {};
    return { sent: sent(), delivered: counter.delivered, stalls, seconds: Math.max(1e-3, (lastAt - t0) / 1000), cpuUs: procCpuUs("self") - cpu0, perUe: flows.map((f) => f.delivered) };
  };

  /**
   * One-way latency through the SeGW and through the bare relay, interleaved: every `intervalMs` one
   * packet on each path (odd sequence numbers via the relay, even via the SeGW, the order swapped
   * every tick), so both paths see the same moments of the machine and their difference is the SeGW's.
   */
  const latency = async (payloadBytes: number, n: number, intervalMs: number) => {
    const ue = ues[0];
    if (!ue) throw new Error("not connected");
    const p = packets(ue, payloadBytes);
    const sentAt = new Float64Array(2 * n + 2);
    const us: [number[], number[]] = [[], []];
    counter.onPacket = (seq) => {
      if (seq > 0 && seq < sentAt.length && sentAt[seq] !== 0) us[seq % 2]?.push((performance.now() - (sentAt[seq] ?? 0)) * 1000);
    };
    const viaRelay = (seq: number) => {
      stampTail(p.relay, seq);
      sentAt[seq] = performance.now();
      relaySender.send(p.relay, relay);
    };
    const viaSegw = (seq: number) => {
      stampTail(p.inner, seq);
      sentAt[seq] = performance.now();
      tunnels.send(ue.sa, p.inner);
    };
    for (let i = 1; i <= n; i++) {
      const [first, second] = i % 2 === 0 ? [() => viaRelay(2 * i - 1), () => viaSegw(2 * i)] : [() => viaSegw(2 * i), () => viaRelay(2 * i - 1)];
      first();
      await new Promise((r) => setTimeout(r, intervalMs / 2));
      second();
      await new Promise((r) => setTimeout(r, intervalMs / 2));
    }
    await new Promise((r) => setTimeout(r, 100));
    counter.onPacket = () => {};
    const summary = (xs: number[]) => {
      xs.sort((a, b) => a - b);
      return { received: xs.length, p50Us: percentile(xs, 0.5), p99Us: percentile(xs, 0.99) };
    };
    return { relay: summary(us[1]), segw: summary(us[0]) };
  };

  serveRpc("traffic-peer", {
    ping: () => ({ pid: process.pid }),
    /** Connects one more UE, to `segwAddress` (default: the configured SeGW address). */
    connect: async (m) => {
      const ue = await connect(String(m["prefix"]), Number(m["k"]), typeof m["segwAddress"] === "string" ? m["segwAddress"] : c.segw.address, Number(m["segwTeid"]));
      ues.push(ue);
      return { vip: formatIpAddress(ue.vip), ues: ues.length };
    },
    phase: (m) => phase(String(m["direction"]), Number(m["payloadBytes"]), Number(m["seconds"]), Number(m["window"]), Number(m["burst"])),
    latency: (m) => latency(Number(m["payloadBytes"]), Number(m["n"]), Number(m["intervalMs"])),
  }, c.deadlineSeconds);
}

main().catch((e: unknown) => {
  process.stderr.write(`traffic-peer: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
