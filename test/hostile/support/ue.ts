/**
 * A UE on loopback built from the project's own parts (IkeNode as initiator, EspTunnels, UDP
 * sockets): the legitimate UE that must keep working while the attacks run, and, provisioned
 * with an IDi of its own, the compromised UE that attacks after authenticating. It records every
 * ESP packet it sends and every IKE message it receives, so tests can replay or inspect them.
 */
import { randomBytes } from "node:crypto";
import { EspTunnels } from "../../../src/dataplane/esp-tunnels.js";
import { isEspDrop, NextHeader } from "../../../src/esp/constants.js";
import { IkeNode } from "../../../src/ike/ike-node.js";
import type { IkeEvent } from "../../../src/ike/events.js";
import { parseProposalList } from "../../../src/ike/proposal.js";
import { IdType } from "../../../src/ike/registry.js";
import type { IkeSa } from "../../../src/ike/sa/ike-sa.js";
import { parseCidr, selectorFromCidr } from "../../../src/ike/traffic-selector.js";
import { systemClock } from "../../../src/io/clock.js";
import { Counters } from "../../../src/io/counters.js";
import { createLogger } from "../../../src/io/log.js";
import { IkeUdpSockets } from "../../../src/io/udp.js";
import { encodeIpv4 } from "../../../src/inet/ipv4.js";
import { GRE_IP_PROTOCOL } from "../../../src/lwipep/lwipep.js";
import { bytesEqual } from "../../../src/wire/hex.js";
import { ENB_LWIP, lwipepSample } from "../../fuzz/targets/user-plane.js";
import { eventually, type HostileLab, type LabPorts } from "./lab.js";

export interface UeOptions {
  readonly address: string;
  readonly ikePort: number;
  readonly nattPort: number;
  readonly ike?: string;
  readonly esp?: string;
}

function specs(text: string, kind: "ike" | "esp") {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new Error(r.error);
  return r.specs;
}

const ANY = selectorFromCidr(parseCidr("0.0.0.0/0") ?? { address: new Uint8Array(4), prefixLength: 0 });

export class TestUe {
  readonly events: IkeEvent[] = [];
  /** Inner packets delivered by our ESP SAs (downlink). */
  readonly inner: Uint8Array[] = [];
  /** ESP packets we sent, as sent. */
  readonly espSent: Uint8Array[] = [];
  /** IKE messages we received (without the non-ESP marker). */
  readonly ikeReceived: Uint8Array[] = [];
  /** IKE messages we sent (without the non-ESP marker). */
  readonly ikeSent: Uint8Array[] = [];
  readonly counters = new Counters();
  readonly node: IkeNode;
  readonly tunnels: EspTunnels;
  sa: IkeSa | undefined;

  private constructor(readonly o: UeOptions, private readonly io: { sockets?: IkeUdpSockets }) {
    this.tunnels = new EspTunnels({
      sendEsp: (p, r) => {
        this.espSent.push(p.slice());
        io.sockets?.sendEsp(p, r);
      },
      deliver: (p) => void this.inner.push(p.slice()),
    }, this.counters);
    this.node = new IkeNode({
      clock: systemClock,
      random: (n) => new Uint8Array(randomBytes(n)),
      sender: {
        send: (m, l, r) => {
          this.ikeSent.push(m.slice());
          io.sockets?.sendIke(m, l, r);
        },
      },
      sink: this.tunnels,
      log: createLogger("error", () => {}),
      counters: this.counters,
      onEvent: (e) => void this.events.push(e),
    });
  }

  static async open(o: UeOptions): Promise<TestUe> {
    const io: { sockets?: IkeUdpSockets } = {};
    const ue = new TestUe(o, io);
    io.sockets = await IkeUdpSockets.open({ address: o.address, ikePort: o.ikePort, nattPort: o.nattPort }, {
      onIke: (m, r, l) => {
        ue.ikeReceived.push(m.slice());
        ue.node.receive(m, r, l);
      },
      onEsp: (p, spi, r) => ue.tunnels.receive(p, spi, r),
    });
    return ue;
  }

  /** Starts IKE_SA_INIT + IKE_AUTH with the SeGW (PSK, ID_KEY_ID, CP for a virtual IPv4 address unless told not to, TS 0.0.0.0/0 both ways). */
  connect(ports: LabPorts, idi: Uint8Array, psk: Uint8Array, requestVirtualIp = true): IkeSa {
    this.sa = this.node.initiate({
      local: { address: this.o.address, port: this.o.ikePort },
      remote: { address: "127.0.0.1", port: ports.ikePort },
      idi: { idType: IdType.ID_KEY_ID, data: idi },
      psk,
      ikeProposals: specs(this.o.ike ?? "aes128gcm16-prfsha256-ecp256", "ike"),
      espProposals: specs(this.o.esp ?? "aes128gcm16", "esp"),
      tsi: [ANY],
      tsr: [ANY],
      requestVirtualIp,
      nattPorts: { local: this.o.nattPort, remote: ports.nattPort },
    });
    return this.sa;
  }

  /** The established IKE SA (after connect and child-sa-up). @throws Error if there is none. */
  get established(): IkeSa {
    const sa = this.node.sas.find((s) => s.state === "established");
    if (!sa) throw new Error(`no established IKE SA: ${JSON.stringify(this.events)}`);
    return sa;
  }

  hasEvent(kind: IkeEvent["event"]): boolean {
    return this.events.some((e) => e.event === kind);
  }

  /**
   * Encrypts an inner packet with our outbound ESP SA and sends it, without the sender-side
   * selector check of EspTunnels.send: a UE that misbehaves, so the SeGW must enforce 16.2.2.
   * Returns the ESP packet.
   */
  sendInner(inner: Uint8Array): Uint8Array {
    const t = this.tunnels.findOutbound(this.established);
    if (!t) throw new Error("no CHILD SA");
    const esp = t.outbound.encapsulate(inner, inner[0] !== undefined && inner[0] >> 4 === 6 ? NextHeader.IPV6 : NextHeader.IPV4);
    if (isEspDrop(esp)) throw new Error(`ESP ${esp.drop}`);
    this.sendRawEsp(esp);
    return esp;
  }

  /** Sends any octets as a UDP-encapsulated ESP packet to the SeGW's NAT-T port. */
  sendRawEsp(packet: Uint8Array): void {
    this.espSent.push(packet.slice());
    this.io.sockets?.sendEsp(packet, this.established.remote);
  }

  /** Sends an IKE message from our NAT-T socket to the SeGW's (non-ESP marker added). */
  sendIke(message: Uint8Array): void {
    const sa = this.established;
    this.io.sockets?.sendIke(message, sa.local, sa.remote);
  }

  close(): void {
    this.io.sockets?.close();
  }
}

/** What a legitimate UE achieved: up (CHILD SA installed) and its uplink LWIPEP packet seen at the eNB on its TEID. */
export interface LegitimateOutcome {
  readonly ue: TestUe;
  readonly up: boolean;
  readonly uplinkForwarded: boolean;
}

/**
 * The legitimate UE of TS 33.401 16.2: the eNB provisions its IDi and PSK, the UE sets up its
 * IKE SA and CHILD SA, and sends one LWIPEP packet to its eNB's LWIP endpoint, which must reach
 * the eNB's GTP-U socket on the provisioned TEID. Runs while the test's attacks run.
 */
export async function legitimateUe(
  lab: HostileLab, ports: LabPorts, o: UeOptions & { readonly idi: Uint8Array; readonly psk: Uint8Array; readonly teid: number; readonly provisioned?: boolean },
): Promise<LegitimateOutcome> {
  const status = o.provisioned ? 200 : await lab.provision(o.idi, o.psk, o.teid);
  if (status !== 200) throw new Error(`LWIP ADDITION REQUEST answered ${status}`);
  const ue = await TestUe.open(o);
  ue.connect(ports, o.idi, o.psk);
  const up = await eventually(() => ue.hasEvent("child-sa-up"), 8000);
  if (!up) return { ue, up, uplinkForwarded: false };
  const vip = ue.established.virtualIp ?? new Uint8Array(4);
  const payload = lwipepSample(1, o.teid & 0xffff);
  ue.sendInner(encodeIpv4({ src: vip, dst: ENB_LWIP, protocol: GRE_IP_PROTOCOL, ttl: 64, id: 1, flags: 0x2, payload }));
  const uplinkForwarded = await eventually(() => lab.gpdus.some((g) => g.teid === o.teid && bytesEqual(g.payload, payload)), 3000);
  return { ue, up, uplinkForwarded };
}
