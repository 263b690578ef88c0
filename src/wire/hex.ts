/** Hex helpers for CLI arguments, logs of identifiers (never keys) and test vectors. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
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
