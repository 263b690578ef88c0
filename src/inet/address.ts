/**
 * IP addresses as bytes: text forms (IPv4 dotted quad, RFC 4291 §2.2 for IPv6, RFC 5952 for the
 * canonical output), CIDR prefixes (RFC 4632 §3.1) and their address ranges.
 */
import { codecError, type CodecError } from "../wire/codec-error.js";
import { err, ok, type Result } from "../wire/result.js";

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  /** 4 or 16 octets in network order. */
  readonly bytes: Uint8Array;
}

export interface Cidr {
  readonly family: IpFamily;
  /** The network address: host bits are cleared. */
  readonly address: Uint8Array;
  readonly prefixLength: number;
}

function bad(message: string): Result<never, CodecError> {
  return err(codecError("invalid-syntax", message, 0));
}

/** "a.b.c.d" with decimal octets 0-255, no leading zeros (they read as octal elsewhere). */
function parseIpv4Octets(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? "";
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

/** Up to 8 groups of 1-4 hex digits, one "::", optional trailing dotted quad (RFC 4291 §2.2). */
function parseIpv6Octets(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups: number[][] = [];
  for (const half of halves) {
    const words: number[] = [];
    const parts = half === "" ? [] : half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? "";
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4Octets(p);
        if (!v4) return undefined;
        words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        words.push(parseInt(p, 16));
      }
    }
    groups.push(words);
  }
  const head = groups[0] ?? [];
  const tail = groups[1] ?? [];
  const compressed = halves.length === 2;
  const count = head.length + tail.length;
  if (compressed ? count > 7 : count !== 8) return undefined;
  const words = [...head, ...new Array<number>(8 - count).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Parses an IPv4 or IPv6 address in text form (no zone index, no prefix). */
export function parseIpAddress(text: string): Result<IpAddress, CodecError> {
  const v6 = text.includes(":");
  const bytes = v6 ? parseIpv6Octets(text) : parseIpv4Octets(text);
  if (!bytes) return bad(`not an IPv${v6 ? 6 : 4} address: ${text.slice(0, 64)}`);
  return ok({ family: v6 ? 6 : 4, bytes });
}

/** Dotted quad for 4 octets, RFC 5952 canonical text for 16. @throws RangeError for other lengths. */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length !== 16) throw new RangeError(`an IP address has 4 or 16 octets, not ${bytes.length}`);
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${Array.from(bytes.subarray(12)).join(".")}`;
  }
  const words = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  // RFC 5952 §4.2: shorten the longest run of two or more zero words, the first if tied.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hexOf = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hexOf(words);
  return `${hexOf(words.slice(0, bestStart))}::${hexOf(words.slice(bestStart + bestLength))}`;
}

/** "198.18.64.0/18", "2001:db8::/32". Host bits set in the address are cleared. */
export function parseCidr(text: string): Result<Cidr, CodecError> {
  const slash = text.indexOf("/");
  if (slash < 0) return bad(`no prefix length in ${text.slice(0, 64)}`);
  const addr = parseIpAddress(text.slice(0, slash));
  if (!addr.ok) return addr;
  const lengthText = text.slice(slash + 1);
  const max = addr.value.bytes.length * 8;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthText) || Number(lengthText) > max) {
    return bad(`prefix length must be 0-${max}: ${text.slice(0, 64)}`);
  }
  const prefixLength = Number(lengthText);
  return ok({ family: addr.value.family, address: maskBytes(addr.value.bytes, prefixLength, 0), prefixLength });
}

/** A copy of `address` with the bits after the prefix set to `hostBit` (0 or 1). */
function maskBytes(address: Uint8Array, prefixLength: number, hostBit: 0 | 1): Uint8Array {
  const out = address.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefixLength - 8 * i));
    const hostMask = 0xff >> keep;
    out[i] = hostBit ? (out[i] ?? 0) | hostMask : (out[i] ?? 0) & ~hostMask;
  }
  return out;
}

/** The first and last address of a prefix, e.g. for a traffic selector (RFC 7296 §3.13.1). */
export function cidrRange(cidr: Cidr): { start: Uint8Array; end: Uint8Array } {
  return { start: maskBytes(cidr.address, cidr.prefixLength, 0), end: maskBytes(cidr.address, cidr.prefixLength, 1) };
}

/** Is `address` (4 or 16 octets) inside the prefix? Always false across families. */
export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  if (address.length !== cidr.address.length) return false;
  const { start, end } = cidrRange(cidr);
  return inRangeAt(address, 0, start, end);
}

/**
 * Is the address of `start.length` octets at `bytes[offset..]` between `start` and `end`
 * inclusive (network order compares as unsigned big-endian)? No allocation: used per packet.
 * The caller guarantees the bytes exist.
 */
export function inRangeAt(bytes: Uint8Array, offset: number, start: Uint8Array, end: Uint8Array): boolean {
  const n = start.length;
  let i = 0;
  // Compare with start.
  while (i < n && bytes[offset + i] === start[i]) i++;
  if (i < n && (bytes[offset + i] ?? 0) < (start[i] ?? 0)) return false;
  i = 0;
  while (i < n && bytes[offset + i] === end[i]) i++;
  return i === n || (bytes[offset + i] ?? 0) < (end[i] ?? 0);
}
