/**
 * A pcap file (libpcap format, LINKTYPE_RAW = IPv4/IPv6 packets) built from tapped UDP datagrams:
 * each gets the IP and UDP headers it had on the wire, so Wireshark decodes IKE (500/4500), ESP in
 * UDP (RFC 3948) and GTP-U (2152) as it would from a real capture.
 */
import { writeFileSync } from "node:fs";
import { encodeUdpPacket } from "../inet/udp.js";
import type { Endpoint } from "../ike/endpoint.js";
import { parseIp } from "../ike/traffic-selector.js";

const PCAP_MAGIC = 0xa1b2c3d4;
const LINKTYPE_RAW = 101;
const SNAPLEN = 65535;

export class PcapRecorder {
  private readonly records: Uint8Array[] = [];

  /**
   * @param portMap ports to write as others, e.g. unprivileged IKE ports as 500/4500 so that
   * Wireshark decodes them as IKE and ESP-in-UDP without extra options.
   */
  constructor(private readonly portMap: Readonly<Record<number, number>> = {}) {}

  get packets(): number {
    return this.records.length;
  }

  /** Records one datagram at wall-clock time `ms`. */
  add(from: Endpoint, to: Endpoint, payload: Uint8Array, ms = Date.now()): void {
    const src = parseIp(from.address);
    const dst = parseIp(to.address);
    if (!src || !dst || src.length !== dst.length) return;
    const port = (p: number) => this.portMap[p] ?? p;
    const packet = encodeUdpPacket({ src, dst, srcPort: port(from.port), dstPort: port(to.port), payload });
    const record = new Uint8Array(16 + packet.length);
    const v = new DataView(record.buffer);
    v.setUint32(0, Math.floor(ms / 1000), true);
    v.setUint32(4, Math.floor((ms % 1000) * 1000), true);
    v.setUint32(8, packet.length, true);
    v.setUint32(12, packet.length, true);
    record.set(packet, 16);
    this.records.push(record);
  }

  /** The whole file: global header then the records. */
  bytes(): Uint8Array {
    const header = new Uint8Array(24);
    const v = new DataView(header.buffer);
    v.setUint32(0, PCAP_MAGIC, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, SNAPLEN, true);
    v.setUint32(20, LINKTYPE_RAW, true);
    return Buffer.concat([header, ...this.records]);
  }

  write(path: string): void {
    writeFileSync(path, this.bytes());
  }
}
