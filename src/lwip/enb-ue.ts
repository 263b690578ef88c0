/**
 * What the eNB holds per UE for LWIP: the AS security context (KeNB) and its LWIP counter, the
 * serving cell, the DRBs and how each uses LWIP, and the LWIP session (the one tunnel that carries
 * all offloaded DRBs of the UE, TS 33.401 16.3) with its XwAP and GTP identifiers. Procedures on
 * one UE run one after the other (run()), so none sees another half done.
 */
import type { TimerHandle } from "../io/clock.js";
import type { Cell } from "./air-frames.js";
import type { EnbAirLink } from "./air-interface.js";
import type { AsSecurityContext, LwipCounter } from "./as-security.js";
import type { Clause, DrbConfig } from "./events.js";
import { usesLwip, type DrbTypeLwipR13, type RRCConnectionReconfiguration } from "./rrc.js";

/** One LWIP set-up: one IDi, one LWIP-PSK (already handed to the SeGW and zeroized), one tunnel. */
export interface LwipSession {
  readonly idi: Uint8Array;
  readonly idiHex: string;
  readonly lwipCounter: number;
  /** Our TEID of the UE's uplink GTP tunnel. */
  readonly enbTeid: number;
  /** From LWIP ADDITION REQUEST ACKNOWLEDGE. */
  wtUeXwapId?: Uint8Array;
  segwGtp?: { readonly address: string; readonly teid: number };
  /** The LWIP-SeGW address the UE is given, when the acknowledge named one (the worker holding the UE); else the eNB's configured one. */
  lwipSegwIpAddress?: string;
  /** provisioning: XwAP under way; configured: the UE was told; connected: the SeGW reported the tunnel up. */
  state: "provisioning" | "configured" | "connected";
}

/**
 * A tunnel lost without the eNB asking (the SeGW's tunnel-down, or its entry gone after a SeGW
 * restart) that the eNB is setting up again: attempts made so far, the next back-off, and its timer if one waits.
 */
export interface Reestablishment {
  attempts: number;
  /** The back-off before the next attempt, doubled each time it is used (up to a bound). */
  nextDelayMs: number;
  timer: TimerHandle | undefined;
}

/** The result of a procedure the eNB was asked to run. */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export const OK: Outcome = { ok: true };

export function failed(reason: string): Outcome {
  return { ok: false, reason };
}

/** How long a procedure waits for the UE's capability (its WLAN MAC) after attach. */
const CAPABILITY_WAIT_MS = 5000;

export class EnbUe {
  readonly drbs = new Map<number, DrbTypeLwipR13>();
  session: LwipSession | undefined;
  /** A WLAN failure was reported: the UE keeps its LWIP configuration and reports when WLAN is back (16.6). */
  awaitingWlan = false;
  /** A lost tunnel is being set up again (enb-reestablish.ts); the UE keeps its LWIP configuration meanwhile. */
  reestablishment: Reestablishment | undefined;
  /** A radio link failure was handled; the UE's re-establishment request is expected. */
  radioLinkFailed = false;
  detached = false;
  wlanMac: Uint8Array | undefined;
  private transaction = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private capabilityKnown: (() => void) | undefined;
  private readonly capability: Promise<void>;

  constructor(
    readonly ueId: string,
    readonly link: EnbAirLink,
    readonly as: AsSecurityContext,
    readonly counter: LwipCounter,
    public cell: Cell,
    public cRnti: Uint8Array,
    readonly enbUeXwapId: Uint8Array,
  ) {
    this.capability = new Promise((resolve) => (this.capabilityKnown = resolve));
  }

  base(clause: Clause | null) {
    return { node: "eNB" as const, ue: this.ueId, clause };
  }

  /** Runs `fn` after every procedure queued before it on this UE. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The UE holds an LWIP configuration although no tunnel is provisioned (WLAN lost, or a lost tunnel being set up again). */
  get lwipPending(): boolean {
    return this.awaitingWlan || this.reestablishment !== undefined;
  }

  /** Gives up setting a lost tunnel up again: its back-off timer is cancelled (release, handover, RLF, detach). */
  stopReestablishment(): void {
    this.reestablishment?.timer?.cancel();
    this.reestablishment = undefined;
  }

  /** UECapabilityInformation arrived. */
  setWlanMac(mac: Uint8Array | undefined): void {
    this.wlanMac = mac;
    this.capabilityKnown?.();
  }

  /** The UE's WLAN MAC, waiting a little for the capability report that follows attach. */
  async whenCapable(): Promise<Uint8Array | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, CAPABILITY_WAIT_MS)));
    await Promise.race([this.capability, timeout]);
    clearTimeout(timer);
    return this.wlanMac;
  }

  /** The DRBs that use the LWIP tunnel. */
  get offloaded(): DrbConfig[] {
    return [...this.drbs].filter(([, t]) => usesLwip(t)).map(([drbId, type]) => ({ drbId, type }));
  }

  get allDrbs(): DrbConfig[] {
    return [...this.drbs].map(([drbId, type]) => ({ drbId, type }));
  }

  /** Sends an RRCConnectionReconfiguration with the next transaction identifier (0..3). */
  sendReconfiguration(r: Omit<RRCConnectionReconfiguration, "rrc-TransactionIdentifier">): void {
    this.transaction = (this.transaction + 1) % 4;
    this.link.send({ kind: "rrc", message: { rrcConnectionReconfiguration: { "rrc-TransactionIdentifier": this.transaction, ...r } } });
  }

  /** The transaction identifier for a message that is not a reconfiguration. */
  nextTransaction(): number {
    this.transaction = (this.transaction + 1) % 4;
    return this.transaction;
  }
}
