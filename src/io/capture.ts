/**
 * A process-wide packet tap, like a capture on the interfaces this process uses: when an
 * application (the demo's --out) installs one, every UDP datagram our sockets send or receive is
 * reported with its endpoints. Off by default; one branch per datagram when off.
 */
import type { Endpoint } from "../ike/endpoint.js";

/** "out": this process sent it; "in": it received it (a capture of one process with both ends inside wants only one). */
export type PacketTap = (direction: "in" | "out", from: Endpoint, to: Endpoint, payload: Uint8Array) => void;

let tap: PacketTap | undefined;

export function setPacketTap(t: PacketTap | undefined): void {
  tap = t;
}

/** Called by the socket adapters for each datagram (payload as on the wire, after UDP). */
export function tapDatagram(direction: "in" | "out", from: Endpoint, to: Endpoint, payload: Uint8Array): void {
  tap?.(direction, from, to, payload);
}
