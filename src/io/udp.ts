/**
 * The UDP sockets of an IKE endpoint: the IKE port (500) and the NAT-T port (4500), which also
 * carries UDP-encapsulated ESP and NAT-keepalives (RFC 3948 §2). This is the only place that
 * touches node:dgram for IKE; everything above it sees Uint8Array datagrams and Endpoints.
 */
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { classifyUdp4500, withNonEspMarker } from "../esp/udp-encap.js";
import type { Endpoint } from "../ike/endpoint.js";
import { tapDatagram } from "./capture.js";
import { literalLookup } from "./udp-lookup.js";

export interface UdpHandlers {
  /** An IKE message (marker removed) and where it came from / arrived. */
  onIke(message: Uint8Array, remote: Endpoint, local: Endpoint): void;
  /** A UDP-encapsulated ESP packet on the NAT-T port. */
  onEsp(packet: Uint8Array, spi: number, remote: Endpoint, local: Endpoint): void;
  /** A datagram nothing could make sense of (counted by the caller). */
  onInvalid?(reason: string, remote: Endpoint): void;
}

export interface UdpPorts {
  readonly address: string;
  readonly ikePort: number;
  readonly nattPort: number;
  /** Kernel buffer sizes of the NAT-T socket, which carries the ESP traffic (defaults: the system's). */
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
}

function bind(socket: Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, address, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}

export class IkeUdpSockets {
  private readonly ike: Socket;
  private readonly natt: Socket;
  /** Our NAT-T endpoint, as the packet tap reports it: built once, not per ESP packet sent. */
  private readonly localNatt: Endpoint;

  private constructor(readonly ports: UdpPorts, handlers: UdpHandlers) {
    const type = isIPv6(ports.address) ? "udp6" : "udp4";
    this.ike = createSocket({ type, reuseAddr: false, lookup: literalLookup });
    this.natt = createSocket({
      type, reuseAddr: false, lookup: literalLookup,
      ...(ports.recvBufferSize ? { recvBufferSize: ports.recvBufferSize } : {}),
      ...(ports.sendBufferSize ? { sendBufferSize: ports.sendBufferSize } : {}),
    });
    const localIke = { address: ports.address, port: ports.ikePort };
    const localNatt = { address: ports.address, port: ports.nattPort };
    this.localNatt = localNatt;
    this.ike.on("message", (msg, rinfo) => {
      const remote = { address: rinfo.address, port: rinfo.port };
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      tapDatagram("in", remote, localIke, bytes);
      handlers.onIke(bytes, remote, localIke);
    });
    this.natt.on("message", (msg, rinfo) => {
      const remote = { address: rinfo.address, port: rinfo.port };
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      tapDatagram("in", remote, localNatt, bytes);
      const d = classifyUdp4500(bytes);
      if (d.kind === "ike") handlers.onIke(d.message, remote, localNatt);
      else if (d.kind === "esp") handlers.onEsp(d.packet, d.spi, remote, localNatt);
      else if (d.kind === "invalid") handlers.onInvalid?.(d.reason, remote);
    });
  }

  /** Binds both ports on `address`. @throws the bind error (address not local, port in use). */
  static async open(ports: UdpPorts, handlers: UdpHandlers): Promise<IkeUdpSockets> {
    const s = new IkeUdpSockets(ports, handlers);
    await bind(s.ike, ports.address, ports.ikePort);
    await bind(s.natt, ports.address, ports.nattPort);
    return s;
  }

  /** Sends an IKE message from our socket `local` (with the non-ESP marker on the NAT-T port). */
  sendIke(message: Uint8Array, local: Endpoint, remote: Endpoint): void {
    const onNatt = local.port === this.ports.nattPort;
    const bytes = onNatt ? withNonEspMarker(message) : message;
    tapDatagram("out", local, remote, bytes);
    (onNatt ? this.natt : this.ike).send(bytes, remote.port, remote.address);
  }

  /** Sends a UDP-encapsulated ESP packet from the NAT-T port. */
  sendEsp(packet: Uint8Array, remote: Endpoint): void {
    tapDatagram("out", this.localNatt, remote, packet);
    this.natt.send(packet, remote.port, remote.address);
  }

  close(): void {
    this.ike.close();
    this.natt.close();
  }
}
