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

export class UeSessions {
  private readonly byIdi = new Map<string, UeSession>();
  private readonly byTeid = new Map<number, UeSession>();

  get size(): number {
    return this.byIdi.size;
  }

  add(s: UeSession): void {
    this.remove(s.binding.idi);
    this.byIdi.set(s.binding.idi, s);
    this.byTeid.set(s.binding.segwTeid, s);
  }

  remove(idiHex: string): UeSession | undefined {
    const s = this.byIdi.get(idiHex);
    if (!s) return undefined;
    this.byIdi.delete(idiHex);
    if (this.byTeid.get(s.binding.segwTeid) === s) this.byTeid.delete(s.binding.segwTeid);
    return s;
  }

  get(idiHex: string): UeSession | undefined {
    return this.byIdi.get(idiHex);
  }

  bindingByTeid(teid: number): UeBinding | undefined {
    return this.byTeid.get(teid)?.binding;
  }

  /** An IKE SA rekey gives the session a new SA (RFC 7296 §2.18). */
  rehome(from: IkeSa, to: IkeSa): void {
    const idi = from.idiHex;
    const s = idi === null ? undefined : this.byIdi.get(idi);
    if (s && s.sa === from) s.sa = to;
  }
}
