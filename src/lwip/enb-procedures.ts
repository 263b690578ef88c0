/**
 * The eNB's LWIP procedures of TS 33.401 clause 16, one function each, over one UE's context:
 *   set-up: LWIP-PSK from KeNB and the next LWIP counter (16.4.1), the SeGW provisioned with IDi
 *     and PSK (16.2.3) BEFORE the UE is given SeGW address, IDi and counter over RRC (16.2.1);
 *   DRB addition and deletion, all offloaded DRBs in the one tunnel, release at the SeGW and the
 *     UE when the last goes (16.3);
 *   AS key refresh (16.4.2), handover (16.5), radio link failure and WLAN loss (16.6);
 *   a tunnel the SeGW lost set up again with a fresh IDi and LWIP-PSK (setUpAgain, enb-reestablish.ts).
 * Each step is reported as an event naming its clause. The caller runs these through EnbUe.run().
 */
import { parseIp } from "../ike/traffic-selector.js";
import { toHex } from "../wire/hex.js";
import type { Cell } from "./air-frames.js";
import type { EnbUserPlane } from "./enb-user-plane.js";
import { failed, OK, type EnbUe, type LwipSession, type Outcome } from "./enb-ue.js";
import type { XwClient } from "./enb-xw.js";
import { RELEASE_CLAUSE, type Clause, type DrbConfig, type LwipEvent, type ReleaseTrigger } from "./events.js";
import { ipAddressR13, lwipUplink, type LwipConfigurationR13, type RRCConnectionReconfiguration, type WlanStatusR13 } from "./rrc.js";

/** What the procedures need from the eNB around them. */
export interface EnbServices {
  readonly xw: XwClient;
  readonly userPlane: EnbUserPlane;
  /** The SeGW address given to UEs (ip-Address-r13), 4 or 16 octets, unless an acknowledge names another. */
  readonly segwAddress: Uint8Array;
  readonly segwAddressText: string;
  readonly gtpAddress: string;
  readonly windowSeconds: number | undefined;
  /** UEs by the hex of their current IDi, for the SeGW's events. */
  readonly byIdi: Map<string, EnbUe>;
  emit(e: LwipEvent): void;
  /** An uplink SDU that came through the tunnel of `ue`. */
  uplink(ue: EnbUe, drbId: number, sdu: Uint8Array): void;
}

/** IDi: 16 random octets, so that it is unique and cannot be guessed (ID_KEY_ID data, RFC 7296 §3.5). */
export const IDI_OCTETS = 16;

/** A provisioning that failed is retryable when the SeGW was unreachable or short of resources. */
type Provisioned = { readonly ok: true; readonly session: LwipSession } | { readonly ok: false; readonly retryable: boolean };

const NOT_RETRYABLE: Provisioned = { ok: false, retryable: false };

/** XwAP causes that may clear by themselves: transport (unreachable) and misc (overload, resources), or no cause at all. */
function retryableCause(cause: string): boolean {
  return cause.startsWith("transport/") || cause.startsWith("misc/") || cause === "unknown";
}

/**
 * Derives a fresh LWIP-PSK and provisions the SeGW with it (LWIP ADDITION REQUEST). Returns the
 * session once acknowledged, or (with an event saying why) whether trying again may help.
 */
async function provision(svc: EnbServices, ue: EnbUe, clause: Clause): Promise<Provisioned> {
  const mac = await ue.whenCapable();
  if (!mac) {
    svc.emit({ event: "lwip-refused", ...ue.base(clause), reason: "the UE reported no WLAN MAC address" });
    return NOT_RETRYABLE;
  }
  const lwipCounter = ue.counter.next();
  if (lwipCounter === undefined) {
    // Brief §1.3 [M]: the counter may not wrap under one KeNB; a KeNB refresh must come first.
    svc.emit({ event: "lwip-refused", ...ue.base("16.4.2"), reason: "LWIP counter used up: refresh KeNB first" });
    return NOT_RETRYABLE;
  }
  const psk = ue.as.lwipPsk(lwipCounter);
  svc.emit({ event: "lwip-psk-derived", ...ue.base("16.4.1"), lwipCounter });
  const idi = globalThis.crypto.getRandomValues(new Uint8Array(IDI_OCTETS));
  const holder: { session?: LwipSession } = {};
  const enbTeid = svc.userPlane.bind({
    get segwAddress() {
      return holder.session?.segwGtp?.address ?? "";
    },
    deliver: (drbId, sdu) => svc.uplink(ue, drbId, sdu),
  });
  const session: LwipSession = (holder.session = { idi, idiHex: toHex(idi), lwipCounter, enbTeid, state: "provisioning" });
  ue.session = session;
  svc.byIdi.set(session.idiHex, ue);
  svc.emit({ event: "lwip-addition-request", ...ue.base(clause), from: "eNB", to: "SeGW", idi: session.idiHex, enbUeXwapId: toHex(ue.enbUeXwapId) });
  const r = await svc.xw.lwipAdditionRequest({
    enbUeXwapId: ue.enbUeXwapId, ueIdentity: mac, lwipPsk: psk, ikeInitiatorIdentity: idi,
    enbGtpTunnelEndpoint: { address: svc.gtpAddress, teid: enbTeid },
    ...(svc.windowSeconds !== undefined ? { windowSeconds: svc.windowSeconds } : {}),
  });
  if (!r.ok) {
    forget(svc, ue);
    svc.emit({ event: "lwip-addition-reject", ...ue.base(clause), from: "SeGW", to: "eNB", cause: `${r.cause}: ${r.error}` });
    return { ok: false, retryable: retryableCause(r.cause) };
  }
  session.wtUeXwapId = r.wtUeXwapId;
  session.segwGtp = r.segwGtpTunnelEndpoint;
  if (r.lwipSegwIpAddress !== undefined) session.lwipSegwIpAddress = r.lwipSegwIpAddress;
  // The Zb SA to this SeGW (worker) address starts now, before the UE hears of the tunnel (16.1).
  svc.userPlane.prepareSegw(r.segwGtpTunnelEndpoint.address);
  svc.emit({ event: "lwip-addition-acknowledge", ...ue.base(clause), from: "SeGW", to: "eNB", wtUeXwapId: toHex(r.wtUeXwapId) });
  if (ue.detached) {
    await releaseAtSegw(svc, ue, "detach");
    return NOT_RETRYABLE;
  }
  return { ok: true, session };
}

/**
 * The SeGW address a session's UE runs IKEv2 with (ip-Address-r13, 16.2.1): the one the SeGW named
 * in its acknowledge (the worker of a multi-worker SeGW that holds the UE), else the configured one.
 */
function ueSegw(svc: EnbServices, s: LwipSession): { readonly octets: Uint8Array; readonly text: string } {
  const text = s.lwipSegwIpAddress;
  const octets = text === undefined ? undefined : parseIp(text);
  return text !== undefined && octets ? { octets, text } : { octets: svc.segwAddress, text: svc.segwAddressText };
}

/** LWIP-Configuration-r13 setup for a session: SeGW address, IDi, LWIP counter (16.2.1), WLAN success reports on. */
function setupIe(svc: EnbServices, s: LwipSession): LwipConfigurationR13 {
  return {
    setup: {
      "lwip-Config-r13": {
        "lwip-MobilityConfig-r13": { "successReportRequested-r13": "true" },
        "tunnelConfigLWIP-r13": { "ip-Address-r13": ipAddressR13(ueSegw(svc, s).octets), "ike-Identity-r13": { "idI-r13": s.idi }, "lwip-Counter-r13": s.lwipCounter },
      },
    },
  };
}

/** Tells the UE of a provisioned session (16.2.1) in one RRCConnectionReconfiguration with `extra`. */
function configureUe(svc: EnbServices, ue: EnbUe, session: LwipSession, clause: Clause, extra: Omit<RRCConnectionReconfiguration, "rrc-TransactionIdentifier"> = {}): void {
  ue.sendReconfiguration({ ...extra, "lwip-Configuration-r13": setupIe(svc, session) });
  session.state = "configured";
  svc.emit({ event: "rrc-lwip-configuration", ...ue.base(clause), from: "eNB", to: "UE", segw: ueSegw(svc, session).text, idi: session.idiHex, lwipCounter: session.lwipCounter, drbs: ue.offloaded });
}

/** Forgets the session locally (TEID, IDi index); the SeGW is not told. */
function forget(svc: EnbServices, ue: EnbUe): LwipSession | undefined {
  const s = ue.session;
  ue.session = undefined;
  if (!s) return undefined;
  svc.byIdi.delete(s.idiHex);
  svc.userPlane.unbind(s.enbTeid);
  return s;
}

/** eNB Initiated LWIP Release: the SeGW deletes the tunnel and whatever is left of the PSK. */
export async function releaseAtSegw(svc: EnbServices, ue: EnbUe, trigger: ReleaseTrigger): Promise<void> {
  // Every release (16.3-16.6, detach) ends a pending set-up of a lost tunnel and its back-off timer.
  ue.stopReestablishment();
  const s = forget(svc, ue);
  if (!s?.wtUeXwapId) return;
  svc.emit({ event: "lwip-release-request", ...ue.base(RELEASE_CLAUSE[trigger]), from: "eNB", to: "SeGW", trigger, wtUeXwapId: toHex(s.wtUeXwapId) });
  await svc.xw.lwipReleaseRequest({ enbUeXwapId: ue.enbUeXwapId, wtUeXwapId: s.wtUeXwapId });
}

function tellUeToRelease(svc: EnbServices, ue: EnbUe, trigger: ReleaseTrigger, extra: Omit<RRCConnectionReconfiguration, "rrc-TransactionIdentifier"> = {}): void {
  ue.sendReconfiguration({ ...extra, "lwip-Configuration-r13": { release: null } });
  svc.emit({ event: "rrc-lwip-release", ...ue.base(RELEASE_CLAUSE[trigger]), from: "eNB", to: "UE", trigger });
}

/**
 * Adds or changes DRBs. The first DRB that uses LWIP brings the tunnel: SeGW first (16.2.3),
 * then the UE (16.2.1); later ones join the same tunnel (16.3). With no DRB left on LWIP the
 * tunnel is released at the SeGW and the UE (16.3).
 */
export async function configureDrbs(svc: EnbServices, ue: EnbUe, drbs: readonly DrbConfig[]): Promise<Outcome> {
  for (const d of drbs) ue.drbs.set(d.drbId, d.type);
  const list = drbs.map((d) => ({ "drb-Identity": d.drbId, "drb-TypeLWIP-r13": d.type }));
  const dedicated = list.length > 0 ? { radioResourceConfigDedicated: { "drb-ToAddModList": list } } : {};
  const wanted = ue.offloaded.length > 0;
  if (!wanted && (ue.session || ue.lwipPending)) return releaseLastDrb(svc, ue, dedicated);
  if (!wanted || ue.session || ue.lwipPending) {
    if (list.length > 0) ue.sendReconfiguration(dedicated);
    if (list.length > 0) svc.emit({ event: "rrc-drb-reconfiguration", ...ue.base("16.3"), from: "eNB", to: "UE", added: drbs, released: [] });
    return OK;
  }
  const r = await provision(svc, ue, "16.2.3");
  if (!r.ok) {
    if (list.length > 0) ue.sendReconfiguration(dedicated);
    return failed("LWIP set-up failed (see events)");
  }
  configureUe(svc, ue, r.session, "16.2.1", dedicated);
  return OK;
}

async function releaseLastDrb(svc: EnbServices, ue: EnbUe, extra: Omit<RRCConnectionReconfiguration, "rrc-TransactionIdentifier">): Promise<Outcome> {
  ue.awaitingWlan = false;
  await releaseAtSegw(svc, ue, "last-drb");
  tellUeToRelease(svc, ue, "last-drb", extra);
  return OK;
}

/** DRB deletion (16.3): the last DRB on LWIP takes the tunnel with it, at the SeGW and the UE. */
export async function deleteDrb(svc: EnbServices, ue: EnbUe, drbId: number): Promise<Outcome> {
  if (!ue.drbs.delete(drbId)) return failed(`no DRB ${drbId}`);
  const released = { radioResourceConfigDedicated: { "drb-ToReleaseList": [drbId] } };
  svc.emit({ event: "rrc-drb-reconfiguration", ...ue.base("16.3"), from: "eNB", to: "UE", added: [], released: [drbId] });
  if (ue.offloaded.length === 0 && (ue.session || ue.lwipPending)) return releaseLastDrb(svc, ue, released);
  ue.sendReconfiguration(released);
  return OK;
}

/** An operator's release of the UE's tunnel (the DRBs stay, over LTE). */
export async function releaseLwip(svc: EnbServices, ue: EnbUe): Promise<Outcome> {
  if (!ue.session && !ue.lwipPending) return failed("LWIP is not set up");
  ue.awaitingWlan = false;
  await releaseAtSegw(svc, ue, "command");
  tellUeToRelease(svc, ue, "command");
  return OK;
}

function handoverCommand(ue: EnbUe, target: Cell): Omit<RRCConnectionReconfiguration, "rrc-TransactionIdentifier"> {
  return {
    mobilityControlInfo: {
      targetPhysCellId: target.physCellId,
      ...(target.dlEarfcn !== ue.cell.dlEarfcn ? { carrierFreq: { "dl-CarrierFreq": target.dlEarfcn } } : {}),
      t304: "ms1000",
      "newUE-Identity": ue.cRnti,
    },
    securityConfigHO: { handoverType: { intraLTE: { keyChangeIndicator: false, nextHopChainingCount: ue.as.ncc } } },
  };
}

/**
 * AS key refresh (16.4.2), as an intra-cell handover: the SeGW releases the current tunnel, KeNB
 * becomes KeNB* and the LWIP counter restarts, a new LWIP-PSK from the new KeNB is provisioned,
 * and one RRC message tells the UE to refresh KeNB and re-initiate IKEv2 with the new PSK.
 */
export async function refreshKeys(svc: EnbServices, ue: EnbUe): Promise<Outcome> {
  const hadLwip = ue.session !== undefined || ue.lwipPending;
  ue.awaitingWlan = false;
  await releaseAtSegw(svc, ue, "key-refresh");
  const command = handoverCommand(ue, ue.cell);
  ue.as.refresh(ue.cell);
  ue.counter.restart();
  svc.emit({ event: "kenb-refreshed", ...ue.base("16.4.2"), reason: "key-refresh", physCellId: ue.cell.physCellId });
  const provisioned = hadLwip && ue.offloaded.length > 0 ? await provision(svc, ue, "16.4.2") : undefined;
  const session = provisioned?.ok ? provisioned.session : undefined;
  ue.sendReconfiguration({ ...command, ...(session ? { "lwip-Configuration-r13": setupIe(svc, session) } : {}) });
  svc.emit({ event: "rrc-handover-command", ...ue.base("16.4.2"), from: "eNB", to: "UE", targetPhysCellId: ue.cell.physCellId, intraCell: true });
  if (!session) return hadLwip ? failed("new LWIP set-up failed (see events)") : OK;
  session.state = "configured";
  svc.emit({ event: "rrc-lwip-configuration", ...ue.base("16.4.2"), from: "eNB", to: "UE", segw: ueSegw(svc, session).text, idi: session.idiHex, lwipCounter: session.lwipCounter, drbs: ue.offloaded });
  return OK;
}

/**
 * S1/X2 handover (16.5): the SeGW releases the tunnel and deletes the PSK; the handover command
 * makes the UE release its tunnel and delete its PSK too (TS 36.331 §5.3.5.4). Returns whether
 * the UE stays with this eNB (target is one of its cells) so that the caller can release it otherwise.
 */
export async function handover(svc: EnbServices, ue: EnbUe, target: Cell, targetIsOurs: boolean): Promise<Outcome> {
  ue.awaitingWlan = false;
  await releaseAtSegw(svc, ue, "handover");
  ue.sendReconfiguration(handoverCommand(ue, target));
  svc.emit({ event: "rrc-handover-command", ...ue.base("16.5"), from: "eNB", to: "UE", targetPhysCellId: target.physCellId, intraCell: false });
  if (!targetIsOurs) return OK;
  ue.as.refresh(target);
  ue.counter.restart();
  ue.cell = target;
  svc.emit({ event: "kenb-refreshed", ...ue.base("16.5"), reason: "handover", physCellId: target.physCellId });
  return OK;
}

/** Radio link failure (16.6): "released ... by the eNB informing the LWIP-SeGW of this event". */
export async function radioLinkFailure(svc: EnbServices, ue: EnbUe, detectedHere: boolean): Promise<Outcome> {
  if (ue.radioLinkFailed) return OK;
  ue.radioLinkFailed = true;
  if (detectedHere) ue.link.send({ kind: "radio-link-failure" });
  svc.emit({ event: "radio-link-failure", ...ue.base("16.6") });
  ue.awaitingWlan = false;
  await releaseAtSegw(svc, ue, "radio-link-failure");
  return OK;
}

/** RRC connection re-establishment after the failure: KeNB* for the serving cell, counter restarted. */
export async function reestablish(svc: EnbServices, ue: EnbUe): Promise<void> {
  if (!ue.radioLinkFailed) await radioLinkFailure(svc, ue, false);
  ue.radioLinkFailed = false;
  ue.as.refresh(ue.cell);
  ue.counter.restart();
  ue.link.send({ kind: "rrc", message: { rrcConnectionReestablishment: { "rrc-TransactionIdentifier": ue.nextTransaction(), nextHopChainingCount: ue.as.ncc } } });
  svc.emit({ event: "rrc-reestablishment", ...ue.base("16.6"), from: "eNB", to: "UE" });
  svc.emit({ event: "kenb-refreshed", ...ue.base("16.6"), reason: "reestablishment", physCellId: ue.cell.physCellId });
}

/**
 * WLANConnectionStatusReport (16.6): on a failure the tunnel is released at the SeGW and the UE
 * keeps its LWIP configuration; when it reports WLAN back, a fresh tunnel is set up with a new
 * LWIP counter, PSK and IDi.
 */
export async function wlanStatus(svc: EnbServices, ue: EnbUe, status: WlanStatusR13): Promise<void> {
  svc.emit({ event: "wlan-status-report", ...ue.base("16.6"), from: "UE", to: "eNB", status });
  if (status !== "successfulAssociation") {
    if (!ue.session && !ue.reestablishment) return;
    await releaseAtSegw(svc, ue, "wlan-failure");
    ue.awaitingWlan = true;
    return;
  }
  if (!ue.awaitingWlan || ue.session) return;
  ue.awaitingWlan = false;
  const r = await provision(svc, ue, "16.6");
  if (r.ok) configureUe(svc, ue, r.session, "16.6");
}

/**
 * The SeGW no longer holds the tunnel of `s` although the eNB did not release it (its tunnel-down,
 * or its entry missing after a SeGW restart): forget it here. Nothing is sent to the SeGW, which
 * holds nothing of it; a later LWIP ADDITION REQUEST for this UE would replace it anyway. Returns
 * false if `s` is no longer the UE's session.
 */
export function forgetLostTunnel(svc: EnbServices, ue: EnbUe, s: LwipSession): boolean {
  if (ue.session !== s) return false;
  forget(svc, ue);
  return true;
}

/**
 * The SeGW let go of `s` for a reason that setting it up again would not cure, so the UE's LWIP
 * configuration goes too (its DRBs go on over LTE) and nothing is set up again: "released-at-segw",
 * a LWIP RELEASE REQUEST in this eNB's name that this eNB did not send (an operator at the SeGW);
 * "window-expired", the UE never completed IKEv2 within the SeGW's window (TS 33.401 16.2.2 NOTE:
 * the SeGW deleted the PSK and the IDi), e.g. it cannot reach the SeGW over its WLAN.
 */
export function acceptReleaseAtSegw(svc: EnbServices, ue: EnbUe, s: LwipSession, trigger: "released-at-segw" | "window-expired"): void {
  if (!forgetLostTunnel(svc, ue, s) || ue.detached) return;
  tellUeToRelease(svc, ue, trigger);
}

/**
 * Sets a lost tunnel up again as a new set-up: a fresh LWIP-PSK from the next LWIP counter (TS 33.401
 * 16.4.1, Annex A.16: never the PSK of a used counter value) and a fresh IDi, provisioned at the SeGW
 * first (16.2.3), then given to the UE (16.2.1), which drops its old configuration for it. "retry":
 * the SeGW could not be reached (or was short of resources) and this was not the `last` attempt;
 * "failed": no new tunnel, and the UE's LWIP configuration is released (its DRBs go on over LTE).
 */
export async function setUpAgain(svc: EnbServices, ue: EnbUe, last: boolean): Promise<"configured" | "retry" | "failed"> {
  const r = await provision(svc, ue, "16.2.3");
  if (r.ok) {
    configureUe(svc, ue, r.session, "16.2.1");
    return "configured";
  }
  if (r.retryable && !last && !ue.detached) return "retry";
  if (!ue.detached) tellUeToRelease(svc, ue, "tunnel-lost");
  return "failed";
}

/**
 * LWIP RELEASE REQUIRED from the SeGW (e.g. its liveness check failed): confirm it, and release
 * the UE's LWIP configuration over RRC if it concerns the current tunnel.
 */
export async function releaseRequired(svc: EnbServices, ue: EnbUe, idiHex: string, wtUeXwapId: Uint8Array, cause: string, reason: string): Promise<void> {
  svc.emit({ event: "lwip-release-required", ...ue.base("16.6"), from: "SeGW", to: "eNB", cause, reason });
  svc.emit({ event: "lwip-release-confirm", ...ue.base("16.6"), from: "eNB", to: "SeGW", wtUeXwapId: toHex(wtUeXwapId) });
  await svc.xw.lwipReleaseConfirm({ enbUeXwapId: ue.enbUeXwapId, wtUeXwapId });
  if (ue.session?.idiHex !== idiHex) return;
  forget(svc, ue);
  ue.awaitingWlan = false;
  tellUeToRelease(svc, ue, "release-required");
}

/** Whether an uplink SDU that came through the tunnel belongs there (its DRB's uplink uses LWIP). */
export function uplinkAllowed(ue: EnbUe, drbId: number): boolean {
  const t = ue.drbs.get(drbId);
  return t !== undefined && lwipUplink(t);
}
