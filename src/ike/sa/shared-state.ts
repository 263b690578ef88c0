/**
 * State that many SAs hold alike, shared rather than copied into each: a SeGW with 100k UEs holds
 * 100k IKE SAs and CHILD SAs whose algorithms, and whose selectors on our side, are the same few
 * (TS 33.401 16.2.2: every UE of an eNB reaches the same LWIP endpoints). Shared objects are
 * frozen where the platform allows, and never written: the engine only reads suites and selectors.
 */
import type { TrafficSelector } from "../codec/payloads.js";
import type { NegotiatedSuite } from "../proposal.js";
import { sameSelector } from "../traffic-selector.js";
import { bytesEqual, toHex } from "../../wire/hex.js";

/** Bound on each cache: past it an unusual entry is simply not shared. */
const MAX_SHARED = 256;
const NO_SPI: Uint8Array = Object.freeze(new Uint8Array(0));
const suites = new Map<string, NegotiatedSuite>();
const selectorLists = new Map<string, readonly TrafficSelector[]>();

/**
 * The suite's algorithms as one object shared by every SA that negotiated them. Its `spi` is
 * empty: the SPI a proposal carried matters only while the exchange runs, an SA keeps its SPIs in
 * fields of its own (spiI/spiR, spiIn/spiOut).
 */
export function sharedSuite(s: NegotiatedSuite): NegotiatedSuite {
  const key = `${s.protocolId}/${s.encrId}/${s.encrKeyBits}/${s.integId}/${s.prfId}/${s.dhGroup}/${s.esn}`;
  const known = suites.get(key);
  if (known) return known;
  const suite: NegotiatedSuite = Object.freeze({
    protocolId: s.protocolId, encrId: s.encrId, encrKeyBits: s.encrKeyBits, integId: s.integId, prfId: s.prfId, dhGroup: s.dhGroup, esn: s.esn, spi: NO_SPI,
  });
  if (suites.size < MAX_SHARED) suites.set(key, suite);
  return suite;
}

function selectorKey(ts: TrafficSelector): string {
  return `${ts.tsType}/${ts.ipProtocol}/${ts.startPort}-${ts.endPort}/${toHex(ts.startAddress)}-${toHex(ts.endAddress)}`;
}

/**
 * An equal list shared by every SA that holds it. For selectors that come from configuration (an
 * eNB's LWIP endpoints, an NDS/IP peer's networks), not for per-UE ones, which would only fill
 * the cache.
 */
export function sharedSelectors(list: readonly TrafficSelector[]): readonly TrafficSelector[] {
  const key = list.map(selectorKey).join(",");
  const known = selectorLists.get(key);
  if (known) return known;
  const copy = Object.freeze(list.map((ts) => Object.freeze(compactSelector(ts, undefined))));
  if (selectorLists.size < MAX_SHARED) selectorLists.set(key, copy);
  return copy;
}

/** One address array for both ends of a host selector, and `address` itself where it is equal. */
function compactSelector(ts: TrafficSelector, address: Uint8Array | undefined): TrafficSelector {
  const start = address && bytesEqual(ts.startAddress, address) ? address : ts.startAddress.slice();
  const end = bytesEqual(ts.endAddress, start) ? start : ts.endAddress.slice();
  return { tsType: ts.tsType, ipProtocol: ts.ipProtocol, startPort: ts.startPort, endPort: ts.endPort, startAddress: start, endAddress: end };
}

/**
 * The selectors an SA keeps, as compact as they can be: a list equal to one of `known` (the shared
 * lists of the SA's policy) is that list; otherwise an exact-length array in which a selector
 * equal to a known one is that object, and any other is a copy that holds no view of a received
 * message, whose addresses are `address` (e.g. the UE's virtual address) where equal to it, and
 * one array when start and end are equal (a host selector).
 */
export function compactSelectors(list: readonly TrafficSelector[], known: readonly (readonly TrafficSelector[])[], address?: Uint8Array): readonly TrafficSelector[] {
  const same = known.find((k) => k.length === list.length && k.every((ts, i) => {
    const mine = list[i];
    return mine !== undefined && sameSelector(ts, mine);
  }));
  if (same) return same;
  const all = known.flat();
  return list.map((ts) => all.find((k) => sameSelector(k, ts)) ?? compactSelector(ts, address));
}
