/**
 * The part of the AS security context that LWIP uses, on both the eNB and the UE: the KeNB, its
 * horizontal refresh to KeNB* (handover, intra-cell KeNB refresh, re-establishment after radio
 * link failure), the LWIP-PSK derived from it (TS 33.401 16.4.1, Annex A.16), and on the eNB the
 * LWIP counter that makes each LWIP-PSK under one KeNB fresh.
 */
import { deriveLwipPsk, KENB_LENGTH } from "../kdf/lwip-psk.js";
import { kdf3gpp } from "../kdf/kdf-3gpp.js";
import type { Cell } from "./air-frames.js";
import { LWIP_COUNTER_R13_MAX } from "./rrc.js";

/**
 * FC of the KeNB* derivation, TS 33.401 Annex A.5: KeNB* = KDF(KeNB, FC, P0 = PCI, L0 = 0x00 0x02,
 * P1 = EARFCN-DL, L1 = 0x00 0x02). Not in the project's brief of confirmed facts [M]: kept as this
 * one constant. Only the simulated handover and KeNB refresh use it, on both ends alike.
 */
export const FC_KENB_STAR = 0x13;

function u16(n: number): Uint8Array {
  return new Uint8Array([(n >> 8) & 0xff, n & 0xff]);
}

/**
 * KeNB* for a target cell with the current KeNB as key (horizontal derivation, TS 33.401 §7.2.8.4.
 * and A.5; NH-based vertical derivation is not simulated: the NCC stays as it is).
 * @throws RangeError for a KeNB that is not 32 octets or cell values out of range (programmer errors).
 */
export function deriveKenbStar(kenb: Uint8Array, target: Cell): Uint8Array {
  if (kenb.length !== KENB_LENGTH) throw new RangeError(`KeNB must be ${KENB_LENGTH} octets`);
  if (!(target.physCellId >= 0 && target.physCellId <= 503 && target.dlEarfcn >= 0 && target.dlEarfcn <= 0xffff)) throw new RangeError("PCI or EARFCN-DL out of range");
  return kdf3gpp(kenb, FC_KENB_STAR, [u16(target.physCellId), u16(target.dlEarfcn)]);
}

/** A UE's KeNB as one end holds it. The key never leaves: only derived keys do. */
export class AsSecurityContext {
  private kenb: Uint8Array;
  /** NextHopChainingCount: stays 0 in this simulation (horizontal derivations only). */
  readonly ncc = 0;

  /** Takes a copy of `kenb`. @throws RangeError if it is not 32 octets. */
  constructor(kenb: Uint8Array) {
    if (kenb.length !== KENB_LENGTH) throw new RangeError(`KeNB must be ${KENB_LENGTH} octets`);
    this.kenb = kenb.slice();
  }

  /** LWIP-PSK = KDF(KeNB, LWIP counter) (TS 33.401 16.4.1, A.16). The caller zeroizes it after use. */
  lwipPsk(lwipCounter: number): Uint8Array {
    return deriveLwipPsk(this.kenb, lwipCounter);
  }

  /** The AS security context is refreshed: KeNB becomes KeNB* for `target`; the old KeNB is zeroized. */
  refresh(target: Cell): void {
    const next = deriveKenbStar(this.kenb, target);
    this.kenb.fill(0);
    this.kenb = next;
  }

  /** The context ends (UE context release): zeroize. */
  wipe(): void {
    this.kenb.fill(0);
  }
}

/**
 * The eNB's LWIP counter of one AS security context (lwip-Counter-r13, INTEGER (0..65535)).
 * Rules, from the spec brief §1.3, which marks them [M] (taken by analogy with the SCG and WT
 * counters of TS 33.401 E.2.4 and G.2, not read in Annex H): the counter restarts at 0 with every
 * new KeNB, is incremented before each new LWIP-PSK (so no value repeats under one KeNB), and may
 * not wrap: past 65535 the eNB must refresh KeNB before the next LWIP-PSK.
 */
export class LwipCounter {
  private value = 0;

  /** The last value used for an LWIP-PSK under the current KeNB (0: none yet). */
  get current(): number {
    return this.value;
  }

  /** A new KeNB: freshness starts again. */
  restart(): void {
    this.value = 0;
  }

  /** The counter for the next LWIP-PSK, or undefined when used up (refresh KeNB first). */
  next(): number | undefined {
    if (this.value >= LWIP_COUNTER_R13_MAX) return undefined;
    this.value += 1;
    return this.value;
  }
}
