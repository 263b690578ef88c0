/**
 * A CHILD SA pair as the IKE engine negotiated it (RFC 7296 §2.17): ESP, tunnel mode, one inbound
 * and one outbound SPI, keys per direction, and the narrowed traffic selectors.
 */
import type { TrafficSelector } from "../codec/payloads.js";
import type { NegotiatedSuite } from "../proposal.js";
import { wipe } from "../crypto/keymat.js";

export type ChildSaState = "installed" | "rekeyed" | "deleting";

export interface ChildSa {
  /** Our inbound SPI (chosen by us, carried in our proposal). */
  readonly spiIn: number;
  /** The peer's inbound SPI, our outbound. */
  readonly spiOut: number;
  readonly suite: NegotiatedSuite;
  readonly tsLocal: readonly TrafficSelector[];
  readonly tsRemote: readonly TrafficSelector[];
  readonly encrIn: Uint8Array;
  readonly integIn: Uint8Array;
  readonly encrOut: Uint8Array;
  readonly integOut: Uint8Array;
  state: ChildSaState;
  readonly createdAt: number;
  /**
   * Whether we may send with the outbound SA yet. The responder of a rekey waits until the peer
   * uses the new pair or deletes the old one: until then the peer may not have installed its
   * inbound SA (RFC 7296 §2.8; strongSwan behaves the same).
   */
  outboundActive: boolean;
  /** The CHILD SA this one replaces, for a rekey. */
  readonly rekeyOf?: ChildSa | undefined;
}

/** Zeroizes a deleted CHILD SA's keys (they must not outlive the SA). */
export function wipeChildKeys(c: ChildSa): void {
  wipe(c.encrIn, c.integIn, c.encrOut, c.integOut);
}

export function spiHex(spi: number): string {
  return spi.toString(16).padStart(8, "0");
}
