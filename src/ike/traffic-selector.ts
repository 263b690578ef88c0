/**
 * Traffic selectors (RFC 7296 §2.9, §3.13.1): building them from CIDR text, narrowing an offer to
 * what policy allows, and printing them for events and logs.
 */
import { cidrRange as inetCidrRange, formatIpAddress, parseCidr as parseInetCidr, parseIpAddress } from "../inet/address.js";
import { TsType } from "./registry.js";
import type { TrafficSelector } from "./codec/payloads.js";

const ANY_PORT_START = 0;
const ANY_PORT_END = 0xffff;

/** Parses a textual IPv4 or IPv6 address to its 4 or 16 octets. */
export function parseIp(text: string): Uint8Array | undefined {
  const r = parseIpAddress(text);
  return r.ok ? r.value.bytes : undefined;
}

/** Formats 4 or 16 octets as an address (IPv6 in the RFC 5952 short form). */
export const formatIp = formatIpAddress;

/** An address literal in the one text formatIp gives it (so equal addresses compare equal); undefined if not one, or scoped (%). */
export function canonicalIp(text: string): string | undefined {
  const bytes = text.includes("%") ? undefined : parseIp(text);
  return bytes && formatIp(bytes);
}

export interface Cidr {
  readonly address: Uint8Array;
  readonly prefixLength: number;
}

/** Parses "a.b.c.d/n" or "x::y/n"; a bare address means a single host. */
export function parseCidr(text: string): Cidr | undefined {
  const withLength = text.includes("/") ? text : `${text}/${text.includes(":") ? 128 : 32}`;
  const r = parseInetCidr(withLength);
  return r.ok ? r.value : undefined;
}

/** First and last address of a prefix. */
export function cidrRange(c: Cidr): { start: Uint8Array; end: Uint8Array } {
  return inetCidrRange({ family: c.address.length === 4 ? 4 : 6, address: c.address, prefixLength: c.prefixLength });
}

/**
 * `c` cut into `parts` equal, disjoint prefixes (the first `parts` of the next power of two), or
 * undefined when that leaves an IPv4 part smaller than /30 (two hosts) or an IPv6 part of one address.
 */
export function splitCidr(c: Cidr, parts: number): Cidr[] | undefined {
  const bits = Math.ceil(Math.log2(Math.max(1, parts)));
  const prefixLength = c.prefixLength + bits;
  if (prefixLength > c.address.length * 8 - (c.address.length === 4 ? 2 : 1)) return undefined;
  const { start } = cidrRange(c);
  return Array.from({ length: parts }, (_, k) => {
    const address = start.slice();
    for (let b = 0; b < bits; b++) {
      if (((k >>> (bits - 1 - b)) & 1) === 0) continue;
      const bit = c.prefixLength + b;
      address[bit >>> 3] = (address[bit >>> 3] ?? 0) | (0x80 >>> (bit & 7));
    }
    return { address, prefixLength };
  });
}

/** A selector covering a whole prefix, any protocol and port. */
export function selectorFromCidr(c: Cidr, ipProtocol = 0): TrafficSelector {
  const { start, end } = cidrRange(c);
  return {
    tsType: c.address.length === 4 ? TsType.TS_IPV4_ADDR_RANGE : TsType.TS_IPV6_ADDR_RANGE,
    ipProtocol,
    startPort: ANY_PORT_START,
    endPort: ANY_PORT_END,
    startAddress: start,
    endAddress: end,
  };
}

export function hostSelector(address: Uint8Array): TrafficSelector {
  return selectorFromCidr({ address, prefixLength: address.length * 8 });
}

/** Compares two equal-length addresses as unsigned big-endian numbers. */
export function compareAddress(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The intersection of two selectors, or undefined when they share nothing. */
export function intersectSelectors(a: TrafficSelector, b: TrafficSelector): TrafficSelector | undefined {
  if (a.tsType !== b.tsType) return undefined;
  if (a.ipProtocol !== 0 && b.ipProtocol !== 0 && a.ipProtocol !== b.ipProtocol) return undefined;
  const startPort = Math.max(a.startPort, b.startPort);
  const endPort = Math.min(a.endPort, b.endPort);
  if (startPort > endPort) return undefined;
  const startAddress = compareAddress(a.startAddress, b.startAddress) >= 0 ? a.startAddress : b.startAddress;
  const endAddress = compareAddress(a.endAddress, b.endAddress) <= 0 ? a.endAddress : b.endAddress;
  if (compareAddress(startAddress, endAddress) > 0) return undefined;
  return { tsType: a.tsType, ipProtocol: a.ipProtocol || b.ipProtocol, startPort, endPort, startAddress, endAddress };
}

/** RFC 7296 §2.9: the responder narrows the proposed selectors to the subset its policy allows. */
export function narrowSelectors(proposed: readonly TrafficSelector[], allowed: readonly TrafficSelector[]): TrafficSelector[] {
  const out: TrafficSelector[] = [];
  for (const a of allowed) {
    for (const p of proposed) {
      const x = intersectSelectors(p, a);
      if (x && !out.some((o) => sameSelector(o, x))) out.push(x);
    }
  }
  return out;
}

export function sameSelector(a: TrafficSelector, b: TrafficSelector): boolean {
  return a.tsType === b.tsType && a.ipProtocol === b.ipProtocol && a.startPort === b.startPort && a.endPort === b.endPort
    && compareAddress(a.startAddress, b.startAddress) === 0 && compareAddress(a.endAddress, b.endAddress) === 0;
}

/** True when every selector of `inner` lies within some selector of `outer` (an answer must not widen the offer). */
export function selectorsWithin(inner: readonly TrafficSelector[], outer: readonly TrafficSelector[]): boolean {
  return inner.every((i) => outer.some((o) => {
    const x = intersectSelectors(i, o);
    return x !== undefined && sameSelector(x, { ...i, ipProtocol: x.ipProtocol });
  }));
}

/** "198.18.1.1/32" when the range is a prefix with any protocol and port, else "start-end[proto/ports]". */
export function formatSelector(ts: TrafficSelector): string {
  const bits = ts.startAddress.length * 8;
  let prefix = bits;
  while (prefix > 0) {
    const r = cidrRange({ address: ts.startAddress, prefixLength: prefix - 1 });
    if (compareAddress(r.start, ts.startAddress) !== 0 || compareAddress(r.end, ts.endAddress) > 0) break;
    prefix--;
  }
  const asPrefix = cidrRange({ address: ts.startAddress, prefixLength: prefix });
  const range = compareAddress(asPrefix.end, ts.endAddress) === 0
    ? `${formatIp(ts.startAddress)}/${prefix}`
    : `${formatIp(ts.startAddress)}-${formatIp(ts.endAddress)}`;
  const anyPort = ts.startPort === ANY_PORT_START && ts.endPort === ANY_PORT_END;
  if (ts.ipProtocol === 0 && anyPort) return range;
  return `${range}[${ts.ipProtocol}/${ts.startPort}-${ts.endPort}]`;
}
