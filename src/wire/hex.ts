/** Hex helpers for CLI arguments, logs of identifiers (never keys) and test vectors. */

/** Longest typed array V8 keeps on its heap (typed_array_max_size_in_heap); longer ones live off it anyway. */
const ON_HEAP_MAX = 64;

export function toHex(bytes: Uint8Array): string {
  // Taking `.buffer` of a small array moves its octets off the V8 heap for good (an ArrayBuffer and
  // a native block, about 100 octets more, per SPI or IDi a SeGW holds): small ones are copied.
  if (bytes.byteLength <= ON_HEAP_MAX) return Buffer.from(bytes).toString("hex");
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * The octets as a one-byte string, one character per octet (ISO-8859-1). A way to keep a few
 * octets for long (an SPI pair, a cached message) for the string's 16-octet header, where a
 * Uint8Array costs about 100 octets of objects before its contents.
 */
export function toByteString(bytes: Uint8Array): string {
  if (bytes.byteLength <= ON_HEAP_MAX) return String.fromCharCode(...bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** A new Uint8Array of the octets toByteString made (or of its characters start..end). */
export function fromByteString(s: string, start = 0, end = s.length): Uint8Array {
  const out = new Uint8Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = s.charCodeAt(i);
  return out;
}

/** Parses an even-length hex string (no prefix, no spaces); undefined if it is not one. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** Like fromHex, for trusted constants and test vectors: a bad literal is a programmer error. @throws TypeError */
export function hex(literal: string): Uint8Array {
  const b = fromHex(literal.replace(/\s+/g, ""));
  if (!b) throw new TypeError(`not a hex literal: ${literal.slice(0, 32)}`);
  return b;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
