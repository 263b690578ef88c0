/** A plain UDP socket (e.g. GTP-U on 2152): bytes in, bytes out, nothing protocol-specific. */
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import type { Endpoint } from "../ike/endpoint.js";
import { tapDatagram } from "./capture.js";
import { literalLookup } from "./udp-lookup.js";

export interface UdpSocket {
  readonly local: Endpoint;
  send(bytes: Uint8Array, to: Endpoint): void;
  close(): void;
}

/** Binds `address:port` (port 0 picks one). @throws the bind error. */
export function openUdpSocket(address: string, port: number, onMessage: (bytes: Uint8Array, from: Endpoint) => void): Promise<UdpSocket> {
  const socket = createSocket({ type: isIPv6(address) ? "udp6" : "udp4", lookup: literalLookup });
  const local = { address, port };
  socket.on("message", (msg, rinfo) => {
    const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    const from = { address: rinfo.address, port: rinfo.port };
    tapDatagram("in", from, local, bytes);
    onMessage(bytes, from);
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, address, () => {
      socket.off("error", reject);
      socket.on("error", () => {});
      const bound = socket.address();
      const self = { address: bound.address, port: bound.port };
      local.port = bound.port;
      resolve({
        local: self,
        send: (bytes, to) => {
          tapDatagram("out", self, to, bytes);
          socket.send(bytes, to.port, to.address);
        },
        close: () => socket.close(),
      });
    });
  });
}
