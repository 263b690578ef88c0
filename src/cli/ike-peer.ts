/**
 * Wiring shared by `lwip ike responder` and `lwip ike initiator`: UDP sockets, the IKE engine, the
 * ESP tunnels, JSON-lines events on stdout and structured logs on stderr.
 */
import { randomBytes } from "node:crypto";
import { IkeNode } from "../ike/ike-node.js";
import type { ResponderPolicy } from "../ike/context.js";
import type { IkeEvent } from "../ike/events.js";
import { EspTunnels, type Tunnel } from "../dataplane/esp-tunnels.js";
import { systemClock } from "../io/clock.js";
import { Counters } from "../io/counters.js";
import { createLogger, isLogLevel, type Logger } from "../io/log.js";
import { IkeUdpSockets } from "../io/udp.js";
import { NAT_KEEPALIVE } from "../esp/udp-encap.js";
import { UsageError } from "./usage-error.js";

export interface PeerOptions {
  readonly address: string;
  readonly ikePort: number;
  readonly nattPort: number;
  readonly logLevel: string;
  /** RFC 7383 fragment size (IP packet octets; 0: no fragmentation); the engine's default when absent. */
  readonly fragmentSize?: number;
  readonly policy?: ResponderPolicy;
  /** What to do with an inner packet that arrived through a tunnel. */
  readonly onInnerPacket: (packet: Uint8Array, tunnel: Tunnel) => void;
  readonly onEvent?: (e: IkeEvent) => void;
  /** Kernel buffer sizes for the ESP socket (bursty tunnels). */
  readonly socketBufferBytes?: number;
}

export interface Peer {
  readonly node: IkeNode;
  readonly tunnels: EspTunnels;
  readonly sockets: IkeUdpSockets;
  readonly log: Logger;
  readonly counters: Counters;
  close(): void;
}

/** Prints one event as one JSON line on stdout. */
export function printEvent(e: object): void {
  process.stdout.write(JSON.stringify(e) + "\n");
}

export async function openPeer(o: PeerOptions): Promise<Peer> {
  if (!isLogLevel(o.logLevel)) throw new UsageError(`--log-level must be debug, info, warn or error`);
  const log = createLogger(o.logLevel);
  const counters = new Counters();
  // The engine and the data plane send through sockets opened after them.
  const io: { sockets?: IkeUdpSockets } = {};
  const tunnels = new EspTunnels({ sendEsp: (p, r) => io.sockets?.sendEsp(p, r), deliver: (p, t) => o.onInnerPacket(p, t) }, counters);
  const node = new IkeNode({
    clock: systemClock,
    random: (n) => new Uint8Array(randomBytes(n)),
    sender: { send: (m, local, remote) => io.sockets?.sendIke(m, local, remote) },
    sink: tunnels,
    log,
    counters,
    ...(o.fragmentSize !== undefined ? { fragmentSize: o.fragmentSize } : {}),
    onEvent: (e) => {
      printEvent(e);
      o.onEvent?.(e);
    },
    ...(o.policy ? { policy: o.policy } : {}),
  });
  const sockets = await IkeUdpSockets.open(
    {
      address: o.address, ikePort: o.ikePort, nattPort: o.nattPort,
      ...(o.socketBufferBytes ? { recvBufferSize: o.socketBufferBytes, sendBufferSize: o.socketBufferBytes } : {}),
    },
    {
      onIke: (m, remote, local) => node.receive(m, remote, local),
      onEsp: (p, spi, remote) => tunnels.receive(p, spi, remote),
      onInvalid: (reason) => counters.add(`udp_dropped{reason="${reason}"}`),
    },
  );
  io.sockets = sockets;
  const keepalive = startNatKeepalives(node, sockets);
  return { node, tunnels, sockets, log, counters, close: () => { clearInterval(keepalive); sockets.close(); } };
}

/** RFC 3948 §2.3 / §4: keep the NAT mapping of an encapsulated SA alive while it is otherwise quiet. */
export const NAT_KEEPALIVE_INTERVAL_MS = 20_000;

function startNatKeepalives(node: IkeNode, sockets: IkeUdpSockets): NodeJS.Timeout {
  const timer = setInterval(() => {
    for (const sa of node.sas) {
      if (sa.state === "established" && sa.local.port === sockets.ports.nattPort) sockets.sendEsp(NAT_KEEPALIVE, sa.remote);
    }
  }, NAT_KEEPALIVE_INTERVAL_MS);
  timer.unref();
  return timer;
}

/** Parses a port option; @throws UsageError. */
export function parsePort(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new UsageError(`${name} must be a port number (1..65535)`);
  return n;
}
