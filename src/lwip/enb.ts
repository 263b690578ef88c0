/**
 * The eNB LWIP function (TS 33.401 clause 16, eNB side): UEs attach over the simulated air
 * interface, the eNB keeps their AS context and LWIP counter, provisions the SeGW over the
 * control API (Xw-C) and configures the UEs over RRC (enb-procedures.ts), and carries each DRB's
 * PDCP SDUs over LWIP (LWIPEP in GTP-U to the SeGW, Xw-U) or over LTE as the DRB is configured.
 */
import { ControlApiClient, type ControlClientOptions } from "../segw/control-api/client.js";
import { parseIp } from "../ike/traffic-selector.js";
import { systemClock, type Clock } from "../io/clock.js";
import { silentLogger, type Logger } from "../io/log.js";
import { fromHex, toHex } from "../wire/hex.js";
import type { Cell, UplinkFrame } from "./air-frames.js";
import { listenAirInterface, type AirAddress, type AirServer, type EnbAirLink } from "./air-interface.js";
import { AsSecurityContext, LwipCounter } from "./as-security.js";
import { EnbUe, failed, type LwipSession, type Outcome } from "./enb-ue.js";
import * as proc from "./enb-procedures.js";
import { DEFAULT_REESTABLISH_BACKOFF, Reestablisher, type ReestablishBackoff } from "./enb-reestablish.js";
import { EnbUserPlane, type XwuDatagram } from "./enb-user-plane.js";
import { XwClient, type XwStreamEvent } from "./enb-xw.js";
import type { DrbConfig, LwipEvent, SduPath } from "./events.js";
import { lwipDownlink } from "./rrc.js";

/** How long start() waits for the NDS/IP SA before going on without it (it keeps trying). */
const NDS_IP_SETUP_MS = 10_000;

export interface LwipEnbOptions {
  /** The control API of the SeGW and our client certificate (NDS/IP-protected Xw-C, TS 33.401 16.2.3). */
  readonly controlApi: ControlClientOptions;
  /**
   * The SeGW address UEs are given (TunnelConfigLWIP-r13 ip-Address-r13, 16.2.1), unless the SeGW's
   * LWIP ADDITION REQUEST ACKNOWLEDGE names another (lwipSegwIpAddress: the worker holding the UE).
   */
  readonly segwAddress: string;
  /** Our Xw-U address: the gtpAddress the SeGW has configured for this eNB. */
  readonly gtpAddress: string;
  /** Our GTP-U port (2152) and the SeGW's (2152). */
  readonly gtpPort?: number;
  readonly segwGtpPort?: number;
  /** This eNB's cells; UEs attach to the first. A handover to another cell of this list keeps the UE. */
  readonly cells: readonly Cell[];
  /** The simulated MME: each UE's KeNB by name (S1 Initial Context Setup); undefined refuses the UE. */
  readonly kenbFor: (ueId: string) => Uint8Array | undefined;
  /** The handshake window asked of the SeGW (TS 33.401 16.2.2 note); the SeGW's default if absent. */
  readonly windowSeconds?: number;
  /** Time of the back-off between attempts to set a lost tunnel up again; the system clock by default. */
  readonly clock?: Clock;
  /** That back-off (enb-reestablish.ts); DEFAULT_REESTABLISH_BACKOFF if absent. */
  readonly reestablishBackoff?: ReestablishBackoff;
  readonly log?: Logger;
  readonly onEvent?: (e: LwipEvent) => void;
  /** An uplink PDCP SDU arrived. */
  readonly onSdu?: (ueId: string, drbId: number, sdu: Uint8Array, path: SduPath) => void;
  /** Every Xw-U datagram, for captures. */
  readonly xwuTap?: (d: XwuDatagram) => void;
  /** NDS/IP built in (the SeGW's gtpu.ndsIp: builtin): our IKE ports and the SeGW's; the certificates are controlApi's. */
  readonly ndsIp?: {
    readonly ikePort: number; readonly nattPort: number; readonly segwIkePort: number; readonly segwNattPort: number;
    /**
     * The SeGW's backhaul (Xw-U) address, when it is not the address the UEs are given: the first Zb
     * SA; each other SeGW GTP-U address an acknowledge names gets its own (a multi-worker SeGW).
     */
    readonly segwAddress?: string;
  };
}

/** What the eNB shows of one UE. */
export interface EnbUeView {
  readonly ueId: string;
  readonly physCellId: number;
  /** The last LWIP counter used under the current KeNB (0: none yet). */
  readonly lwipCounter: number;
  readonly drbs: readonly DrbConfig[];
  readonly lwip: { readonly idi: string; readonly state: "provisioning" | "configured" | "connected"; readonly lwipCounter: number; readonly wtUeXwapId: string | null } | null;
  readonly awaitingWlan: boolean;
  /** A tunnel the SeGW lost is being set up again: attempts made so far (null: none under way). */
  readonly reestablishAttempts: number | null;
}

/** Counts of uplink SDUs refused by the eNB. */
export type EnbDrop = "unknown-drb" | "ul-not-offloaded";

export class LwipEnb {
  private readonly ues = new Map<string, EnbUe>();
  private readonly servers: AirServer[] = [];
  private readonly svc: proc.EnbServices;
  private readonly log: Logger;
  private readonly stream: { stop(): void };
  private readonly reestablisher: Reestablisher;
  private nextXwapId = 1;
  readonly drops = new Map<EnbDrop, number>();

  private constructor(
    private readonly o: LwipEnbOptions,
    readonly userPlane: EnbUserPlane,
    segwAddress: Uint8Array,
  ) {
    this.log = o.log ?? silentLogger;
    const xw = new XwClient(new ControlApiClient(o.controlApi), this.log);
    this.svc = {
      xw, userPlane, segwAddress, segwAddressText: o.segwAddress, gtpAddress: o.gtpAddress, windowSeconds: o.windowSeconds,
      byIdi: new Map(),
      emit: (e) => o.onEvent?.(e),
      uplink: (ue, drbId, sdu) => {
        if (!proc.uplinkAllowed(ue, drbId)) return this.drop("ul-not-offloaded");
        o.onSdu?.(ue.ueId, drbId, sdu, "wlan");
      },
    };
    this.reestablisher = new Reestablisher(this.svc, o.clock ?? systemClock, o.reestablishBackoff ?? DEFAULT_REESTABLISH_BACKOFF);
    this.stream = xw.streamEvents((e) => this.onSegwEvent(e), () => void this.onSegwReachable());
  }

  /**
   * Opens the Xw-U socket and follows the SeGW's event stream.
   * @throws Error for a bad SeGW address or no cell, or the GTP-U bind error.
   */
  static async start(o: LwipEnbOptions): Promise<LwipEnb> {
    const segw = parseIp(o.segwAddress);
    if (!segw) throw new Error(`not an IP address: ${o.segwAddress}`);
    if (o.cells.length === 0) throw new Error("an eNB needs at least one cell");
    const userPlane = await EnbUserPlane.open({
      address: o.gtpAddress,
      ...(o.gtpPort !== undefined ? { port: o.gtpPort } : {}),
      ...(o.segwGtpPort !== undefined ? { segwPort: o.segwGtpPort } : {}),
      ...(o.xwuTap ? { tap: o.xwuTap } : {}),
      ...(o.ndsIp ? { ndsIp: { ...o.ndsIp, segwAddress: o.ndsIp.segwAddress ?? o.segwAddress, cert: o.controlApi.cert, key: o.controlApi.key, ca: o.controlApi.ca, crl: o.controlApi.crl, ...(o.log ? { log: o.log } : {}) } } : {}),
    });
    // With NDS/IP built in, user data waits for the eNB's SA with the SeGW; give it a moment to come up.
    const deadline = Date.now() + NDS_IP_SETUP_MS;
    while (o.ndsIp && !userPlane.xwuReady && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (o.ndsIp && !userPlane.xwuReady) o.log?.warn("lwip", "NDS/IP SA to the SeGW not up yet; GTP-U waits for it", { segw: o.segwAddress });
    return new LwipEnb(o, userPlane, segw);
  }

  /** Accepts UEs over a local socket (multi-process mode). @throws the listen error. */
  async listen(address: AirAddress): Promise<AirServer> {
    const server = await listenAirInterface(address, (link) => this.attach(link));
    this.servers.push(server);
    return server;
  }

  /** Serves one UE's link: the UE attaches on it (in-process links and accepted sockets alike). */
  attach(link: EnbAirLink): void {
    let ue: EnbUe | undefined;
    link.listen({
      frame: (f) => {
        if (ue) return this.onFrame(ue, f);
        if (f.kind === "attach") ue = this.admit(link, f.ueId);
      },
      closed: () => {
        if (ue) this.detach(ue);
      },
      invalid: (e) => this.log.warn("lwip", "invalid air interface frame", { error: e.message }),
    });
  }

  /** The UEs attached now, and what LWIP state each is in. */
  /** Built-in NDS/IP: the SA to each SeGW address (up or not) and their counters (nds_ip_sa_lost, nds_ip_no_sa). */
  get ndsIp(): ReturnType<EnbUserPlane["ndsIpStatus"]> {
    return this.userPlane.ndsIpStatus();
  }

  get attached(): EnbUeView[] {
    return [...this.ues.values()].map((ue) => this.view(ue));
  }

  ue(ueId: string): EnbUeView | undefined {
    const ue = this.ues.get(ueId);
    return ue && this.view(ue);
  }

  /** Sets LWIP up for `ueId` with these DRBs (and any it already has on LWIP). */
  setupLwip(ueId: string, drbs: readonly DrbConfig[] = []): Promise<Outcome> {
    return this.onUe(ueId, (ue) => proc.configureDrbs(this.svc, ue, drbs));
  }

  /** Adds (or reconfigures) one DRB (16.3). */
  addDrb(ueId: string, drb: DrbConfig): Promise<Outcome> {
    return this.onUe(ueId, (ue) => proc.configureDrbs(this.svc, ue, [drb]));
  }

  /** Deletes one DRB; the last one on LWIP releases the tunnel (16.3). */
  deleteDrb(ueId: string, drbId: number): Promise<Outcome> {
    return this.onUe(ueId, (ue) => proc.deleteDrb(this.svc, ue, drbId));
  }

  /** Releases the UE's tunnel at the SeGW and the UE; its DRBs continue over LTE. */
  releaseLwip(ueId: string): Promise<Outcome> {
    return this.onUe(ueId, (ue) => proc.releaseLwip(this.svc, ue));
  }

  /** AS key refresh (16.4.2). */
  refreshKeys(ueId: string): Promise<Outcome> {
    return this.onUe(ueId, (ue) => proc.refreshKeys(this.svc, ue));
  }

  /** S1/X2 handover to `target` (16.5); a target that is not one of our cells takes the UE away. */
  async handover(ueId: string, target: Cell): Promise<Outcome> {
    const ours = this.o.cells.some((c) => c.physCellId === target.physCellId && c.dlEarfcn === target.dlEarfcn);
    const r = await this.onUe(ueId, (ue) => proc.handover(this.svc, ue, target, ours));
    const ue = this.ues.get(ueId);
    if (r.ok && !ours && ue) {
      // X2/S1 handover complete at the source: UE Context Release.
      ue.link.close();
      this.detach(ue);
    }
    return r;
  }

  /** A radio link failure of the UE detected by the eNB (simulation, 16.6). */
  radioLinkFailure(ueId: string): Promise<Outcome> {
    return this.onUe(ueId, (ue) => proc.radioLinkFailure(this.svc, ue, true));
  }

  /**
   * Sends one downlink PDCP SDU: over LWIP when the DRB's downlink uses it and the SeGW reported
   * the tunnel up, else over LTE. Returns the path, or undefined for an unknown UE or DRB.
   */
  sendDownlink(ueId: string, drbId: number, sdu: Uint8Array): SduPath | undefined {
    const ue = this.ues.get(ueId);
    const type = ue?.drbs.get(drbId);
    if (!ue || type === undefined) return undefined;
    const s = ue.session;
    if (lwipDownlink(type) && s?.state === "connected" && s.segwGtp && this.userPlane.sendDownlink(s.segwGtp, drbId, sdu)) return "wlan";
    ue.link.send({ kind: "pdcp-sdu", drbId, bytes: sdu });
    return "lte";
  }

  /** Releases every UE's tunnel at the SeGW, then closes sockets and links. */
  async stop(): Promise<void> {
    for (const s of this.servers.splice(0)) await s.close();
    await Promise.all([...this.ues.values()].map((ue) => ue.run(() => proc.releaseAtSegw(this.svc, ue, "detach"))));
    for (const ue of [...this.ues.values()]) {
      ue.link.close();
      this.detach(ue);
    }
    this.stream.stop();
    this.userPlane.close();
  }

  private drop(why: EnbDrop): void {
    this.drops.set(why, (this.drops.get(why) ?? 0) + 1);
  }

  private onUe(ueId: string, fn: (ue: EnbUe) => Promise<Outcome>): Promise<Outcome> {
    const ue = this.ues.get(ueId);
    return ue ? ue.run(() => fn(ue)) : Promise.resolve(failed(`no UE ${ueId}`));
  }

  private view(ue: EnbUe): EnbUeView {
    const s = ue.session;
    return {
      ueId: ue.ueId, physCellId: ue.cell.physCellId, lwipCounter: ue.counter.current, drbs: ue.allDrbs, awaitingWlan: ue.awaitingWlan,
      reestablishAttempts: ue.reestablishment?.attempts ?? null,
      lwip: s ? { idi: s.idiHex, state: s.state, lwipCounter: s.lwipCounter, wtUeXwapId: s.wtUeXwapId ? toHex(s.wtUeXwapId) : null } : null,
    };
  }

  /** The simulated attach: the MME's KeNB for this UE becomes its AS context here. */
  private admit(link: EnbAirLink, ueId: string): EnbUe | undefined {
    const kenb = this.o.kenbFor(ueId);
    const cell = this.o.cells[0];
    if (!kenb || !cell) {
      this.log.warn("lwip", "UE refused: no AS security context", { ue: ueId });
      link.close();
      return undefined;
    }
    const old = this.ues.get(ueId);
    if (old) this.detach(old);
    const cRnti = globalThis.crypto.getRandomValues(new Uint8Array(2));
    const ue = new EnbUe(ueId, link, new AsSecurityContext(kenb), new LwipCounter(), cell, cRnti, this.allocateXwapId());
    this.ues.set(ueId, ue);
    link.send({ kind: "attached", cell, cRnti });
    return ue;
  }

  /** A fresh eNB UE XwAP ID (3 octets) not held by an attached UE. */
  private allocateXwapId(): Uint8Array {
    const used = new Set([...this.ues.values()].map((u) => toHex(u.enbUeXwapId)));
    for (;;) {
      const id = this.nextXwapId;
      this.nextXwapId = (id % 0xffffff) + 1;
      const bytes = new Uint8Array([id >> 16, (id >> 8) & 0xff, id & 0xff]);
      if (!used.has(toHex(bytes))) return bytes;
    }
  }

  private detach(ue: EnbUe): void {
    if (ue.detached) return;
    ue.detached = true;
    if (this.ues.get(ue.ueId) === ue) this.ues.delete(ue.ueId);
    void ue.run(async () => {
      await proc.releaseAtSegw(this.svc, ue, "detach");
      ue.as.wipe();
    });
    this.o.onEvent?.({ event: "ue-detached", ...ue.base(null) });
  }

  private onFrame(ue: EnbUe, f: UplinkFrame): void {
    if (f.kind === "pdcp-sdu") {
      if (!ue.drbs.has(f.drbId)) return this.drop("unknown-drb");
      return this.o.onSdu?.(ue.ueId, f.drbId, f.bytes, "lte");
    }
    if (f.kind === "radio-link-failure") return void ue.run(() => proc.radioLinkFailure(this.svc, ue, false));
    if (f.kind !== "rrc") return;
    const m = f.message;
    if ("ueCapabilityInformation" in m) {
      const mac = m.ueCapabilityInformation["wlan-MAC-Address-r13"];
      ue.setWlanMac(m.ueCapabilityInformation["lwip-Parameters-r13"]["lwip-r13"] === "supported" ? mac : undefined);
      this.o.onEvent?.({ event: "ue-attached", ...ue.base(null), physCellId: ue.cell.physCellId, wlanMac: mac ? toHex(mac) : null });
    } else if ("wlanConnectionStatusReport-r13" in m) {
      const status = m["wlanConnectionStatusReport-r13"]["wlan-Status-r13"];
      void ue.run(() => proc.wlanStatus(this.svc, ue, status));
    } else if ("rrcConnectionReestablishmentRequest" in m) {
      void ue.run(() => proc.reestablish(this.svc, ue));
    }
  }

  /** The SeGW's view of our UEs' tunnels (control API event stream). */
  private onSegwEvent(e: XwStreamEvent): void {
    const ue = this.svc.byIdi.get(e.ikeInitiatorIdentity.toLowerCase());
    if (e.type === "lwip-release-required") {
      const wtUeXwapId = fromHex(e.wtUeXwapId) ?? new Uint8Array(3);
      const cause = `${e.cause.type}/${e.cause.value}`;
      if (ue) return void ue.run(() => proc.releaseRequired(this.svc, ue, e.ikeInitiatorIdentity.toLowerCase(), wtUeXwapId, cause, e.reason));
      // A tunnel we no longer track: still confirm, so that the SeGW forgets it.
      return void this.svc.xw.lwipReleaseConfirm({ enbUeXwapId: fromHex(e.enbUeXwapId) ?? new Uint8Array(3), wtUeXwapId });
    }
    if (!ue) return;
    void ue.run(async () => {
      const s = ue.session;
      if (s?.idiHex !== e.ikeInitiatorIdentity.toLowerCase()) return;
      if (e.type === "tunnel-up") return this.tunnelUp(ue, s, e.innerAddress);
      this.o.onEvent?.({ event: "lwip-tunnel-down", ...ue.base(null), idi: s.idiHex, reason: e.reason });
      // We did not ask for it (our own releases forget the IDi first). Released in our name all the
      // same ("enb-release": an operator at the SeGW): deliberate, so the UE's LWIP goes too. Otherwise
      // the SeGW lost it: set the tunnel up again with a fresh IDi and PSK. "shutdown": the SeGW is
      // going away, so the first attempt waits for its back-off (or for its event stream to come back).
      if (e.reason === "enb-release") return proc.acceptReleaseAtSegw(this.svc, ue, s, "released-at-segw");
      if (e.reason === "window-expired") return proc.acceptReleaseAtSegw(this.svc, ue, s, "window-expired");
      await this.reestablisher.lost(ue, s, e.reason, e.reason === "shutdown");
    });
  }

  private tunnelUp(ue: EnbUe, s: LwipSession, innerAddress: string | null): void {
    s.state = "connected";
    this.o.onEvent?.({ event: "lwip-tunnel-up", ...ue.base("16.2.2"), idi: s.idiHex, virtualIp: innerAddress, enbLwipEndpoint: null });
  }

  /**
   * The SeGW's event stream (re)opened: after a break the SeGW may have restarted, losing its
   * entries without a word, or reported tunnels up while no stream listened. Set-ups waiting for
   * their back-off try now; every UE's tunnel the SeGW no longer holds is set up again, and one it
   * reports connected is marked so.
   */
  private async onSegwReachable(): Promise<void> {
    const ues = [...this.ues.values()];
    // Acknowledged sessions only, taken before asking: the answer must include each of them unless the SeGW lost it.
    const held = ues.flatMap((ue) => (ue.session && ue.session.state !== "provisioning" ? [{ ue, s: ue.session }] : []));
    this.userPlane.checkSegwPeers();
    for (const ue of ues) this.reestablisher.retryNow(ue);
    if (held.length === 0) return;
    const entries = await this.svc.xw.listUes();
    if (!entries) return;
    for (const { ue, s } of held) {
      const entry = entries.get(s.idiHex);
      void ue.run(async () => {
        if (!entry) return this.reestablisher.lost(ue, s, "segw-lost-entry", false);
        if (entry.state === "connected" && ue.session === s && s.state === "configured") this.tunnelUp(ue, s, entry.innerAddress);
      });
    }
  }
}
