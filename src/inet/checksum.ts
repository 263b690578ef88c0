/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
 * the data taken as big-endian 16-bit words, an odd last octet padded with zero. Used by the IPv4
 * header (RFC 791), ICMP (RFC 792) and, over a pseudo-header, ICMPv6 (RFC 4443 §2.3, RFC 8200 §8.1).
 */

/**
 * Adds bytes[start..end) to a running 32-bit-or-wider sum without folding (RFC 1071 §2(1):
 * carries can be added at the end). Good for any input below 2^37 octets.
 */
export function sumWords(bytes: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  if (i < end) sum += (bytes[i] ?? 0) << 8;
  return sum;
}

/** Folds the carries of a running sum and complements it: the value for the checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** RFC 1071 checksum of bytes[start..end); 0 when a stored checksum in that range is correct. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initialSum = 0): number {
  return finishChecksum(sumWords(bytes, start, end, initialSum));
}

/**
 * The running sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination, upper-layer
 * packet length (32 bits) and next header (zero-padded to 32 bits).
 */
export function ipv6PseudoHeaderSum(src: Uint8Array, dst: Uint8Array, upperLength: number, nextHeader: number): number {
  const sum = sumWords(dst, 0, dst.length, sumWords(src, 0, src.length));
  return sum + Math.floor(upperLength / 0x10000) + (upperLength & 0xffff) + nextHeader;
}
