/**
 * A CSPRNG source for the IKE engine's SPIs, nonces and IVs that draws from node:crypto in blocks.
 * One randomFillSync of 4 KiB costs about what one randomBytes(8) costs on a VM whose getrandom is
 * slow (measured 6-9 µs either way), and a responder asks for randomness several times per
 * handshake. The output is the same CSPRNG's; every value handed out is a copy, and the pool
 * zeroes what it handed out, so no consumer can see another's bytes.
 */
import { randomFillSync } from "node:crypto";

const DEFAULT_BLOCK_BYTES = 4096;

/** A `(n) => n random octets` function backed by a pool refilled `blockBytes` at a time. */
export function createRandomPool(blockBytes = DEFAULT_BLOCK_BYTES): (n: number) => Uint8Array {
  const pool = new Uint8Array(blockBytes);
  let used = blockBytes;
  return (n) => {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`random length ${n}`);
    if (n > blockBytes / 4) return randomFillSync(new Uint8Array(n));
    if (used + n > blockBytes) {
      randomFillSync(pool);
      used = 0;
    }
    const out = pool.slice(used, used + n);
    pool.fill(0, used, used + n);
    used += n;
    return out;
  };
}
