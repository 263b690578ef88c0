/**
 * The SeGW's view of each connected UE: its IKE SA and the user-plane binding that ties its inner
 * address to the eNB that provisioned it (TS 33.401 16.2.2: "only to the eNB that initiated the
 * LWIP offload, and only to the interface on this eNB allowed for the LWIP offload").
 */
import type { IkeSa } from "../ike/sa/ike-sa.js";
import type { UeBinding } from "./user-plane.js";

export interface UeSession {
  sa: IkeSa;
  readonly binding: UeBinding;
  /** Set when the eNB (or a replacement) asked for the release: the SA's end is then expected. */
  releasedByEnb: boolean;
}

/**
 * A session that is its own binding: one object per UE instead of two (a SeGW holds 100k), with
 * `binding` the session itself.
 */
export class BoundUeSession implements UeSession, UeBinding {
  releasedByEnb = false;
  readonly idi: string;
  readonly virtualIp: Uint8Array;
  readonly enbName: string;
  readonly enbLwipEndpoints: readonly Uint8Array[];
  readonly enbGtp: UeBinding["enbGtp"];
  readonly segwTeid: number;

  constructor(public sa: IkeSa, b: UeBinding) {
    this.idi = b.idi;
    this.virtualIp = b.virtualIp;
    this.enbName = b.enbName;
    this.enbLwipEndpoints = b.enbLwipEndpoints;
    this.enbGtp = b.enbGtp;
    this.segwTeid = b.segwTeid;
  }

  get binding(): UeBinding {
    return this;
  }
}

export class UeSessions {
  private readonly byIdi = new Map<string, UeSession>();
  /** Sessions by our downlink TEID; none when `idiOfTeid` answers that from elsewhere. */
  private readonly byTeid: Map<number, UeSession> | undefined;

  /**
   * @param idiOfTeid the IDi (hex) whose tunnel has this SeGW TEID, e.g. from the provisioning
   *   store, which keeps that index anyway: then no second one is kept here (one map entry per UE).
   */
  constructor(private readonly idiOfTeid?: (teid: number) => string | undefined) {
    this.byTeid = idiOfTeid ? undefined : new Map();
  }

  get size(): number {
    return this.byIdi.size;
  }

  add(s: UeSession): void {
    this.remove(s.binding.idi);
    this.byIdi.set(s.binding.idi, s);
    this.byTeid?.set(s.binding.segwTeid, s);
  }

  remove(idiHex: string): UeSession | undefined {
    const s = this.byIdi.get(idiHex);
    if (!s) return undefined;
    this.byIdi.delete(idiHex);
    if (this.byTeid?.get(s.binding.segwTeid) === s) this.byTeid.delete(s.binding.segwTeid);
    return s;
  }

  get(idiHex: string): UeSession | undefined {
    return this.byIdi.get(idiHex);
  }

  bindingByTeid(teid: number): UeBinding | undefined {
    if (this.byTeid) return this.byTeid.get(teid)?.binding;
    const idi = this.idiOfTeid?.(teid);
    const binding = idi === undefined ? undefined : this.byIdi.get(idi)?.binding;
    return binding?.segwTeid === teid ? binding : undefined;
  }

  /** An IKE SA rekey gives the session a new SA (RFC 7296 §2.18). */
  rehome(from: IkeSa, to: IkeSa): void {
    const idi = from.idiHex;
    const s = idi === null ? undefined : this.byIdi.get(idi);
    if (s && s.sa === from) s.sa = to;
  }
}
