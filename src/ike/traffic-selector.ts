/**
 * Traffic selectors (RFC 7296 §2.9, §3.13.1): building them from CIDR text, narrowing an offer to
 * what policy allows, and printing them for events and logs.
 */
import { isIP } from "node:net";
import { TsType } from "./registry.js";
import type { TrafficSelector } from "./codec/payloads.js";

const ANY_PORT_START = 0;
const ANY_PORT_END = 0xffff;

/** Parses a textual IPv4 or IPv6 address to its 4 or 16 octets. */
export function parseIp(text: string): Uint8Array | undefined {
  const family = isIP(text);
  if (family === 4) return new Uint8Array(text.split(".").map(Number));
  if (family !== 6) return undefined;
  const [head = "", tail] = text.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  let h = groups(head);
  let t = tail === undefined ? [] : groups(tail);
  const last = (tail === undefined ? h : t).at(-1);
  if (last !== undefined && last.includes(".")) {
    const v4 = parseIp(last);
    if (!v4) return undefined;
    const extra = [((v4[0] ?? 0) << 8 | (v4[1] ?? 0)).toString(16), ((v4[2] ?? 0) << 8 | (v4[3] ?? 0)).toString(16)];
    if (tail === undefined) h = [...h.slice(0, -1), ...extra];
    else t = [...t.slice(0, -1), ...extra];
  }
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill("0");
  const all = [...h, ...fill, ...t];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

/** Formats 4 or 16 octets as an address (IPv6 in the RFC 5952 short form). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexes.join(":");
  return `${hexes.slice(0, bestStart).join(":")}::${hexes.slice(bestStart + bestLen).join(":")}`;
}

export interface Cidr {
  readonly address: Uint8Array;
  readonly prefixLength: number;
}

/** Parses "a.b.c.d/n" or "x::y/n" (a bare address means a single host). */
export function parseCidr(text: string): Cidr | undefined {
  const [addr = "", len] = text.split("/");
  const address = parseIp(addr);
  if (!address) return undefined;
  const max = address.length * 8;
  const prefixLength = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN;
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max) return undefined;
  return { address, prefixLength };
}

/** First and last address of a prefix. */
export function cidrRange(c: Cidr): { start: Uint8Array; end: Uint8Array } {
  const start = c.address.slice();
  const end = c.address.slice();
  for (let bit = c.prefixLength; bit < c.address.length * 8; bit++) {
    const i = bit >> 3;
    const m = 0x80 >> (bit & 7);
    start[i] = (start[i] ?? 0) & ~m;
    end[i] = (end[i] ?? 0) | m;
  }
  return { start, end };
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
