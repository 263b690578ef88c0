/**
 * LWIP-PSK derivation, TS 33.401 clause 16.4.1 and Annex A.16: both eNB and UE compute
 *   LWIP-PSK = KDF(KeNB, S),  S = FC || P0 || L0,  P0 = LWIP Counter (2 octets), L0 = 0x00 0x02
 * and use all 256 bits (XwAP carries LWIP-PSK as BIT STRING (SIZE(256)), TS 36.463 §9.2.30).
 */
import { kdf3gpp } from "./kdf-3gpp.js";

/**
 * FC for the LWIP-PSK derivation. Unconfirmed from primary 3GPP text: a single public source gives
 * 0x1E (see ../shared/spec/lwip-brief.md §1.2). Kept as this one constant so a correction is one line.
 */
export const FC_LWIP_PSK = 0x1e;

/** KeNB is 256 bits (TS 33.401 §7.2.8). */
export const KENB_LENGTH = 32;

/** lwip-Counter-r13 is INTEGER (0..65535) (TS 36.331 TunnelConfigLWIP-r13). */
export const LWIP_COUNTER_MAX = 0xffff;

/** @throws RangeError when KeNB is not 32 octets or the counter is not in 0..65535 (programmer errors). */
export function deriveLwipPsk(kenb: Uint8Array, lwipCounter: number): Uint8Array {
  if (kenb.length !== KENB_LENGTH) throw new RangeError(`KeNB must be ${KENB_LENGTH} octets, got ${kenb.length}`);
  if (!Number.isInteger(lwipCounter) || lwipCounter < 0 || lwipCounter > LWIP_COUNTER_MAX) {
    throw new RangeError(`LWIP counter must be an integer in 0..${LWIP_COUNTER_MAX}, got ${lwipCounter}`);
  }
  const p0 = new Uint8Array([lwipCounter >> 8, lwipCounter & 0xff]);
  return kdf3gpp(kenb, FC_LWIP_PSK, [p0]);
}
