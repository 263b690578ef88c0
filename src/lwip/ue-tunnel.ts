/**
 * The UE's LWIP tunnel from RRC configuration to release: PSK derivation (TS 33.401 16.4.1), the
 * IKEv2 handshake with the given IDi and SeGW address (16.2.2), deleting the PSK once it succeeded
 * (16.2.2), WLAN loss from liveness and the report to the eNB (16.6), and release (16.3-16.6).
 */
import type { IkeEvent } from "../ike/events.js";
import { parseProposalList, type ProposalSpec } from "../ike/proposal.js";
import { IdType } from "../ike/registry.js";
import type { IkeSa } from "../ike/sa/ike-sa.js";
import { formatIp, selectorFromCidr } from "../ike/traffic-selector.js";
import { toHex } from "../wire/hex.js";
import type { AsSecurityContext } from "./as-security.js";
import { RELEASE_CLAUSE, type Clause, type LwipEvent, type ReleaseTrigger } from "./events.js";
import { ipAddressOctets, type LwipConfigR13, type WlanStatusR13 } from "./rrc.js";
import type { UeWlan } from "./ue-wlan.js";

/** The LWIP profile proposals (spec brief §6.4; the SeGW's defaults): AES-GCM with ECP-256 first. */
export const LWIP_IKE_PROPOSALS = "aes128gcm16-prfsha256-ecp256,aes128-sha256-modp2048";
export const LWIP_ESP_PROPOSALS = "aes128gcm16,aes128-sha256";

/** @throws Error if a built-in proposal string does not parse (a bug). */
function builtIn(text: string, kind: "ike" | "esp"): ProposalSpec[] {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new Error(r.error);
  return r.specs;
}

export interface UeTunnelOptions {
  readonly ueId: string;
  readonly wlan: UeWlan;
  readonly as: AsSecurityContext;
  readonly segwIkePort: number;
  readonly segwNattPort: number;
  readonly ikeProposals?: readonly ProposalSpec[];
  readonly espProposals?: readonly ProposalSpec[];
  readonly onPskDerived?: (psk: Uint8Array) => void;
  emit(e: LwipEvent): void;
  reportWlan(status: WlanStatusR13): void;
}

/** What TunnelConfigLWIP-r13 and WLAN-MobilityConfig-r13 told the UE. */
interface Config {
  readonly segw: Uint8Array;
  readonly idi: Uint8Array;
  successReportRequested: boolean;
}

/** One IKEv2 handshake and the tunnel it made. */
interface Attempt {
  readonly sa: IkeSa;
  readonly idiHex: string;
  /** Our LWIP-PSK buffer: zeroized after IKE_AUTH succeeds, fails, or the attempt ends. */
  readonly psk: Uint8Array;
  up: boolean;
  virtualIp?: Uint8Array | undefined;
  enbLwipEndpoint?: Uint8Array | undefined;
}

/** Where uplink LWIPEP goes while the tunnel is up. */
export interface UeRoute {
  readonly sa: IkeSa;
  readonly virtualIp: Uint8Array;
  readonly enbLwipEndpoint: Uint8Array;
}

function newest(sa: IkeSa): IkeSa {
  let s = sa;
  while (s.rekeyedTo) s = s.rekeyedTo;
  return s;
}

export class UeTunnel {
  private config: Config | undefined;
  private attempt: Attempt | undefined;
  /** A WLAN failure was reported and the configuration kept: report success when WLAN is back (16.6). */
  private wlanFailed = false;
  private readonly ikeProposals: readonly ProposalSpec[];
  private readonly espProposals: readonly ProposalSpec[];

  constructor(private readonly o: UeTunnelOptions) {
    this.ikeProposals = o.ikeProposals ?? builtIn(LWIP_IKE_PROPOSALS, "ike");
    this.espProposals = o.espProposals ?? builtIn(LWIP_ESP_PROPOSALS, "esp");
  }

  get configured(): boolean {
    return this.config !== undefined;
  }

  get up(): boolean {
    return this.attempt?.up ?? false;
  }

  get virtualIp(): Uint8Array | undefined {
    return this.attempt?.up ? this.attempt.virtualIp : undefined;
  }

  route(): UeRoute | undefined {
    const a = this.attempt;
    if (!a?.up || !a.virtualIp || !a.enbLwipEndpoint) return undefined;
    return { sa: newest(a.sa), virtualIp: a.virtualIp, enbLwipEndpoint: a.enbLwipEndpoint };
  }

  private base(clause: Clause | null) {
    return { node: "UE" as const, ue: this.o.ueId, clause };
  }

  /** LWIP-Configuration-r13 setup (TS 36.331 §5.6.17.2). */
  applySetup(cfg: LwipConfigR13): void {
    const mobility = cfg["lwip-MobilityConfig-r13"];
    const tunnel = cfg["tunnelConfigLWIP-r13"];
    if (!tunnel) {
      if (this.config && mobility) this.config.successReportRequested = mobility["successReportRequested-r13"] === "true";
      return;
    }
    const idi = tunnel["ike-Identity-r13"]["idI-r13"];
    const counter = tunnel["lwip-Counter-r13"];
    // A new tunnel configuration replaces the old one and its tunnel: a fresh set-up (16.4.2, 16.6).
    this.stopAttempt();
    this.config = { segw: ipAddressOctets(tunnel["ip-Address-r13"]), idi, successReportRequested: mobility?.["successReportRequested-r13"] === "true" };
    this.wlanFailed = false;
    if (counter === undefined) {
      // TS 36.331: lwip-Counter-r13 is mandatory when the tunnel is set up (Cond LWIP-Setup).
      this.o.emit({ event: "lwip-tunnel-failed", ...this.base("16.4.1"), idi: toHex(idi), reason: "tunnelConfigLWIP-r13 without lwip-Counter-r13" });
      return;
    }
    this.start(this.config, counter);
  }

  /** Derives the PSK (16.4.1) and starts IKEv2 with IDi towards the SeGW address from RRC (16.2.2). */
  private start(c: Config, counter: number): void {
    const psk = this.o.as.lwipPsk(counter);
    this.o.onPskDerived?.(psk);
    this.o.emit({ event: "lwip-psk-derived", ...this.base("16.4.1"), lwipCounter: counter });
    if (!this.o.wlan.available) {
      psk.fill(0);
      this.wlanFailed = true;
      this.o.reportWlan("failureWlanUnavailable");
      return;
    }
    const any = selectorFromCidr({ address: new Uint8Array(c.segw.length), prefixLength: 0 });
    const segw = formatIp(c.segw);
    const sa = this.o.wlan.node.initiate({
      local: this.o.wlan.ikeEndpoint,
      remote: { address: segw, port: this.o.segwIkePort },
      idi: { idType: IdType.ID_KEY_ID, data: c.idi },
      psk,
      ikeProposals: this.ikeProposals,
      espProposals: this.espProposals,
      // TSr is narrowed by the SeGW to the eNB's LWIP endpoint (16.2.2); we learn it from its answer.
      tsi: [any],
      tsr: [any],
      requestVirtualIp: true,
      nattPorts: { local: this.o.wlan.nattPort, remote: this.o.segwNattPort },
    });
    this.attempt = { sa, idiHex: toHex(c.idi), psk, up: false };
    this.o.emit({ event: "ike-initiated", ...this.base("16.2.2"), from: "UE", to: "SeGW", segw, idi: toHex(c.idi) });
  }

  /** Releases the LWIP configuration and the tunnel: SAs deleted, keys and PSK zeroized. */
  release(trigger: ReleaseTrigger): void {
    const had = this.config !== undefined || this.attempt !== undefined;
    this.stopAttempt();
    this.config = undefined;
    this.wlanFailed = false;
    if (had) this.o.emit({ event: "lwip-released", ...this.base(RELEASE_CLAUSE[trigger]), trigger });
  }

  /** WLAN is back: if a loss was reported, say so; the eNB answers with a fresh set-up (16.6). */
  wlanRestored(): void {
    if (!this.wlanFailed || !this.config) return;
    this.wlanFailed = false;
    this.o.emit({ event: "wlan-restored", ...this.base("16.6") });
    if (this.config.successReportRequested) this.o.reportWlan("successfulAssociation");
  }

  private stopAttempt(): void {
    const a = this.attempt;
    if (!a) return;
    this.attempt = undefined;
    a.psk.fill(0);
    // The UE holds one IKE SA at a time: shutdown sends its Delete and zeroizes its keys at once.
    this.o.wlan.node.shutdown();
  }

  onIkeEvent(e: IkeEvent): void {
    const a = this.attempt;
    if (!a) return;
    if (e.event === "ike-sa-failed") {
      if (e.role !== "initiator" || e.idi !== a.idiHex) return;
      this.attempt = undefined;
      a.psk.fill(0);
      this.o.emit({ event: "lwip-tunnel-failed", ...this.base("16.2.2"), idi: a.idiHex, reason: e.reason });
      return;
    }
    if (e.event !== "ike-sa-up" && e.event !== "child-sa-up" && e.event !== "ike-sa-down") return;
    if (e.spiI !== toHex(newest(a.sa).spiI)) return;
    if (e.event === "ike-sa-up") {
      // TS 33.401 16.2.2: "After successful completion of the IKEv2 handshake, ... the UE shall delete the LWIP-PSK."
      a.psk.fill(0);
      this.o.emit({ event: "lwip-psk-deleted", ...this.base("16.2.2"), idi: a.idiHex });
    } else if (e.event === "child-sa-up") {
      this.onTunnelUp(a);
    } else if (e.reason !== "rekeyed") {
      this.onTunnelDown(a, e.reason);
    }
  }

  private onTunnelUp(a: Attempt): void {
    const sa = newest(a.sa);
    a.up = true;
    a.virtualIp = sa.virtualIp;
    a.enbLwipEndpoint = sa.children[0]?.tsRemote[0]?.startAddress;
    this.o.emit({
      event: "lwip-tunnel-up", ...this.base("16.2.2"), idi: a.idiHex,
      virtualIp: a.virtualIp ? formatIp(a.virtualIp) : null,
      enbLwipEndpoint: a.enbLwipEndpoint ? formatIp(a.enbLwipEndpoint) : null,
    });
  }

  private onTunnelDown(a: Attempt, reason: string): void {
    this.attempt = undefined;
    a.psk.fill(0);
    if (reason !== "dpd-timeout" && reason !== "retransmit-timeout") {
      this.o.emit({ event: "lwip-tunnel-down", ...this.base(null), idi: a.idiHex, reason });
      return;
    }
    // TS 33.401 16.6: the tunnel was lost with WLAN; the eNB may set up a fresh one once WLAN is back.
    this.o.emit({ event: "wlan-loss-detected", ...this.base("16.6"), reason });
    if (!this.config) return;
    this.wlanFailed = true;
    this.o.reportWlan("failureWlanRadioLink");
  }
}
