/**
 * The UE LWIP function (TS 33.401 clause 16, UE side). It applies the eNB's RRC LWIP
 * configuration, derives the LWIP-PSK from its own KeNB and the LWIP counter (16.4.1), runs the
 * IKEv2 initiator with the IDi to the SeGW address it was given (16.2.2), deletes the PSK once the
 * handshake succeeded (16.2.2), carries the SDUs of its DRBs in LWIPEP through the tunnel or over
 * LTE as configured, reports WLAN loss found by liveness checks (16.6), and releases the tunnel on
 * RRC command, handover or KeNB refresh (16.5, 16.4.2) and radio link failure (16.6).
 */
import type { Tunnel } from "../dataplane/esp-tunnels.js";
import type { IkeTiming, KeyExport } from "../ike/context.js";
import type { IkeEvent } from "../ike/events.js";
import type { ProposalSpec } from "../ike/proposal.js";
import { systemClock, type Clock } from "../io/clock.js";
import { silentLogger, type Logger } from "../io/log.js";
import { formatIp } from "../ike/traffic-selector.js";
import { toHex } from "../wire/hex.js";
import type { Cell, DownlinkFrame, UplinkFrame } from "./air-frames.js";
import type { UeAirLink } from "./air-interface.js";
import { AsSecurityContext } from "./as-security.js";
import { RELEASE_CLAUSE, type Clause, type LwipEvent, type SduPath } from "./events.js";
import { readDownlinkInner, uplinkInnerPacket } from "./lwip-inner.js";
import { lwipDownlink, lwipUplink, type DrbTypeLwipR13, type MobilityControlInfo, type RRCConnectionReconfiguration, type RrcUplinkMessage, type WlanStatusR13 } from "./rrc.js";
import { UeTunnel, type UeTunnelOptions } from "./ue-tunnel.js";
import { UeWlan, type WlanDatagram } from "./ue-wlan.js";

export interface LwipUeOptions {
  /** The UE's name, by which the eNB's simulated MME knows its KeNB. */
  readonly ueId: string;
  /** KeNB of the UE's AS security context (copied; the UE zeroizes its copy on stop). */
  readonly kenb: Uint8Array;
  /** The UE's WLAN MAC address (6 octets), reported in its capability for XwAP's UE Identity. */
  readonly wlanMac: Uint8Array;
  readonly link: UeAirLink;
  /** The UE's own WLAN address (one per UE, e.g. 127.0.1.x), bound with ikePort and nattPort. */
  readonly wlanAddress: string;
  /** Our IKE and NAT-T ports; 500 and 4500 by default. */
  readonly ikePort?: number;
  readonly nattPort?: number;
  /** The SeGW's ports (RRC gives only its address); 500 and 4500 by default. */
  readonly segwIkePort?: number;
  readonly segwNattPort?: number;
  readonly ikeProposals?: readonly ProposalSpec[];
  readonly espProposals?: readonly ProposalSpec[];
  /** Retransmission and liveness timing: dpdMs is how fast WLAN loss is noticed. */
  readonly ikeTiming?: IkeTiming;
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly onEvent?: (e: LwipEvent) => void;
  /** The IKE engine's own events (SPIs, algorithms), for traces. */
  readonly onIkeEvent?: (e: IkeEvent) => void;
  /** A downlink PDCP SDU arrived. */
  readonly onSdu?: (drbId: number, sdu: Uint8Array, path: SduPath) => void;
  /** Every LWIP-PSK buffer the UE derives, so a test can check that it was zeroized (16.2.2). */
  readonly onPskDerived?: (psk: Uint8Array) => void;
  /** Debugging only: IKE and ESP keys for Wireshark's decryption tables. */
  readonly exportKeys?: (k: KeyExport) => void;
  /** Every WLAN datagram, for captures. */
  readonly wlanTap?: (d: WlanDatagram) => void;
  /** How long start() waits for the eNB to accept the UE. Default 10 s. */
  readonly attachTimeoutMs?: number;
}

/** Why the UE dropped a downlink SDU, counted in `drops`. */
export type UeDrop = "unknown-drb" | "dl-not-offloaded" | "no-tunnel" | "malformed-ip" | "not-from-enb" | "not-lwipep" | "bad-lwipep" | "invalid-frame";

export class LwipUe {
  readonly drbs = new Map<number, DrbTypeLwipR13>();
  readonly drops = new Map<UeDrop, number>();
  private readonly as: AsSecurityContext;
  private cell: Cell | undefined;
  private cRnti: Uint8Array | undefined;
  private reestablishing = false;
  private attached: (() => void) | undefined;
  private ipId = 0;
  private readonly tunnel: UeTunnel;

  private constructor(
    private readonly o: LwipUeOptions,
    readonly wlan: UeWlan,
  ) {
    this.as = new AsSecurityContext(o.kenb);
    const t: UeTunnelOptions = {
      ueId: o.ueId, wlan, as: this.as,
      segwIkePort: o.segwIkePort ?? 500, segwNattPort: o.segwNattPort ?? 4500,
      emit: (e) => this.emit(e),
      reportWlan: (s) => this.reportWlan(s),
      ...(o.ikeProposals ? { ikeProposals: o.ikeProposals } : {}),
      ...(o.espProposals ? { espProposals: o.espProposals } : {}),
      ...(o.onPskDerived ? { onPskDerived: o.onPskDerived } : {}),
    };
    this.tunnel = new UeTunnel(t);
  }

  /**
   * Opens the UE's WLAN sockets, attaches over the air interface and reports its LWIP capability.
   * @throws Error if the sockets cannot be bound or the eNB does not accept the UE in time.
   */
  static async start(o: LwipUeOptions): Promise<LwipUe> {
    const holder: { ue?: LwipUe } = {};
    const wlan = await UeWlan.open(
      {
        address: o.wlanAddress, ikePort: o.ikePort ?? 500, nattPort: o.nattPort ?? 4500,
        clock: o.clock ?? systemClock, log: o.log ?? silentLogger,
        ...(o.ikeTiming ? { timing: o.ikeTiming } : {}),
        ...(o.exportKeys ? { exportKeys: o.exportKeys } : {}),
        ...(o.wlanTap ? { tap: o.wlanTap } : {}),
      },
      { ikeEvent: (e) => holder.ue?.onIkeEvent(e), inner: (p, t) => holder.ue?.onInner(p, t) },
    );
    const ue = (holder.ue = new LwipUe(o, wlan));
    const attached = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`UE ${o.ueId}: the eNB did not accept the attach`)), o.attachTimeoutMs ?? 10_000);
      ue.attached = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    o.link.listen({ frame: (f) => ue.onFrame(f), closed: () => ue.onLinkClosed(), invalid: () => ue.drop("invalid-frame") });
    o.link.send({ kind: "attach", ueId: o.ueId });
    try {
      await attached;
    } catch (e) {
      ue.stop();
      throw e;
    }
    return ue;
  }

  get ueId(): string {
    return this.o.ueId;
  }

  /** Whether an LWIP configuration is applied (tunnel up or not). */
  get lwipConfigured(): boolean {
    return this.tunnel.configured;
  }

  /** Whether the IPsec tunnel is up. */
  get tunnelUp(): boolean {
    return this.tunnel.up;
  }

  /** The virtual (inner) address the SeGW assigned, while the tunnel is up. */
  get virtualIp(): string | undefined {
    const v = this.tunnel.virtualIp;
    return v && formatIp(v);
  }

  /** IKE SAs the UE holds (0 after any release). */
  get ikeSaCount(): number {
    return this.wlan.node.sas.length;
  }

  /**
   * Sends one uplink PDCP SDU on `drbId`: through the tunnel when the DRB's uplink uses LWIP and
   * the tunnel is up, otherwise over LTE. Returns the path, or undefined for an unknown DRB.
   */
  sendUplink(drbId: number, sdu: Uint8Array): SduPath | undefined {
    const type = this.drbs.get(drbId);
    if (type === undefined) return undefined;
    const route = this.tunnel.route();
    if (lwipUplink(type) && route) {
      const packet = uplinkInnerPacket(route.virtualIp, route.enbLwipEndpoint, ++this.ipId, drbId, sdu);
      if (packet && this.wlan.tunnels.send(route.sa, packet)) return "wlan";
    }
    this.send({ kind: "pdcp-sdu", drbId, bytes: sdu });
    return "lte";
  }

  /**
   * The simulated WLAN radio: off, no datagram leaves or arrives (the loss is then noticed by
   * liveness checks, 16.6); back on after a reported loss, the UE reports the regained
   * connection so that the eNB can set up a fresh tunnel with a new PSK (16.6).
   */
  setWlanAvailable(up: boolean): void {
    const was = this.wlan.available;
    this.wlan.available = up;
    if (up && !was) this.tunnel.wlanRestored();
  }

  /** The UE detects a radio link failure (simulation): both ends learn of it. */
  radioLinkFailure(): void {
    this.send({ kind: "radio-link-failure" });
    this.onRadioLinkFailure();
  }

  /** Detaches: the SAs are deleted (their Deletes sent), keys and PSK zeroized, the link closed. */
  stop(): void {
    this.tunnel.release("detach");
    this.wlan.close();
    this.o.link.close();
    this.as.wipe();
  }

  private emit(e: LwipEvent): void {
    this.o.onEvent?.(e);
  }

  private base(clause: Clause | null) {
    return { node: "UE" as const, ue: this.o.ueId, clause };
  }

  private send(f: UplinkFrame): void {
    this.o.link.send(f);
  }

  private sendRrc(m: RrcUplinkMessage): void {
    this.send({ kind: "rrc", message: m });
  }

  private drop(why: UeDrop): void {
    this.drops.set(why, (this.drops.get(why) ?? 0) + 1);
  }

  private onFrame(f: DownlinkFrame): void {
    switch (f.kind) {
      case "attached":
        return this.onAttached(f.cell, f.cRnti);
      case "pdcp-sdu":
        if (!this.drbs.has(f.drbId)) return this.drop("unknown-drb");
        return this.o.onSdu?.(f.drbId, f.bytes, "lte");
      case "radio-link-failure":
        return this.onRadioLinkFailure();
      case "rrc":
        if ("rrcConnectionReconfiguration" in f.message) return this.applyReconfiguration(f.message.rrcConnectionReconfiguration);
        return this.onReestablishment();
    }
  }

  private onAttached(cell: Cell, cRnti: Uint8Array): void {
    this.cell = cell;
    this.cRnti = cRnti;
    this.sendRrc({ ueCapabilityInformation: { "rrc-TransactionIdentifier": 0, "lwip-Parameters-r13": { "lwip-r13": "supported" }, "wlan-MAC-Address-r13": this.o.wlanMac } });
    this.emit({ event: "ue-attached", ...this.base(null), physCellId: cell.physCellId, wlanMac: toHex(this.o.wlanMac) });
    this.attached?.();
    this.attached = undefined;
  }

  /** TS 36.331 §5.3.5.3 / §5.3.5.4, in their order: mobility first, then DRBs, then LWIP. */
  private applyReconfiguration(r: RRCConnectionReconfiguration): void {
    if (r.mobilityControlInfo) this.applyMobility(r.mobilityControlInfo);
    const dedicated = r.radioResourceConfigDedicated;
    for (const id of dedicated?.["drb-ToReleaseList"] ?? []) this.drbs.delete(id);
    for (const d of dedicated?.["drb-ToAddModList"] ?? []) {
      // drb-TypeLWIP-r13 is Need ON: absent on a known DRB keeps its type; a new DRB without it is E-UTRAN only.
      this.drbs.set(d["drb-Identity"], d["drb-TypeLWIP-r13"] ?? this.drbs.get(d["drb-Identity"]) ?? "eutran");
    }
    const lwip = r["lwip-Configuration-r13"];
    if (lwip && "release" in lwip) this.tunnel.release("rrc-release");
    else if (lwip) this.tunnel.applySetup(lwip.setup["lwip-Config-r13"]);
    this.sendRrc({ rrcConnectionReconfigurationComplete: { "rrc-TransactionIdentifier": r["rrc-TransactionIdentifier"] } });
  }

  /**
   * Handover (or intra-cell handover for a KeNB refresh): TS 36.331 §5.3.5.4 releases LWIP first
   * (TS 33.401 16.5 / 16.4.2: the tunnel is released and the PSK deleted), then KeNB* is derived
   * for the target cell.
   */
  private applyMobility(m: MobilityControlInfo): void {
    const current = this.cell;
    if (!current) return;
    const target: Cell = { physCellId: m.targetPhysCellId, dlEarfcn: m.carrierFreq?.["dl-CarrierFreq"] ?? current.dlEarfcn };
    const intraCell = target.physCellId === current.physCellId && target.dlEarfcn === current.dlEarfcn;
    const reason = intraCell ? "key-refresh" : "handover";
    this.tunnel.release(reason);
    this.as.refresh(target);
    this.cell = target;
    this.cRnti = m["newUE-Identity"];
    this.emit({ event: "kenb-refreshed", ...this.base(RELEASE_CLAUSE[reason]), reason, physCellId: target.physCellId });
  }

  /** TS 36.331 §5.3.7.2: re-establishment releases LWIP; TS 33.401 16.6: the tunnel is released at the UE. */
  private onRadioLinkFailure(): void {
    if (this.reestablishing || !this.cell || !this.cRnti) return;
    this.reestablishing = true;
    this.emit({ event: "radio-link-failure", ...this.base("16.6") });
    this.tunnel.release("radio-link-failure");
    this.sendRrc({ rrcConnectionReestablishmentRequest: { "ue-Identity": { "c-RNTI": this.cRnti, physCellId: this.cell.physCellId }, reestablishmentCause: "otherFailure" } });
  }

  /** RRCConnectionReestablishment: KeNB* for the serving cell (TS 33.401 §7.2.8.4.x horizontal derivation). */
  private onReestablishment(): void {
    if (!this.reestablishing || !this.cell) return;
    this.reestablishing = false;
    this.as.refresh(this.cell);
    this.emit({ event: "kenb-refreshed", ...this.base("16.6"), reason: "reestablishment", physCellId: this.cell.physCellId });
  }

  private reportWlan(status: WlanStatusR13): void {
    this.sendRrc({ "wlanConnectionStatusReport-r13": { "wlan-Status-r13": status } });
    this.emit({ event: "wlan-status-report", ...this.base("16.6"), from: "UE", to: "eNB", status });
  }

  /** The eNB went away (or released the UE after a handover elsewhere): leaving RRC_CONNECTED releases LWIP (TS 36.331 §5.3.12). */
  private onLinkClosed(): void {
    this.tunnel.release("detach");
    this.emit({ event: "ue-detached", ...this.base(null) });
  }

  private onIkeEvent(e: IkeEvent): void {
    this.o.onIkeEvent?.(e);
    this.tunnel.onIkeEvent(e);
  }

  private onInner(packet: Uint8Array, tunnel: Tunnel): void {
    const route = this.tunnel.route();
    if (!route || tunnel.ikeSa !== route.sa) return this.drop("no-tunnel");
    const r = readDownlinkInner(packet, route.virtualIp, route.enbLwipEndpoint);
    if (typeof r === "string") return this.drop(r);
    const type = this.drbs.get(r.drbId);
    if (type === undefined || !lwipDownlink(type)) return this.drop(type === undefined ? "unknown-drb" : "dl-not-offloaded");
    this.o.onSdu?.(r.drbId, r.sdu.slice(), "wlan");
  }
}
