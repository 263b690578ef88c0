/**
 * The UE's WLAN side: its IKE and NAT-T sockets on its own WLAN address, the IKEv2 engine (as
 * initiator only) and the ESP data plane. A switch stands for the WLAN radio: while it is off,
 * nothing is sent or received, so the UE learns of the loss the way TS 33.401 16.6 expects, from
 * liveness (RFC 7296 §2.4 checks that time out), not from the switch.
 */
import type { Tunnel } from "../dataplane/esp-tunnels.js";
import { EspTunnels } from "../dataplane/esp-tunnels.js";
import { withNonEspMarker } from "../esp/udp-encap.js";
import type { IkeTiming, KeyExport } from "../ike/context.js";
import type { Endpoint } from "../ike/endpoint.js";
import type { IkeEvent } from "../ike/events.js";
import { IkeNode } from "../ike/ike-node.js";
import type { Clock } from "../io/clock.js";
import { Counters } from "../io/counters.js";
import type { Logger } from "../io/log.js";
import { IkeUdpSockets } from "../io/udp.js";

/** One UDP datagram on the WLAN as it is on the wire (for captures): payload only. */
export interface WlanDatagram {
  readonly direction: "out" | "in";
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly bytes: Uint8Array;
}

export interface UeWlanOptions {
  /** The UE's WLAN address, e.g. 127.0.1.7 on loopback: one per UE, so many UEs share the ports. */
  readonly address: string;
  readonly ikePort: number;
  readonly nattPort: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timing?: IkeTiming;
  readonly exportKeys?: (k: KeyExport) => void;
  readonly tap?: (d: WlanDatagram) => void;
}

export interface UeWlanHandlers {
  ikeEvent(e: IkeEvent): void;
  /** A decrypted inner packet that passed the CHILD SA's selectors. */
  inner(packet: Uint8Array, tunnel: Tunnel): void;
}

function randomOctets(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

export class UeWlan {
  /** The simulated WLAN radio: off drops every datagram both ways. */
  available = true;
  readonly counters = new Counters();
  readonly node: IkeNode;
  readonly tunnels: EspTunnels;
  private sockets: IkeUdpSockets | undefined;

  private constructor(private readonly o: UeWlanOptions, h: UeWlanHandlers) {
    this.tunnels = new EspTunnels({ sendEsp: (p, to) => this.sendEsp(p, to), deliver: (p, t) => h.inner(p, t) }, this.counters);
    this.node = new IkeNode({
      clock: o.clock,
      random: randomOctets,
      sender: { send: (m, local, remote) => this.sendIke(m, local, remote) },
      sink: this.tunnels,
      log: o.log,
      counters: this.counters,
      onEvent: (e) => h.ikeEvent(e),
      ...(o.timing ? { timing: o.timing } : {}),
      ...(o.exportKeys ? { exportKeys: o.exportKeys } : {}),
    });
  }

  /** Binds the UE's IKE and NAT-T ports on its WLAN address. @throws the bind error. */
  static async open(o: UeWlanOptions, h: UeWlanHandlers): Promise<UeWlan> {
    const w = new UeWlan(o, h);
    const localNatt = { address: o.address, port: o.nattPort };
    w.sockets = await IkeUdpSockets.open({ address: o.address, ikePort: o.ikePort, nattPort: o.nattPort }, {
      onIke: (m, remote, local) => {
        if (!w.available) return w.counters.add('wlan_dropped{reason="wlan-off"}');
        o.tap?.({ direction: "in", local, remote, bytes: local.port === o.nattPort ? withNonEspMarker(m) : m });
        w.node.receive(m, remote, local);
      },
      onEsp: (p, spi, remote) => {
        if (!w.available) return w.counters.add('wlan_dropped{reason="wlan-off"}');
        o.tap?.({ direction: "in", local: localNatt, remote, bytes: p });
        w.tunnels.receive(p, spi, remote);
      },
      onInvalid: (reason) => w.counters.add(`udp_dropped{reason="${reason}"}`),
    });
    return w;
  }

  /** Our IKE endpoint, where initiate() starts from. */
  get ikeEndpoint(): Endpoint {
    return { address: this.o.address, port: this.o.ikePort };
  }

  get nattPort(): number {
    return this.o.nattPort;
  }

  private sendIke(m: Uint8Array, local: Endpoint, remote: Endpoint): void {
    if (!this.available || !this.sockets) return this.counters.add('wlan_dropped{reason="wlan-off"}');
    this.o.tap?.({ direction: "out", local, remote, bytes: local.port === this.o.nattPort ? withNonEspMarker(m) : m });
    this.sockets.sendIke(m, local, remote);
  }

  private sendEsp(p: Uint8Array, remote: Endpoint): void {
    if (!this.available || !this.sockets) return this.counters.add('wlan_dropped{reason="wlan-off"}');
    this.o.tap?.({ direction: "out", local: { address: this.o.address, port: this.o.nattPort }, remote, bytes: p });
    this.sockets.sendEsp(p, remote);
  }

  /** Deletes every SA (the Deletes go out if WLAN is on) and closes the sockets. */
  close(): void {
    this.node.shutdown();
    this.sockets?.close();
    this.sockets = undefined;
  }
}
