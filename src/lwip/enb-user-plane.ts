/**
 * The eNB's LWIP user plane on Xw-U (TS 36.464): downlink PDCP SDUs of offloaded DRBs leave as
 * LWIPEP packets (TS 36.361, the DRB identity in the GRE Key) in G-PDUs (TS 29.281) to the SeGW's
 * TEID of the UE; uplink G-PDUs on our per-UE TEID bring the UE's LWIPEP packets, without any UE
 * IP header (TS 33.401 16.1, 16.2.3: the eNB never interprets the UE's IP packets). Only G-PDUs
 * from the SeGW that the UE's tunnel belongs to are taken.
 */
import { decodeGtpu, encodeEchoResponse, encodeGpdu } from "../gtpu/messages.js";
import { GTPU_UDP_PORT } from "../gtpu/constants.js";
import type { Endpoint } from "../ike/endpoint.js";
import { Counters } from "../io/counters.js";
import { openUdpSocket, type UdpSocket } from "../io/udp-socket.js";
import { decodeLwipep } from "../lwipep/lwipep.js";
import { lwipepForSdu } from "./lwip-inner.js";
import { EnbNdsIp, type EnbNdsIpOptions } from "./enb-nds-ip.js";

/** Where the uplink of one UE comes from: the SeGW's Xw-U address; and what to call with its SDUs. */
export interface UplinkBinding {
  readonly segwAddress: string;
  deliver(drbId: number, sdu: Uint8Array): void;
}

/** One Xw-U datagram (for captures). */
export interface XwuDatagram {
  readonly direction: "out" | "in";
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly bytes: Uint8Array;
}

export interface EnbUserPlaneOptions {
  /** Our Xw-U address: the eNB GTP Tunnel Endpoint's transport layer address. */
  readonly address: string;
  /** Our GTP-U port (2152; the SeGW sends to 2152). */
  readonly port?: number;
  /** The SeGW's GTP-U port (2152 unless it was configured otherwise). */
  readonly segwPort?: number;
  readonly tap?: (d: XwuDatagram) => void;
  /** NDS/IP built in: GTP-U only inside an ESP SA with the SeGW (TS 33.401 16.1); absent: plain UDP (the platform protects it). */
  readonly ndsIp?: Omit<EnbNdsIpOptions, "address" | "onDatagram">;
}

function randomTeid(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
}

export class EnbUserPlane {
  readonly counters = new Counters();
  private readonly byTeid = new Map<number, UplinkBinding>();

  private constructor(
    private readonly o: EnbUserPlaneOptions,
    private readonly socket: UdpSocket,
    private readonly zb: EnbNdsIp | undefined,
  ) {}

  /** Binds address:port (and, with NDS/IP, starts the SA to the SeGW). @throws the bind error. */
  static async open(o: EnbUserPlaneOptions): Promise<EnbUserPlane> {
    const holder: { up?: EnbUserPlane } = {};
    const socket = await openUdpSocket(o.address, o.port ?? GTPU_UDP_PORT, (bytes, from) => {
      // With NDS/IP built in, GTP-U outside the SA is not taken (TS 33.401 16.1).
      if (o.ndsIp) return holder.up?.counters.add('xwu_dropped{reason="outside-nds-ip"}');
      holder.up?.receive(bytes, from);
    });
    const zb = o.ndsIp ? await EnbNdsIp.open({ ...o.ndsIp, address: o.address, onDatagram: (bytes, from) => holder.up?.receive(bytes, from) }) : undefined;
    return (holder.up = new EnbUserPlane(o, socket, zb));
  }

  /** The NDS/IP SAs per SeGW address and their counters; undefined without built-in NDS/IP. */
  ndsIpStatus(): ReturnType<EnbNdsIp["status"]> | undefined {
    return this.zb?.status();
  }

  /** After a break in the SeGW's event stream: check that every NDS/IP SA still has a live peer (no-op without built-in NDS/IP). */
  checkSegwPeers(): void {
    this.zb?.checkPeers();
  }

  /** The NDS/IP SA to the configured SeGW address is up (always true without built-in NDS/IP). */
  get xwuReady(): boolean {
    return this.zb?.established ?? true;
  }

  /**
   * A SeGW GTP Tunnel Endpoint's address was named (LWIP ADDITION REQUEST ACKNOWLEDGE): with NDS/IP
   * built in, the SA to it (one per worker of a multi-worker SeGW) is started now, so that it is
   * normally up before the UE's tunnel is. Nothing to do without built-in NDS/IP.
   */
  prepareSegw(address: string): void {
    this.zb?.ensure(address);
  }

  get local(): Endpoint {
    return this.socket.local;
  }

  /** A fresh non-zero TEID for a UE's uplink tunnel (TS 29.281: TEID 0 is for signalling). */
  bind(binding: UplinkBinding): number {
    for (;;) {
      const teid = randomTeid();
      if (teid !== 0 && !this.byTeid.has(teid)) {
        this.byTeid.set(teid, binding);
        return teid;
      }
    }
  }

  unbind(teid: number): void {
    this.byTeid.delete(teid);
  }

  /** Sends one downlink SDU of `drbId`; false if the SDU is not an IP packet (LWIPEP types it by EtherType). */
  sendDownlink(segw: { readonly address: string; readonly teid: number }, drbId: number, sdu: Uint8Array): boolean {
    const lwipep = lwipepForSdu(drbId, sdu);
    if (!lwipep) {
      this.counters.add('xwu_dropped{reason="not-ip"}');
      return false;
    }
    const to = { address: segw.address, port: this.o.segwPort ?? GTPU_UDP_PORT };
    const gpdu = encodeGpdu(segw.teid, lwipep);
    this.o.tap?.({ direction: "out", local: this.local, remote: to, bytes: gpdu });
    this.counters.add("xwu_downlink_packets");
    return this.sendGtpu(gpdu, to);
  }

  private sendGtpu(bytes: Uint8Array, to: Endpoint): boolean {
    if (this.zb) return this.zb.send(bytes, to);
    this.socket.send(bytes, to);
    return true;
  }

  private receive(bytes: Uint8Array, from: Endpoint): void {
    this.o.tap?.({ direction: "in", local: this.local, remote: from, bytes });
    const m = decodeGtpu(bytes);
    if (!m.ok) return this.counters.add('xwu_dropped{reason="bad-gtpu"}');
    if (m.value.kind === "echo-request") return void this.sendGtpu(encodeEchoResponse(m.value.header.sequence ?? 0), from);
    if (m.value.kind !== "g-pdu") return this.counters.add(`xwu_signalling{kind="${m.value.kind}"}`);
    const binding = this.byTeid.get(m.value.header.teid);
    if (!binding) return this.counters.add('xwu_dropped{reason="unknown-teid"}');
    if (from.address !== binding.segwAddress) return this.counters.add('xwu_dropped{reason="not-from-segw"}');
    const lwipep = decodeLwipep(m.value.payload);
    if (!lwipep.ok) return this.counters.add('xwu_dropped{reason="bad-lwipep"}');
    this.counters.add("xwu_uplink_packets");
    binding.deliver(lwipep.value.drbId, lwipep.value.payload.slice());
  }

  close(): void {
    this.zb?.close();
    this.socket.close();
  }
}
