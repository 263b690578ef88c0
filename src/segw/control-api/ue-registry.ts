/**
 * What the control API needs of the provisioning stores: the XwAP LWIP procedures (TS 36.463) as
 * asynchronous calls, so that the stores may live in this process (one-process SeGW) or in worker
 * processes (multi-worker SeGW, src/segw/workers). Entries cross as UeView: plain data, never a PSK.
 */
import type { XwapCause, LwipAdditionRequest } from "./xwap.js";
import type { EntryKey, ProvisioningEntry, ProvisioningStore } from "../provisioning-store.js";

/** A provisioned UE as the control API reports it, with the addresses of the SeGW (worker) that holds it. */
export interface UeView extends Omit<ProvisioningEntry, "idiHex"> {
  /** The SeGW's Xw-U address for this UE (LWIP-SeGW GTP Tunnel Endpoint). */
  readonly segwGtpAddress: string;
  /** The SeGW address the UE runs IKEv2 with, when the SeGW has one per worker (sent to the eNB for RRC). */
  readonly segwIpAddress: string | undefined;
}

export type ProvisionOutcome = { readonly ok: true; readonly entry: UeView } | { readonly ok: false; readonly cause: XwapCause; readonly reason: string };

export interface UeRegistry {
  /** The stores' clock (windowEndsAt and provisionedAt are on it). */
  now(): number;
  /** LWIP Addition Preparation; the registry owns `req.lwipPsk` from this call on and zeroizes it. */
  provision(enbName: string, req: LwipAdditionRequest): Promise<ProvisionOutcome>;
  /** `enbName`'s UE named by `key`; another eNB's UE is not found. */
  find(enbName: string, key: EntryKey): Promise<UeView | undefined>;
  release(enbName: string, idi: Uint8Array, reason: "enb-release" | "release-confirmed"): Promise<void>;
  /** `enbName`'s UEs. */
  list(enbName: string): Promise<readonly UeView[]>;
}

/** The SeGW addresses a store's UEs are told about. */
export interface SegwAddresses {
  readonly gtpu: string;
  readonly ip: string | undefined;
}

/** A plain copy of an entry (the store's entries are objects with getters over packed octets). */
export function ueView(e: ProvisioningEntry, addresses: SegwAddresses): UeView {
  return {
    enbName: e.enbName,
    enbUeXwapId: e.enbUeXwapId,
    wtUeXwapId: e.wtUeXwapId,
    ueIdentity: e.ueIdentity,
    idi: e.idi,
    enbGtpTunnelEndpoint: e.enbGtpTunnelEndpoint,
    segwGtpTeid: e.segwGtpTeid,
    provisionedAt: e.provisionedAt,
    windowEndsAt: e.windowEndsAt,
    state: e.state,
    tunnel: e.tunnel,
    releaseCause: e.releaseCause,
    segwGtpAddress: addresses.gtpu,
    segwIpAddress: addresses.ip,
  };
}

/** Synchronous store calls behind the registry's interface (shared by the one-process SeGW and each worker). */
export class StoreRegistry implements UeRegistry {
  constructor(private readonly store: ProvisioningStore, private readonly addresses: SegwAddresses) {}

  now(): number {
    return this.store.clock.now();
  }

  provisionNow(enbName: string, req: LwipAdditionRequest): ProvisionOutcome {
    const r = this.store.provision(enbName, req);
    return r.ok ? { ok: true, entry: ueView(r.entry, this.addresses) } : r;
  }

  findNow(enbName: string, key: EntryKey): UeView | undefined {
    const e = "idi" in key ? this.store.get(key.idi) : this.store.getByWtUeXwapId(enbName, key.wtUeXwapId);
    return e && e.enbName === enbName ? ueView(e, this.addresses) : undefined;
  }

  releaseNow(enbName: string, idi: Uint8Array, reason: "enb-release" | "release-confirmed"): void {
    this.store.release(enbName, { idi }, reason);
  }

  listNow(enbName: string): UeView[] {
    return this.store.list(enbName).map((e) => ueView(e, this.addresses));
  }

  provision(enbName: string, req: LwipAdditionRequest): Promise<ProvisionOutcome> {
    return Promise.resolve(this.provisionNow(enbName, req));
  }

  find(enbName: string, key: EntryKey): Promise<UeView | undefined> {
    return Promise.resolve(this.findNow(enbName, key));
  }

  release(enbName: string, idi: Uint8Array, reason: "enb-release" | "release-confirmed"): Promise<void> {
    this.releaseNow(enbName, idi, reason);
    return Promise.resolve();
  }

  list(enbName: string): Promise<readonly UeView[]> {
    return Promise.resolve(this.listNow(enbName));
  }
}
