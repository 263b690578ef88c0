// Network rule of the interop lab: every address the harness configures or talks to lies in the
// benchmarking ranges 198.18.0.0/15 (RFC 2544 / RFC 6890) or the documentation prefix
// 2001:db8::/32 (RFC 3849), so no test packet can ever be meant for a real host.
import { isIPv4, isIPv6 } from "node:net";

/** Parses dotted-quad IPv4 into an unsigned 32-bit number. */
function ipv4ToNumber(addr: string): number {
  return addr.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** Returns the first 32 bits of an IPv6 address (enough to test 2001:db8::/32). */
function ipv6High32(addr: string): number {
  const [head = "", tail] = addr.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return parseInt(groups[0] ?? "0", 16) * 0x10000 + parseInt(groups[1] ?? "0", 16);
}

/** True when the IPv4 address `addr` lies in the IPv4 prefix `cidr` (e.g. the virtual IP pool). */
export function inIpv4Prefix(addr: string, cidr: string): boolean {
  const [net = "", lenText = "32"] = cidr.split("/");
  const len = Number(lenText);
  if (!isIPv4(addr) || !isIPv4(net) || !Number.isInteger(len) || len < 0 || len > 32) return false;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((ipv4ToNumber(addr) & mask) >>> 0) === ((ipv4ToNumber(net) & mask) >>> 0);
}

/** True when `addrOrCidr` (an address, or a prefix of length >= the range's) is inside the lab ranges. */
export function isLabAddress(addrOrCidr: string): boolean {
  const [addr = "", lenText] = addrOrCidr.split("/");
  if (isIPv4(addr)) {
    const len = lenText === undefined ? 32 : Number(lenText);
    const inRange = (ipv4ToNumber(addr) & 0xfffe0000) >>> 0 === 0xc6120000;
    return inRange && Number.isInteger(len) && len >= 15 && len <= 32;
  }
  if (isIPv6(addr)) {
    const len = lenText === undefined ? 128 : Number(lenText);
    return ipv6High32(addr.toLowerCase()) === 0x20010db8 && Number.isInteger(len) && len >= 32 && len <= 128;
  }
  return false;
}

/**
 * Throws unless `addrOrCidr` lies in 198.18.0.0/15 or 2001:db8::/32.
 * @throws Error naming `what` and the refused address.
 */
export function assertLabAddress(addrOrCidr: string, what: string): void {
  if (!isLabAddress(addrOrCidr)) {
    throw new Error(`${what} '${addrOrCidr}' is outside 198.18.0.0/15 and 2001:db8::/32: refused`);
  }
}

/**
 * Traffic selectors may also be the "any" selector 0.0.0.0/0 (the UE's TSr before narrowing,
 * RFC 7296 §2.9); everything else must be a lab prefix.
 * @throws Error for any other selector.
 */
export function assertLabSelector(cidr: string, what: string): void {
  if (cidr === "0.0.0.0/0" || cidr === "::/0" || cidr === "dynamic") return;
  assertLabAddress(cidr, what);
}
