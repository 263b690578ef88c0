/**
 * Creating a CHILD SA record once an exchange has agreed on it (RFC 7296 §2.17): KEYMAT from SK_d
 * and the exchange's nonces, split per direction by who initiated that exchange.
 */
import { deriveChildKeymat } from "../crypto/keymat.js";
import { keymatLengths } from "../crypto/suites.js";
import type { TrafficSelector } from "../codec/payloads.js";
import type { IkeContext } from "../context.js";
import type { NegotiatedSuite } from "../proposal.js";
import { PackedChildSa, type ChildSa } from "../sa/child-sa.js";
import type { IkeSa } from "../sa/ike-sa.js";
import { compactSelectors, sharedSuite } from "../sa/shared-state.js";

/** SPI values 1..255 are reserved by IANA (RFC 4303 §2.1); 0 means "no SA". */
const FIRST_USABLE_SPI = 256;

/** A fresh random inbound ESP SPI. */
export function allocateSpi(ctx: IkeContext): number {
  for (;;) {
    const b = ctx.random(4);
    const spi = (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
    if (spi >= FIRST_USABLE_SPI) return spi;
  }
}

export function spiBytes(spi: number): Uint8Array {
  return new Uint8Array([spi >>> 24, (spi >>> 16) & 0xff, (spi >>> 8) & 0xff, spi & 0xff]);
}

export function spiFromBytes(b: Uint8Array): number | undefined {
  if (b.length !== 4) return undefined;
  return (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
}

export interface ChildAgreement {
  readonly suite: NegotiatedSuite;
  readonly spiIn: number;
  readonly spiOut: number;
  readonly tsLocal: readonly TrafficSelector[];
  readonly tsRemote: readonly TrafficSelector[];
  /** Nonces of the exchange that created the CHILD SA, and whether we initiated that exchange. */
  readonly Ni: Uint8Array;
  readonly Nr: Uint8Array;
  readonly weInitiated: boolean;
  /** g^ir of a CREATE_CHILD_SA with PFS. */
  readonly gir?: Uint8Array | undefined;
  /** The pair this one rekeys. */
  readonly rekeyOf?: ChildSa | undefined;
}

/**
 * Derives the keys and builds the record; undefined if the suite has no key layout (cannot happen
 * after selection). The record keeps one KEYMAT buffer, the shared suite object and compact
 * selectors (shared-state.ts): a SeGW keeps one per UE for the UE's lifetime.
 */
export function createChildSa(ctx: IkeContext, sa: IkeSa, a: ChildAgreement): ChildSa | undefined {
  const lengths = keymatLengths({ encrId: a.suite.encrId, keyBits: a.suite.encrKeyBits, integId: a.suite.integId });
  if (!lengths || !sa.crypto) return undefined;
  const keymat = deriveChildKeymat(sa.crypto.prf, sa.crypto.keys.SK_d, a.Ni, a.Nr, lengths, a.gir);
  const known = [sa.localTs ?? ctx.policy?.localTs ?? [], sa.remoteTs ?? ctx.policy?.remoteTs ?? []];
  const child = new PackedChildSa({
    spiIn: a.spiIn,
    spiOut: a.spiOut,
    suite: sharedSuite(a.suite),
    tsLocal: compactSelectors(a.tsLocal, known, sa.virtualIp),
    tsRemote: compactSelectors(a.tsRemote, known, sa.virtualIp),
    createdAt: ctx.clock.now(),
    outboundActive: a.weInitiated || a.rekeyOf === undefined,
    rekeyOf: a.rekeyOf,
  }, keymat, lengths.encr, a.weInitiated);
  exportChildKeys(ctx, sa, child);
  return child;
}

/** Both directions' ESP keys, for decryption tables, when the application asked for them. */
function exportChildKeys(ctx: IkeContext, sa: IkeSa, c: ChildSa): void {
  const exportKeys = ctx.exportKeys;
  if (!exportKeys) return;
  const s = c.suite;
  const common = { kind: "esp", encrId: s.encrId, encrKeyBits: s.encrKeyBits, integId: s.integId } as const;
  exportKeys({ ...common, src: sa.local.address, dst: sa.remote.address, spi: c.spiOut, encrKey: c.encrOut, integKey: c.integOut });
  exportKeys({ ...common, src: sa.remote.address, dst: sa.local.address, spi: c.spiIn, encrKey: c.encrIn, integKey: c.integIn });
}
