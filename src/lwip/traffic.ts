/**
 * Test traffic for LWIP: numbered IPv4 packets that stand for a DRB's user data (PDCP SDUs are IP
 * packets), and counters of what was sent and received per DRB and path. The packets use IP
 * protocol 253, reserved for experimentation (RFC 3692), so they can never be mistaken for real
 * traffic; their payload says which DRB, direction and sequence number they belong to.
 */
import { decodeIpv4, encodeIpv4 } from "../inet/ipv4.js";
import type { SduPath } from "./events.js";

/** RFC 3692: "Use for experimentation and testing". */
export const PROBE_IP_PROTOCOL = 253;
/** Addresses inside the PDN (RFC 1918 space), the same for every UE: the eNB never reads them. */
const UE_PDN_ADDRESS = new Uint8Array([10, 45, 0, 2]);
const SERVER_ADDRESS = new Uint8Array([10, 45, 0, 1]);
const MAGIC = 0x4c57; // "LW"
const PROBE_HEADER = 8;

export type Direction = "uplink" | "downlink";

export interface Probe {
  readonly drbId: number;
  readonly direction: Direction;
  readonly seq: number;
}

/** A probe SDU of at least 28 octets (padded to `size`). */
export function probeSdu(p: Probe, size = 64): Uint8Array {
  const payload = new Uint8Array(Math.max(PROBE_HEADER, size - 20));
  const v = new DataView(payload.buffer);
  v.setUint16(0, MAGIC);
  payload[2] = p.drbId;
  payload[3] = p.direction === "uplink" ? 0 : 1;
  v.setUint32(4, p.seq >>> 0);
  const up = p.direction === "uplink";
  return encodeIpv4({ src: up ? UE_PDN_ADDRESS : SERVER_ADDRESS, dst: up ? SERVER_ADDRESS : UE_PDN_ADDRESS, protocol: PROBE_IP_PROTOCOL, ttl: 64, id: p.seq & 0xffff, payload });
}

/** The probe an SDU carries, or undefined if it is not one. Never throws. */
export function readProbe(sdu: Uint8Array): Probe | undefined {
  const ip = decodeIpv4(sdu);
  if (!ip.ok || ip.value.protocol !== PROBE_IP_PROTOCOL || ip.value.payload.length < PROBE_HEADER) return undefined;
  const p = ip.value.payload;
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  if (v.getUint16(0) !== MAGIC || (p[3] ?? 2) > 1) return undefined;
  return { drbId: p[2] ?? 0, direction: p[3] === 0 ? "uplink" : "downlink", seq: v.getUint32(4) };
}

/** Packets per DRB, direction and path. */
export type TrafficTable = Record<string, { sent: Record<SduPath, number>; received: Record<SduPath, number> }>;

/** Counts probes sent and received, keyed "drb<N> <direction>". */
export class TrafficCounters {
  private readonly table: TrafficTable = {};

  private row(drbId: number, direction: Direction) {
    const key = `drb${drbId} ${direction}`;
    return (this.table[key] ??= { sent: { wlan: 0, lte: 0 }, received: { wlan: 0, lte: 0 } });
  }

  sent(drbId: number, direction: Direction, path: SduPath): void {
    this.row(drbId, direction).sent[path]++;
  }

  received(drbId: number, direction: Direction, path: SduPath): void {
    this.row(drbId, direction).received[path]++;
  }

  snapshot(): TrafficTable {
    return structuredClone(this.table);
  }
}
