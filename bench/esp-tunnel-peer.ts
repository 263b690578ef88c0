/**
 * One side of the end-to-end ESP tunnel benchmark, run as a child process by bench/esp-tunnel.ts:
 * `node esp-tunnel-peer.js '<PeerConfig JSON>'`. Both sides are the CLI's peer wiring (openPeer:
 * UDP 500/4500 sockets, the IKE engine, the ESP tunnels), so the path measured is the one
 * `lwip ike responder|initiator` runs.
 *
 * - responder: answers IKE_SA_INIT/IKE_AUTH (PSK by ID_KEY_ID, a virtual address from
 *   198.18.64.0/18, TSr narrowed to 198.18.1.1/32), counts the inner test packets the data plane
 *   delivers (decrypted, replay-checked and within the selectors, RFC 4301 §5.2) per phase, and
 *   acknowledges every `ackEvery`-th one through the tunnel. On SIGTERM it prints its counts.
 * - initiator: sets up the IKE SA and the CHILD SA, then for each phase sends inner IPv4/UDP
 *   packets through the tunnel as fast as the window allows (see Pacing), and prints what it sent.
 *
 * Flow control keeps the receiver's socket buffer from overflowing, so the figure is what the
 * receiver can take, not what a sender can throw away: the sender keeps at most `window` packets
 * beyond the highest sequence number acknowledged, yielding to the event loop after each burst.
 */
import { AddressPool } from "../src/ike/address-pool.js";
import type { PskLookup, ResponderPolicy } from "../src/ike/context.js";
import type { IkeEvent } from "../src/ike/events.js";
import { IdType } from "../src/ike/registry.js";
import type { IkeSa } from "../src/ike/sa/ike-sa.js";
import { parseCidr, parseIp, selectorFromCidr } from "../src/ike/traffic-selector.js";
import { proposalsOption } from "../src/cli/ike-options.js";
import { openPeer, type Peer } from "../src/cli/ike-peer.js";
import { fromHex } from "../src/wire/hex.js";
import {
  cpuUs, innerUdpPacket, nowUs, probe, PROBE_BYTES, ProbeKind, readProbe, stampProbe,
  type BenchLine, type Pacing, type Phase, type PeerConfig, type PhaseReceived, type PhaseSent,
} from "./esp-tunnel-common.js";

/** IDi of the benchmark UE: ID_KEY_ID "LWIP-UE-BENCH". */
const UE_IDI = new TextEncoder().encode("LWIP-UE-BENCH");
const POOL = "198.18.64.0/18";
const ENB = "198.18.1.1/32";
/** The window counts as lost after this long without an acknowledgement. */
const ACK_TIMEOUT_MS = 20;
/** Quiet time between phases: the receiver drains the previous one. */
const PHASE_GAP_MS = 150;
/** Kernel buffers of the ESP socket: room for a 512-packet window of 1400-octet payloads. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

function emit(line: BenchLine): void {
  process.stdout.write(JSON.stringify(line) + "\n");
}

function cidr(text: string) {
  const c = parseCidr(text);
  if (!c) throw new Error(`bad prefix ${text}`);
  return c;
}

function responderPolicy(c: PeerConfig): ResponderPolicy {
  const psk = fromHex(c.psk);
  const listen = parseIp(c.local.address);
  if (!psk || !listen) throw new Error("bad psk or listen address");
  return {
    ikeProposals: proposalsOption(c.ikeProposal, "ike", "ikeProposal"),
    espProposals: proposalsOption(c.espProposal, "esp", "espProposal"),
    localId: { idType: IdType.ID_IPV4_ADDR, data: listen },
    lookupPsk: (): PskLookup => ({ ok: true, psk: psk.slice() }),
    pools: [new AddressPool(cidr(POOL))],
    localTs: [selectorFromCidr(cidr(ENB))],
    remoteTs: [selectorFromCidr(cidr("0.0.0.0/0"))],
    cookieThreshold: 1_000_000,
  };
}

async function runResponder(c: PeerConfig): Promise<void> {
  const { ackEvery } = c.pacing;
  const phases: PhaseReceived[] = [];
  let current = { phase: -1, delivered: 0, firstUs: 0, lastUs: 0, highestSeq: 0, cpuUs: 0 };
  let ack: Uint8Array | undefined;
  const peer = await openPeer({
    address: c.local.address, ikePort: c.local.ikePort, nattPort: c.local.nattPort, logLevel: "warn", socketBufferBytes: SOCKET_BUFFER_BYTES, policy: responderPolicy(c),
    onInnerPacket: (packet, tunnel) => {
      if (!readProbe(packet) || probe.kind !== ProbeKind.DATA) return;
      if (probe.phase !== current.phase) {
        if (current.phase >= 0) phases.push(summary(current));
        current = { phase: probe.phase, delivered: 0, firstUs: nowUs(), lastUs: 0, highestSeq: 0, cpuUs: cpuUs() };
      }
      current.delivered++;
      current.lastUs = nowUs();
      if (probe.seq > current.highestSeq) current.highestSeq = probe.seq;
      if (current.delivered % ackEvery !== 0) return;
      // The acknowledgement goes back through the tunnel: dst and src swapped, one buffer reused.
      ack ??= innerUdpPacket(packet.subarray(16, 20), packet.subarray(12, 16), PROBE_BYTES);
      stampProbe(ack, ProbeKind.ACK, current.phase, current.highestSeq);
      peer.tunnels.send(tunnel.ikeSa, ack);
    },
  });
  emit({ bench: "ready" });
  process.once("SIGTERM", () => {
    if (current.phase >= 0) phases.push(summary(current));
    emit({ bench: "received", phases });
    peer.close();
    process.exit(0);
  });
}

function summary(p: { phase: number; delivered: number; firstUs: number; lastUs: number; cpuUs: number }): PhaseReceived {
  return { phase: p.phase, delivered: p.delivered, firstUs: p.firstUs, lastUs: p.lastUs, cpuUs: cpuUs() - p.cpuUs };
}

/** What the initiator's receive side tells the sending loop. */
interface Flow {
  phase: number;
  acked: number;
  wake: (() => void) | undefined;
}

function waitForAck(flow: Flow, ms: number): Promise<boolean> {
  const before = flow.acked;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      flow.wake = undefined;
      resolve(flow.acked !== before);
    }, ms);
    flow.wake = () => {
      clearTimeout(timer);
      flow.wake = undefined;
      resolve(true);
    };
  });
}

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends one phase through the tunnel of `sa`: as fast as the window allows, for `phase.seconds`. */
async function sendPhase(peer: Peer, sa: IkeSa, flow: Flow, index: number, phase: Phase, pacing: Pacing): Promise<PhaseSent> {
  const tunnel = peer.tunnels.findOutbound(sa);
  const src = sa.virtualIp;
  const dst = tunnel?.child.tsRemote[0]?.startAddress;
  if (!src || !dst) throw new Error("no tunnel or no virtual address");
  const packet = innerUdpPacket(src, dst, phase.payloadBytes);
  flow.phase = index;
  flow.acked = 0;
  let seq = 0;
  let stalls = 0;
  const startUs = nowUs();
  const cpu0 = cpuUs();
  const end = performance.now() + phase.seconds * 1000;
  while (performance.now() < end) {
    const room = pacing.window - (seq - flow.acked);
    if (room <= 0) {
      if (!(await waitForAck(flow, ACK_TIMEOUT_MS))) {
        stalls++;
        flow.acked = seq;
      }
      continue;
    }
    for (let k = Math.min(room, pacing.burst); k > 0; k--) {
      stampProbe(packet, ProbeKind.DATA, index, seq + 1);
      if (peer.tunnels.send(sa, packet)) seq++;
    }
    await yieldToIo();
  }
  return { payloadBytes: phase.payloadBytes, sent: seq, stalls, startUs, endUs: nowUs(), cpuUs: cpuUs() - cpu0 };
}

/** Resolves on the first CHILD SA, rejects on an IKE SA failure or after `timeoutMs`; feed it the engine's events. */
function childSaWaiter(timeoutMs: number): { onEvent: (e: IkeEvent) => void; up: Promise<void> } {
  let onEvent: (e: IkeEvent) => void = () => {};
  const up = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no CHILD SA within ${timeoutMs} ms`)), timeoutMs);
    onEvent = (e) => {
      if (e.event !== "child-sa-up" && e.event !== "ike-sa-failed") return;
      clearTimeout(timer);
      if (e.event === "child-sa-up") resolve();
      else reject(new Error(`IKE SA failed: ${JSON.stringify(e)}`));
    };
  });
  return { onEvent: (e) => onEvent(e), up };
}

async function runInitiator(c: PeerConfig): Promise<void> {
  const { remote, pacing } = c;
  const psk = fromHex(c.psk);
  if (!remote || !psk) throw new Error("initiator needs remote and psk");
  const flow: Flow = { phase: -1, acked: 0, wake: undefined };
  const child = childSaWaiter(10_000);
  const peer = await openPeer({
    address: c.local.address, ikePort: c.local.ikePort, nattPort: c.local.nattPort, logLevel: "warn", socketBufferBytes: SOCKET_BUFFER_BYTES,
    onEvent: child.onEvent,
    onInnerPacket: (packet) => {
      if (!readProbe(packet) || probe.kind !== ProbeKind.ACK || probe.phase !== flow.phase || probe.seq <= flow.acked) return;
      flow.acked = probe.seq;
      flow.wake?.();
    },
  });
  const any = selectorFromCidr(cidr("0.0.0.0/0"));
  const sa = peer.node.initiate({
    local: { address: c.local.address, port: c.local.ikePort },
    remote: { address: remote.address, port: remote.ikePort },
    idi: { idType: IdType.ID_KEY_ID, data: UE_IDI },
    psk,
    ikeProposals: proposalsOption(c.ikeProposal, "ike", "ikeProposal"),
    espProposals: proposalsOption(c.espProposal, "esp", "espProposal"),
    tsi: [any],
    tsr: [any],
    requestVirtualIp: true,
    nattPorts: { local: c.local.nattPort, remote: remote.nattPort },
  });
  await child.up;
  const sent: PhaseSent[] = [];
  for (const [i, phase] of (c.phases ?? []).entries()) {
    await sleep(PHASE_GAP_MS);
    sent.push(await sendPhase(peer, sa, flow, i, phase, pacing));
  }
  emit({ bench: "sent", phases: sent });
  peer.close();
  // The engine's timers (DPD, rekeys) would keep the process alive; the IKE SA dies with it.
  process.exit(0);
}

function main(): void {
  const c = JSON.parse(process.argv[2] ?? "{}") as PeerConfig;
  // Bound every run in time, whatever the parent does.
  setTimeout(() => {
    process.stderr.write(`esp-tunnel-peer ${c.role}: deadline of ${c.deadlineSeconds} s passed\n`);
    process.exit(2);
  }, c.deadlineSeconds * 1000).unref();
  const run = c.role === "responder" ? runResponder(c) : runInitiator(c);
  run.catch((e: unknown) => {
    process.stderr.write(`esp-tunnel-peer ${c.role}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}

main();
