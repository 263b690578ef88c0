/**
 * What the eNB and UE LWIP functions report: one structured event per procedure step, each naming
 * the TS 33.401 clause it implements (for logs, the demo's summary and its message trace). Steps
 * that are messages between nodes say `from` and `to`. Identifiers only, never key material.
 */
import type { DrbTypeLwipR13, WlanStatusR13 } from "./rrc.js";

/** The clauses of TS 33.401 clause 16 (Annex H in later releases). */
export type Clause = "16.1" | "16.2.1" | "16.2.2" | "16.2.3" | "16.3" | "16.4.1" | "16.4.2" | "16.5" | "16.6";

export type Actor = "UE" | "eNB" | "SeGW";

/** Why a tunnel is released, with the clause that asks for it. */
export type ReleaseTrigger =
  | "last-drb"
  | "key-refresh"
  | "handover"
  | "radio-link-failure"
  | "wlan-failure"
  | "release-required"
  | "rrc-release"
  | "detach"
  | "command"
  | "tunnel-lost"
  | "released-at-segw"
  | "window-expired";

export const RELEASE_CLAUSE: Readonly<Record<ReleaseTrigger, Clause | null>> = {
  "last-drb": "16.3",
  "key-refresh": "16.4.2",
  handover: "16.5",
  "radio-link-failure": "16.6",
  "wlan-failure": "16.6",
  "release-required": "16.6",
  /** The UE was told to release over RRC (it does not learn why). */
  "rrc-release": "16.3",
  /** The UE left RRC_CONNECTED (TS 36.331 §5.3.12 releases LWIP). */
  detach: null,
  /** An operator asked (lwip enb's release command). */
  command: null,
  /** The SeGW lost the tunnel (e.g. it restarted) and setting it up again failed for good. */
  "tunnel-lost": null,
  /** Released at the SeGW in this eNB's name, not by this eNB (an operator's `lwip segw ctl release`). */
  "released-at-segw": null,
  /** The UE did not complete IKEv2 within the SeGW's window, which deleted the PSK and the IDi (16.2.2 NOTE). */
  "window-expired": "16.2.2",
};

/** One DRB and how it uses LWIP. */
export interface DrbConfig {
  readonly drbId: number;
  readonly type: DrbTypeLwipR13;
}

interface Base {
  /** The node that reports. */
  readonly node: "eNB" | "UE";
  readonly ue: string;
  readonly clause: Clause | null;
}

interface Message extends Base {
  readonly from: Actor;
  readonly to: Actor;
}

export type LwipEvent =
  | (Base & { readonly event: "ue-attached"; readonly physCellId: number; readonly wlanMac: string | null })
  | (Base & { readonly event: "ue-detached" })
  | (Base & { readonly event: "lwip-psk-derived"; readonly lwipCounter: number })
  | (Base & { readonly event: "lwip-refused"; readonly reason: string })
  | (Message & { readonly event: "lwip-addition-request"; readonly idi: string; readonly enbUeXwapId: string })
  | (Message & { readonly event: "lwip-addition-acknowledge"; readonly wtUeXwapId: string })
  | (Message & { readonly event: "lwip-addition-reject"; readonly cause: string })
  | (Message & { readonly event: "rrc-lwip-configuration"; readonly segw: string; readonly idi: string; readonly lwipCounter: number; readonly drbs: readonly DrbConfig[] })
  | (Message & { readonly event: "rrc-drb-reconfiguration"; readonly added: readonly DrbConfig[]; readonly released: readonly number[] })
  | (Message & { readonly event: "rrc-handover-command"; readonly targetPhysCellId: number; readonly intraCell: boolean })
  | (Message & { readonly event: "rrc-lwip-release"; readonly trigger: ReleaseTrigger })
  | (Message & { readonly event: "lwip-release-request"; readonly trigger: ReleaseTrigger; readonly wtUeXwapId: string })
  | (Message & { readonly event: "lwip-release-required"; readonly cause: string; readonly reason: string })
  | (Message & { readonly event: "lwip-release-confirm"; readonly wtUeXwapId: string })
  | (Message & { readonly event: "wlan-status-report"; readonly status: WlanStatusR13 })
  | (Message & { readonly event: "rrc-reestablishment" })
  | (Message & { readonly event: "ike-initiated"; readonly segw: string; readonly idi: string })
  | (Base & { readonly event: "lwip-tunnel-up"; readonly idi: string; readonly virtualIp: string | null; readonly enbLwipEndpoint: string | null })
  | (Base & { readonly event: "lwip-tunnel-down"; readonly idi: string; readonly reason: string })
  | (Base & { readonly event: "lwip-tunnel-failed"; readonly idi: string; readonly reason: string })
  /** The eNB sets up again a tunnel the SeGW lost: attempt `attempt` (1, 2, ...) starts in `delayMs`. */
  | (Base & { readonly event: "lwip-reestablishment"; readonly reason: string; readonly attempt: number; readonly delayMs: number })
  | (Base & { readonly event: "lwip-psk-deleted"; readonly idi: string })
  | (Base & { readonly event: "lwip-released"; readonly trigger: ReleaseTrigger })
  | (Base & { readonly event: "kenb-refreshed"; readonly reason: "key-refresh" | "handover" | "reestablishment"; readonly physCellId: number })
  | (Base & { readonly event: "radio-link-failure" })
  | (Base & { readonly event: "wlan-loss-detected"; readonly reason: string })
  | (Base & { readonly event: "wlan-restored" });

export type LwipEventName = LwipEvent["event"];

/** The event type with name K. */
export type LwipEventOf<K extends LwipEventName> = Extract<LwipEvent, { event: K }>;

/** Which way a PDCP SDU travelled: through the LWIP tunnel over WLAN, or over the (simulated) LTE radio. */
export type SduPath = "wlan" | "lte";
