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
  /**
   * The CHILD SA this one replaces, for a rekey; cleared once that one is deleted, so that years of
   * rekeys do not keep a chain of dead records alive.
   */
  rekeyOf?: ChildSa | undefined;
  /**
   * Set when the peer rekeyed this SA: the lower of the two nonces of its exchange, to resolve a
   * collision with our own rekey of it (RFC 7296 §2.8.1). Not a class field: only rekeyed records,
   * which are soon deleted, carry it.
   */
  peerRekeyNonce?: Uint8Array;
}

/** What a CHILD SA record is made of, besides its keys. */
export interface ChildSaFields {
  readonly spiIn: number;
  readonly spiOut: number;
  readonly suite: NegotiatedSuite;
  readonly tsLocal: readonly TrafficSelector[];
  readonly tsRemote: readonly TrafficSelector[];
  readonly createdAt: number;
  readonly outboundActive: boolean;
  readonly rekeyOf?: ChildSa | undefined;
}

/**
 * A ChildSa over one KEYMAT buffer, encr_i | integ_i | encr_r | integ_r (RFC 7296 §2.17), whose
 * four keys are views made when read: a SeGW holds one per UE, and one buffer costs about 300
 * octets less than four views. Zeroizing a key read from it zeroizes the buffer's octets.
 */
export class PackedChildSa implements ChildSa {
  readonly spiIn: number;
  readonly spiOut: number;
  readonly suite: NegotiatedSuite;
  readonly tsLocal: readonly TrafficSelector[];
  readonly tsRemote: readonly TrafficSelector[];
  state: ChildSaState = "installed";
  readonly createdAt: number;
  outboundActive: boolean;
  rekeyOf: ChildSa | undefined;

  /** @param weInitiated whether we initiated the exchange that made the SA: our outbound keys are then the _i ones. */
  constructor(f: ChildSaFields, private readonly keymat: Uint8Array, private readonly encrLength: number, private readonly weInitiated: boolean) {
    this.spiIn = f.spiIn;
    this.spiOut = f.spiOut;
    this.suite = f.suite;
    this.tsLocal = f.tsLocal;
    this.tsRemote = f.tsRemote;
    this.createdAt = f.createdAt;
    this.outboundActive = f.outboundActive;
    this.rekeyOf = f.rekeyOf;
  }

  private key(initiatorToResponder: boolean, integ: boolean): Uint8Array {
    const integLength = this.keymat.length / 2 - this.encrLength;
    const at = (initiatorToResponder ? 0 : this.encrLength + integLength) + (integ ? this.encrLength : 0);
    return this.keymat.subarray(at, at + (integ ? integLength : this.encrLength));
  }

  get encrOut(): Uint8Array {
    return this.key(this.weInitiated, false);
  }

  get integOut(): Uint8Array {
    return this.key(this.weInitiated, true);
  }

  get encrIn(): Uint8Array {
    return this.key(!this.weInitiated, false);
  }

  get integIn(): Uint8Array {
    return this.key(!this.weInitiated, true);
  }
}

/** Zeroizes a deleted CHILD SA's keys (they must not outlive the SA). */
export function wipeChildKeys(c: ChildSa): void {
  wipe(c.encrIn, c.integIn, c.encrOut, c.integOut);
}

export function spiHex(spi: number): string {
  return spi.toString(16).padStart(8, "0");
}
