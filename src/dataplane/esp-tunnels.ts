/**
 * The ESP data plane behind the IKE engine: turns each negotiated CHILD SA into an inbound and an
 * outbound ESP SA (RFC 4303), demultiplexes received ESP by SPI, checks every decrypted packet
 * against the SA's traffic selectors (RFC 4301 §5.2), and protects outbound inner packets with the
 * newest CHILD SA of their IKE SA, so that a rekey switches sending at once while the old inbound
 * SA still takes what is in flight until its Delete.
 */
import { createInboundSa, createOutboundSa, type InboundEspSa, type OutboundEspSa } from "../esp/sa.js";
import { isEspDrop, NextHeader } from "../esp/constants.js";
import { selectorsAllowPacket } from "../inet/selector.js";
import type { ChildSaSink } from "../ike/context.js";
import type { Endpoint } from "../ike/endpoint.js";
import type { ChildSa } from "../ike/sa/child-sa.js";
import type { IkeSa } from "../ike/sa/ike-sa.js";
import type { Counters } from "../io/counters.js";

export interface Tunnel {
  /** The IKE SA that owns the CHILD SA now (it changes when the IKE SA is rekeyed). */
  ikeSa: IkeSa;
  readonly child: ChildSa;
  readonly inbound: InboundEspSa;
  readonly outbound: OutboundEspSa;
}

export interface TunnelIo {
  /** Sends an ESP packet to the peer (UDP-encapsulated on the NAT-T port). */
  sendEsp(packet: Uint8Array, remote: Endpoint, local: Endpoint): void;
  /** A decrypted inner packet that passed the selector check. */
  deliver(innerPacket: Uint8Array, tunnel: Tunnel): void;
  /** The outbound SA is near sequence exhaustion: rekey it (RFC 4303 §3.3.3). */
  onNeedsRekey?(tunnel: Tunnel): void;
  /**
   * A packet was dropped (also counted as esp_dropped{reason}): its SPI (undefined when no SA was
   * chosen) and, inbound, the sender; outbound, the peer it was meant for. For logs; never its contents.
   */
  onDrop?(reason: string, spi: number | undefined, remote: Endpoint): void;
}

/**
 * The ESP SA of one direction. Its keys are the CHILD SA's own octets, borrowed, not copied (a
 * SeGW holds a CHILD SA per UE). The CHILD SA record owns them: the IKE engine zeroizes them
 * (wipeChildKeys) right after remove(), whose wipe() only makes the ESP SAs let go.
 */
function espParams(spi: number, c: ChildSa, encrKey: Uint8Array, integKey: Uint8Array, replayWindow: number | undefined) {
  const keyBits = c.suite.encrKeyBits === 256 ? 256 : 128;
  return {
    spi, encrId: c.suite.encrId, encrKeyBits: keyBits as 128 | 256, integId: c.suite.integId, encrKey, integKey: integKey.length > 0 ? integKey : undefined, esn: c.suite.esn, replayWindow,
    keys: "share" as const,
  };
}

export class EspTunnels implements ChildSaSink {
  private readonly bySpiIn = new Map<number, Tunnel>();
  /** The tunnel outbound packets of an IKE SA's peer use: its newest CHILD SA. */
  private readonly outboundOf = new Map<IkeSa, Tunnel>();
  /**
   * Rekeyed pairs not sending yet, by the CHILD SA they replace (RFC 7296 §2.8): at most one per
   * rekey in progress, so the old one's removal finds its successor without a search.
   */
  private readonly waiting = new Map<ChildSa, Tunnel>();

  constructor(private readonly io: TunnelIo, private readonly counters: Counters, private readonly replayWindow?: number) {}

  install(ikeSa: IkeSa, child: ChildSa): void {
    const inbound = createInboundSa(espParams(child.spiIn, child, child.encrIn, child.integIn, this.replayWindow));
    const outbound = createOutboundSa(espParams(child.spiOut, child, child.encrOut, child.integOut, undefined));
    const tunnel: Tunnel = { ikeSa, child, inbound, outbound };
    this.bySpiIn.set(child.spiIn, tunnel);
    if (child.outboundActive) this.outboundOf.set(ikeSa, tunnel);
    else if (child.rekeyOf) this.waiting.set(child.rekeyOf, tunnel);
  }

  /** Starts sending with a rekeyed pair the peer has proven it installed (RFC 7296 §2.8). */
  private activate(t: Tunnel): void {
    t.child.outboundActive = true;
    this.outboundOf.set(t.ikeSa, t);
    this.stopWaiting(t);
  }

  private stopWaiting(t: Tunnel): void {
    const old = t.child.rekeyOf;
    if (old && this.waiting.get(old) === t) this.waiting.delete(old);
  }

  remove(ikeSa: IkeSa, child: ChildSa): void {
    const t = this.bySpiIn.get(child.spiIn);
    if (!t) return;
    this.bySpiIn.delete(child.spiIn);
    t.inbound.wipe();
    t.outbound.wipe();
    const wasOutbound = this.outboundOf.get(t.ikeSa) === t;
    if (wasOutbound) this.outboundOf.delete(t.ikeSa);
    this.stopWaiting(t);
    const successor = this.waiting.get(child);
    this.waiting.delete(child);
    // Only a pair that replaces the one we were sending on takes over: after a simultaneous rekey
    // (RFC 7296 §2.8.1) the surviving pair already sends, and the redundant one waiting on the old
    // SA is about to be deleted by its initiator.
    if (!wasOutbound) return;
    if (successor) return this.activate(successor);
    this.fallBack(t.ikeSa);
  }

  /**
   * The pair we sent on went, with no successor, while another pair of the same IKE SA lives: a
   * peer that sent on its redundant SA of a simultaneous rekey (RFC 7296 §2.8.1) moved our sending
   * there before deleting it. Send on the newest pair left rather than on none.
   */
  private fallBack(ikeSa: IkeSa): void {
    for (let i = ikeSa.children.length - 1; i >= 0; i--) {
      const c = ikeSa.children[i];
      const t = c === undefined ? undefined : this.bySpiIn.get(c.spiIn);
      if (t) return this.activate(t);
    }
  }

  /** An IKE SA rekey moved `from`'s CHILD SAs to `to` (RFC 7296 §2.18): their tunnels follow. */
  rehome(from: IkeSa, to: IkeSa): void {
    for (const c of to.children) {
      const t = this.bySpiIn.get(c.spiIn);
      if (t?.ikeSa === from) t.ikeSa = to;
    }
    const out = this.outboundOf.get(from);
    this.outboundOf.delete(from);
    if (out && !this.outboundOf.has(to)) this.outboundOf.set(to, out);
  }

  /** The tunnel to send through for an IKE SA (or its successor after IKE SA rekeys): its newest CHILD SA. */
  findOutbound(ikeSa: IkeSa): Tunnel | undefined {
    let sa = ikeSa;
    while (sa.rekeyedTo) sa = sa.rekeyedTo;
    return this.outboundOf.get(sa);
  }

  private drop(reason: string, spi: number | undefined, remote: Endpoint): void {
    this.counters.add(`esp_dropped{reason="${reason}"}`);
    this.io.onDrop?.(reason, spi, remote);
  }

  get tunnels(): Tunnel[] {
    return [...this.bySpiIn.values()];
  }

  /** Handles one ESP packet from the NAT-T socket. */
  receive(packet: Uint8Array, spi: number, remote: Endpoint): void {
    const t = this.bySpiIn.get(spi);
    if (!t) {
      this.drop("bad-spi", spi, remote);
      return;
    }
    const r = t.inbound.decapsulate(packet);
    if (isEspDrop(r)) {
      this.drop(r.drop, spi, remote);
      return;
    }
    // RFC 4301 §5.2: an inner packet outside the SA's selectors is dropped.
    if (!selectorsAllowPacket(r.innerPacket, t.child.tsRemote, t.child.tsLocal)) {
      this.drop("policy", spi, remote);
      return;
    }
    // RFC 3948 §3.2 / RFC 7296 §2.23: follow the peer's NAT mapping only on authenticated traffic.
    const ike = t.ikeSa;
    if (ike.remote.address !== remote.address || ike.remote.port !== remote.port) ike.remote = remote;
    // The peer sends on a new pair: it has installed it (§2.8), so we may send on it too; never on a
    // pair we are deleting (our redundant SA of a simultaneous rekey, §2.8.1).
    if (!t.child.outboundActive && t.child.state !== "deleting") this.activate(t);
    this.counters.add("esp_packets_in");
    this.io.deliver(r.innerPacket, t);
  }

  /** Protects and sends one inner IP packet through the IKE SA's tunnel; false if it was dropped. */
  send(ikeSa: IkeSa, innerPacket: Uint8Array): boolean {
    const t = this.findOutbound(ikeSa);
    if (!t) {
      this.drop("no-tunnel", undefined, ikeSa.remote);
      return false;
    }
    if (!selectorsAllowPacket(innerPacket, t.child.tsLocal, t.child.tsRemote)) {
      this.drop("policy-out", t.child.spiOut, t.ikeSa.remote);
      return false;
    }
    const nextHeader = (innerPacket[0] ?? 0) >> 4 === 6 ? NextHeader.IPV6 : NextHeader.IPV4;
    const out = t.outbound.encapsulate(innerPacket, nextHeader);
    if (isEspDrop(out)) {
      this.drop(out.drop, t.child.spiOut, t.ikeSa.remote);
      return false;
    }
    if (t.outbound.needsRekey) this.io.onNeedsRekey?.(t);
    this.io.sendEsp(out, t.ikeSa.remote, t.ikeSa.local);
    this.counters.add("esp_packets_out");
    return true;
  }
}
