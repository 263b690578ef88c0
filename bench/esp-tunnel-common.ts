/**
 * What the end-to-end ESP tunnel benchmark (bench/esp-tunnel.ts) and its peer processes
 * (bench/esp-tunnel-peer.ts) share: the peer configuration, the JSON lines a peer reports on
 * stdout, and the inner test packets.
 *
 * Inner packets are IPv4/UDP (RFC 791, RFC 768) between the UE's virtual address and the address
 * behind the SeGW, both on port BENCH_PORT, with a probe header at the start of the UDP payload:
 *
 *   magic "LWBN" (4) | kind (1: 0 data, 1 ack) | phase (1) | 0 (2) | sequence number (4) | filler
 *
 * The UDP checksum is 0, "no checksum" for UDP over IPv4 (RFC 768), so that the sender can stamp
 * each packet in place without recomputing it.
 */
import { encodeIpv4, IPV4_HEADER_BYTES } from "../src/inet/ipv4.js";
import { IpProtocol } from "../src/inet/constants.js";

/** Inner UDP port of the test traffic (iperf3's default, for familiarity). */
export const BENCH_PORT = 5201;
export const UDP_HEADER_BYTES = 8;
/** The smallest UDP payload that holds the probe header. */
export const PROBE_BYTES = 12;
const MAGIC = 0x4c57424e; // "LWBN"
const PROBE_OFFSET = IPV4_HEADER_BYTES + UDP_HEADER_BYTES;

export const ProbeKind = { DATA: 0, ACK: 1 } as const;

/** One timed sending phase: UDP payloads of `payloadBytes` for `seconds`. */
export interface Phase {
  readonly payloadBytes: number;
  readonly seconds: number;
}

/** Flow control of the sender: at most `window` packets beyond the highest acknowledged one. */
export interface Pacing {
  /** Packets in flight (sent, not yet acknowledged as delivered) at most. */
  readonly window: number;
  /** Packets sent back to back before the sender yields to the event loop. */
  readonly burst: number;
  /** The receiver acknowledges every `ackEvery` delivered packets. */
  readonly ackEvery: number;
}

export interface Endpoint {
  readonly address: string;
  readonly ikePort: number;
  readonly nattPort: number;
}

/** The command line of a peer process: one JSON object. */
export interface PeerConfig {
  readonly role: "responder" | "initiator";
  readonly local: Endpoint;
  /** The responder, for the initiator. */
  readonly remote?: Endpoint;
  /** Hex. */
  readonly psk: string;
  /** strongSwan syntax, e.g. "aes128gcm16-prfsha256-ecp256" and "aes128gcm16". */
  readonly ikeProposal: string;
  readonly espProposal: string;
  /** Initiator: what to send, in order. */
  readonly phases?: readonly Phase[];
  readonly pacing: Pacing;
  /** Give up (exit non-zero) after this long. */
  readonly deadlineSeconds: number;
}

export interface PhaseSent {
  readonly payloadBytes: number;
  /** Packets the data plane accepted (encapsulated and handed to the socket). */
  readonly sent: number;
  /** Times the window stayed full for a whole ack timeout (acks lost or the receiver stalled). */
  readonly stalls: number;
  readonly startUs: number;
  readonly endUs: number;
  /** CPU time (user + system) of the sending process during the phase. */
  readonly cpuUs: number;
}

export interface PhaseReceived {
  readonly phase: number;
  /** Inner packets that passed decryption and the selector check, in this phase. */
  readonly delivered: number;
  readonly firstUs: number;
  readonly lastUs: number;
  /** CPU time (user + system) of the receiving process from this phase's first packet to the next phase's. */
  readonly cpuUs: number;
}

/** The JSON lines a peer prints (next to the IKE engine's own event lines). */
export type BenchLine =
  | { readonly bench: "ready" }
  | { readonly bench: "sent"; readonly phases: readonly PhaseSent[] }
  | { readonly bench: "received"; readonly phases: readonly PhaseReceived[] };

/**
 * Wall-clock microseconds (the process's time origin plus the monotonic performance clock):
 * allocation-free on the per-packet path, and comparable between processes to well under a
 * millisecond.
 */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** CPU time (user + system) this process has used, in microseconds. */
export function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * A whole inner IPv4/UDP packet from `src` to `dst` (both port BENCH_PORT) with `payloadBytes`
 * octets of UDP payload, the probe header zeroed.
 * @throws RangeError when the payload cannot hold the probe header.
 */
export function innerUdpPacket(src: Uint8Array, dst: Uint8Array, payloadBytes: number): Uint8Array {
  if (payloadBytes < PROBE_BYTES) throw new RangeError(`payload of ${payloadBytes} octets < ${PROBE_BYTES}`);
  const udp = new Uint8Array(UDP_HEADER_BYTES + payloadBytes);
  const length = udp.length;
  udp.set([BENCH_PORT >> 8, BENCH_PORT & 0xff, BENCH_PORT >> 8, BENCH_PORT & 0xff, length >> 8, length & 0xff, 0, 0]);
  udp.fill(0xa5, UDP_HEADER_BYTES + PROBE_BYTES);
  return encodeIpv4({ src, dst, protocol: IpProtocol.UDP, ttl: 64, id: 0, payload: udp });
}

function writeU32(b: Uint8Array, offset: number, v: number): void {
  b[offset] = v >>> 24;
  b[offset + 1] = v >>> 16;
  b[offset + 2] = v >>> 8;
  b[offset + 3] = v;
}

function readU32(b: Uint8Array, offset: number): number {
  return (((b[offset] ?? 0) << 24) | ((b[offset + 1] ?? 0) << 16) | ((b[offset + 2] ?? 0) << 8) | (b[offset + 3] ?? 0)) >>> 0;
}

/** Writes the probe header into a packet made by innerUdpPacket. */
export function stampProbe(packet: Uint8Array, kind: number, phase: number, seq: number): void {
  writeU32(packet, PROBE_OFFSET, MAGIC);
  packet[PROBE_OFFSET + 4] = kind;
  packet[PROBE_OFFSET + 5] = phase;
  writeU32(packet, PROBE_OFFSET + 8, seq);
}

/** The probe of the last packet readProbe accepted; reused, so reading allocates nothing. */
export const probe = { kind: 0, phase: 0, seq: 0 };

/**
 * Reads the probe header of a delivered inner packet into `probe`; false for anything else (not
 * IPv4/UDP to BENCH_PORT with a 20-octet header, or no magic).
 */
export function readProbe(packet: Uint8Array): boolean {
  if (packet.length < PROBE_OFFSET + PROBE_BYTES || packet[0] !== 0x45 || packet[9] !== IpProtocol.UDP) return false;
  if ((((packet[22] ?? 0) << 8) | (packet[23] ?? 0)) !== BENCH_PORT || readU32(packet, PROBE_OFFSET) !== MAGIC) return false;
  probe.kind = packet[PROBE_OFFSET + 4] ?? 0;
  probe.phase = packet[PROBE_OFFSET + 5] ?? 0;
  probe.seq = readU32(packet, PROBE_OFFSET + 8);
  return true;
}

/** Parses one stdout line of a peer: a BenchLine, or undefined for anything else (IKE events). */
export function parseBenchLine(line: string): BenchLine | undefined {
  if (!line.startsWith('{"bench"')) return undefined;
  try {
    return JSON.parse(line) as BenchLine;
  } catch {
    return undefined;
  }
}
