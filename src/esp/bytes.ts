/**
 * Byte helpers for the per-packet path: big-endian fields read and written in place (no DataView
 * per packet), packet buffers carved from a slab, and reusable scratch buffers.
 */

/** Reads a big-endian uint32 at `offset`; the caller has checked the length. */
export function readU32(b: Uint8Array, offset: number): number {
  return (((b[offset] ?? 0) << 24) | ((b[offset + 1] ?? 0) << 16) | ((b[offset + 2] ?? 0) << 8) | (b[offset + 3] ?? 0)) >>> 0;
}

/** Writes `v` as a big-endian uint32 at `offset`. */
export function writeU32(b: Uint8Array, offset: number, v: number): void {
  b[offset] = v >>> 24;
  b[offset + 1] = v >>> 16;
  b[offset + 2] = v >>> 8;
  b[offset + 3] = v;
}

const SLAB_BYTES = 16384;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/**
 * A zeroed packet buffer of `n` octets, carved from a shared 16 KiB slab: one ArrayBuffer per
 * ~11 full-size packets instead of one each. Off-heap ArrayBuffer allocation costs more on the
 * per-packet path than copying the packet (measured with bench/esp-micro.ts), while larger slabs
 * add GC pressure. Slices never overlap and a slab is never reused, so the caller owns its packet
 * outright; the price is that a packet kept alive keeps its slab alive.
 */
export function allocPacket(n: number): Uint8Array {
  if (n > SLAB_BYTES / 4) return new Uint8Array(n);
  if (slabUsed + n > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const packet = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += (n + 7) & ~7; // keep slices 8-octet aligned
  return packet;
}

/** A Uint8Array view of a node:crypto output Buffer (no copy). */
export function asBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/**
 * The one plaintext work buffer of every ESP transform in this thread: a seal assembles the
 * packet's plaintext here, encrypts it and zeroes what it used before returning, so nothing is
 * left behind and no SA needs a buffer of its own (2 KiB per SA at 100k UEs would be 200 MiB).
 */
export const sharedPlaintext = (): Scratch => shared;

/** A reusable work buffer that only grows; its contents are valid until the next `get`. */
export class Scratch {
  private buf: Uint8Array;

  constructor(initialBytes: number) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** A buffer of at least n octets (the same one again unless it had to grow). */
  get(n: number): Uint8Array {
    if (this.buf.length < n) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    return this.buf;
  }

  /** Zeroes the buffer: it held plaintext. */
  wipe(): void {
    this.buf.fill(0);
  }
}

const shared = new Scratch(2048);
