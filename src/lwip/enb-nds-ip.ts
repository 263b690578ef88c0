/**
 * The eNB's side of NDS/IP on Xw-U (TS 33.401 16.1: "The interface between the eNB and the LWIP-SeGW
 * shall be confidentiality and integrity protected by NDS/IP TS 33.210"): an IKEv2 SA with
 * certificates to the SeGW (IDi = ID_FQDN, the DNS name of our certificate) and an ESP CHILD SA for
 * GTP-U between our address and the SeGW's. It is rekeyed before its lifetime ends (both SAs, without
 * interrupting traffic: the engine installs the new CHILD SA before deleting the old one), and set up
 * again when it ends (the SeGW restarted, the path died).
 * A multi-worker SeGW has one backhaul address per worker: one such SA per SeGW address the eNB
 * sends GTP-U to (ensure), all from our one pair of IKE sockets (our ports can be bound only once).
 */
import { createPrivateKey, randomBytes } from "node:crypto";
import { parseCertificatesPem } from "../ike/auth/certificates.js";
import { parseCrlsPem } from "../ike/auth/crl.js";
import { IkeNode } from "../ike/ike-node.js";
import type { IkeEvent } from "../ike/events.js";
import type { Endpoint } from "../ike/endpoint.js";
import { parseProposalList } from "../ike/proposal.js";
import { IdType } from "../ike/registry.js";
import type { IkeSa } from "../ike/sa/ike-sa.js";
import { canonicalIp, formatIp, hostSelector, parseIp } from "../ike/traffic-selector.js";
import { EspTunnels } from "../dataplane/esp-tunnels.js";
import { decodeUdpPacket, encodeUdpPacket } from "../inet/udp.js";
import { systemClock } from "../io/clock.js";
import { Counters } from "../io/counters.js";
import { silentLogger, type Logger } from "../io/log.js";
import { IkeUdpSockets } from "../io/udp.js";
import { GTPU_UDP_PORT } from "../gtpu/constants.js";
import { toHex } from "../wire/hex.js";

export interface EnbNdsIpOptions {
  /** Our address (the eNB's Xw-U address) and the SeGW's. */
  readonly address: string;
  readonly segwAddress: string;
  readonly ikePort: number;
  readonly nattPort: number;
  readonly segwIkePort: number;
  readonly segwNattPort: number;
  /** PEM: our certificate (chain), its key, and the CA of the SeGW's certificate. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  /** PEM CRLs of `ca` (TS 33.310): a SeGW certificate on them fails IKE_AUTH. */
  readonly crl?: string | undefined;
  /** SA lifetimes: rekey after these (TS 33.210 leaves them to the operator). */
  readonly childLifetimeMs?: number;
  readonly ikeLifetimeMs?: number;
  /** Liveness checks after this much silence: how soon a restarted SeGW is noticed (default 10 s). */
  readonly dpdMs?: number;
  /** IKE retransmission timeouts (default 1, 2, 4 s). */
  readonly retransmitMs?: readonly number[];
  readonly log?: Logger;
  /** A GTP-U datagram that came out of the SA. */
  readonly onDatagram: (gtpu: Uint8Array, from: Endpoint) => void;
}

const RETRY_MS = 1000;
const DEFAULT_CHILD_LIFETIME_MS = 3_600_000;
const DEFAULT_IKE_LIFETIME_MS = 4 * 3_600_000;

/** The first DNS name of a certificate's subjectAltName: our IDi (the SeGW matches it against its configuration). */
function dnsNameOf(pem: string): string | undefined {
  const chain = parseCertificatesPem(pem);
  const san = chain.ok ? chain.value[0]?.x509.subjectAltName : undefined;
  return san?.split(", ").find((n) => n.startsWith("DNS:"))?.slice(4);
}

/** One SeGW backhaul address and our Zb SA to it. */
interface ZbPeer {
  /** The SeGW's address, in the canonical text of formatIp (the key of `peers`). */
  readonly address: string;
  sa: IkeSa | undefined;
  /** The CHILD SA is up: GTP-U can flow. */
  up: boolean;
  retry: NodeJS.Timeout | undefined;
}

/** The address of an IKE event's "remote" (`a.b.c.d:port`, `[x::y]:port` or `x::y:port`). */
function addressOfRemote(remote: string): string | undefined {
  return canonicalIp(remote.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1"));
}

export class EnbNdsIp {
  readonly counters = new Counters();
  /** By SeGW address (canonical text); the configured segwAddress first. */
  private readonly peers = new Map<string, ZbPeer>();
  private closed = false;

  private constructor(private readonly o: EnbNdsIpOptions, private readonly node: IkeNode, private readonly tunnels: EspTunnels, private readonly sockets: IkeUdpSockets) {}

  /** Opens the IKE sockets and starts the SA. @throws on bad PEM input or the bind error. */
  static async open(o: EnbNdsIpOptions): Promise<EnbNdsIp> {
    const holder: { z?: EnbNdsIp; sockets?: IkeUdpSockets } = {};
    const counters = new Counters();
    const tunnels = new EspTunnels({ sendEsp: (p, to) => holder.sockets?.sendEsp(p, to), deliver: (p) => holder.z?.fromTunnel(p) }, counters);
    const node = new IkeNode({
      clock: systemClock, random: (n) => new Uint8Array(randomBytes(n)), log: o.log ?? silentLogger, sink: tunnels, counters,
      sender: { send: (m, l, r) => holder.sockets?.sendIke(m, l, r) },
      onEvent: (e) => holder.z?.onIkeEvent(e),
      timing: {
        retransmitMs: o.retransmitMs ?? [1000, 2000, 4000], halfOpenMs: 30_000, dpdMs: o.dpdMs ?? 10_000,
        childRekeyMs: o.childLifetimeMs ?? DEFAULT_CHILD_LIFETIME_MS, ikeRekeyMs: o.ikeLifetimeMs ?? DEFAULT_IKE_LIFETIME_MS,
      },
    });
    holder.sockets = await IkeUdpSockets.open({ address: o.address, ikePort: o.ikePort, nattPort: o.nattPort }, {
      onIke: (m, r, l) => node.receive(m, r, l),
      onEsp: (p, spi, r) => tunnels.receive(p, spi, r),
    });
    const z = new EnbNdsIp(o, node, tunnels, holder.sockets);
    holder.z = z;
    z.initiate(z.addPeer(canonicalIp(o.segwAddress) ?? o.segwAddress));
    return z;
  }

  /** True while GTP-U can flow to the configured SeGW address (its CHILD SA is up). */
  get established(): boolean {
    return this.establishedTo(this.o.segwAddress);
  }

  /** True while GTP-U can flow to this SeGW address. */
  establishedTo(address: string): boolean {
    const key = canonicalIp(address);
    return key !== undefined && this.peers.get(key)?.up === true;
  }

  /**
   * Starts an SA to this SeGW backhaul address (a worker of a multi-worker SeGW) unless there is one
   * already (set up, being set up, or waiting to be set up again). Not an IP address: logged, ignored.
   */
  ensure(segwAddress: string): void {
    const key = canonicalIp(segwAddress);
    if (!key) return this.o.log?.warn("lwip", "NDS/IP: SeGW address is not an IP address", { segw: segwAddress });
    if (this.closed || this.peers.has(key)) return;
    this.initiate(this.addPeer(key));
  }

  private addPeer(address: string): ZbPeer {
    const peer: ZbPeer = { address, sa: undefined, up: false, retry: undefined };
    this.peers.set(address, peer);
    return peer;
  }

  private initiate(peer: ZbPeer): void {
    const identity = dnsNameOf(this.o.cert);
    const chain = parseCertificatesPem(this.o.cert);
    const anchors = parseCertificatesPem(this.o.ca);
    const crls = this.o.crl === undefined ? undefined : parseCrlsPem(this.o.crl);
    if (crls && !crls.ok) throw new Error(`NDS/IP: CRL: ${crls.error.detail}`);
    const local = parseIp(this.o.address);
    const segw = parseIp(peer.address);
    const specs = (t: string, k: "ike" | "esp") => {
      const r = parseProposalList(t, k);
      return r.ok ? r.specs : [];
    };
    if (!identity || !chain.ok || !anchors.ok || !local || !segw) throw new Error("NDS/IP: the eNB certificate needs a DNS name, and the addresses must be IP addresses");
    peer.sa = this.node.initiate({
      local: { address: this.o.address, port: this.o.ikePort }, remote: { address: peer.address, port: this.o.segwIkePort },
      idi: { idType: IdType.ID_FQDN, data: new TextEncoder().encode(identity) },
      certificates: {
        credentials: [{ chain: chain.value, privateKey: createPrivateKey(this.o.key) }], trustAnchors: anchors.value, ...(crls ? { crls: crls.value } : {}),
      },
      ikeProposals: specs("aes128gcm16-prfsha256-ecp256", "ike"), espProposals: specs("aes128gcm16", "esp"),
      tsi: [hostSelector(local)], tsr: [hostSelector(segw)], requestVirtualIp: false,
      nattPorts: { local: this.o.nattPort, remote: this.o.segwNattPort },
    });
  }

  /** The peer's SA now: the last of its line of IKE SA rekeys (RFC 7296 §2.18); older ones are let go. */
  private current(peer: ZbPeer): IkeSa | undefined {
    while (peer.sa?.rekeyedTo) peer.sa = peer.sa.rekeyedTo;
    return peer.sa;
  }

  /** The peer an event is about: by the SPIi of its current SA, or (a failure) by the remote address. */
  private peerOf(e: IkeEvent): ZbPeer | undefined {
    if (e.event === "ike-sa-failed") {
      const address = addressOfRemote(e.remote);
      return address === undefined ? undefined : this.peers.get(address);
    }
    if (!("spiI" in e)) return undefined;
    return [...this.peers.values()].find((p) => {
      const sa = this.current(p);
      return sa !== undefined && toHex(sa.spiI) === e.spiI;
    });
  }

  private onIkeEvent(e: IkeEvent): void {
    const peer = this.peerOf(e);
    if (!peer) return;
    if (e.event === "child-sa-up") {
      peer.up = true;
      this.o.log?.info("lwip", "NDS/IP SA to the SeGW up", { segw: peer.address });
    }
    const ended = (e.event === "ike-sa-down" && e.reason !== "rekeyed") || e.event === "ike-sa-failed";
    if (!ended || this.closed) return;
    peer.up = false;
    this.counters.add("nds_ip_sa_lost");
    this.o.log?.warn("lwip", "NDS/IP SA to the SeGW lost; setting it up again", { segw: peer.address, reason: e.reason });
    clearTimeout(peer.retry);
    peer.retry = setTimeout(() => !this.closed && this.initiate(peer), RETRY_MS);
    peer.retry.unref();
  }

  /** Each SeGW address with an SA (up, or being set up again), and the SA events counted. */
  status(): { readonly peers: { readonly address: string; readonly up: boolean }[]; readonly counters: Record<string, number> } {
    return { peers: [...this.peers.values()].map((p) => ({ address: p.address, up: p.up })), counters: this.counters.snapshot() };
  }

  /**
   * A liveness check on every SA now (RFC 7296 §1.4): the SeGW's event stream broke, so a SeGW
   * worker behind one of them may have restarted without its keys (§2.21.4: a hint that SAs to that
   * address may be dead). A live one answers at once; a dead one ends after the retransmissions
   * and is set up again.
   */
  checkPeers(): void {
    for (const peer of this.peers.values()) {
      const sa = this.current(peer);
      if (peer.up && sa) this.node.checkLiveness(sa);
    }
  }

  /**
   * Sends a GTP-U datagram to the SeGW address `to` inside its SA; false while there is none (and,
   * for an address without one, an SA to it is started: the next datagrams can go).
   */
  send(gtpu: Uint8Array, to: Endpoint): boolean {
    const src = parseIp(this.o.address);
    const dst = parseIp(to.address);
    const key = canonicalIp(to.address);
    const peer = key === undefined ? undefined : this.peers.get(key);
    if (!peer && key !== undefined) this.ensure(key);
    const sa = peer && this.current(peer);
    if (!peer?.up || !sa || !src || !dst) {
      this.counters.add("nds_ip_no_sa");
      return false;
    }
    return this.tunnels.send(sa, encodeUdpPacket({ src, dst, srcPort: GTPU_UDP_PORT, dstPort: to.port, payload: gtpu }));
  }

  private fromTunnel(packet: Uint8Array): void {
    const d = decodeUdpPacket(packet);
    if (!d.ok || d.value.dstPort !== GTPU_UDP_PORT) return this.counters.add("nds_ip_not_gtpu");
    this.o.onDatagram(d.value.payload, { address: formatIp(d.value.src), port: d.value.srcPort });
  }

  close(): void {
    this.closed = true;
    for (const peer of this.peers.values()) clearTimeout(peer.retry);
    this.node.shutdown();
    setTimeout(() => this.sockets.close(), 50).unref();
  }
}
