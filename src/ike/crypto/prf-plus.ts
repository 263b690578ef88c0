/**
 * prf+ (RFC 7296 §2.13):
 *
 *   prf+ (K,S) = T1 | T2 | T3 | T4 | ...
 *   T1 = prf (K, S | 0x01)
 *   T2 = prf (K, T1 | S | 0x02)
 *   ...
 *
 * "The prf+ function is not defined beyond 255 times the size of the prf function output."
 */
import { wipe } from "./bytes.js";
import type { Prf } from "./prf.js";

/** The largest iteration counter: the counter is one octet (RFC 7296 §2.13). */
export const PRF_PLUS_MAX_ITERATIONS = 255;

/**
 * The first `length` octets of prf+(key, seed).
 * @throws RangeError if `length` is not a non-negative integer or needs more than 255 iterations
 * (a programmer error: key lengths come from the negotiated suite and are far below the limit).
 */
export function prfPlus(prf: Prf, key: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`prf+ length must be a non-negative integer, got ${length}`);
  const iterations = Math.ceil(length / prf.outputLength);
  if (iterations > PRF_PLUS_MAX_ITERATIONS) {
    throw new RangeError(`prf+ of ${length} octets needs ${iterations} iterations, more than ${PRF_PLUS_MAX_ITERATIONS}`);
  }
  const out = new Uint8Array(iterations * prf.outputLength);
  // Input buffer Tn-1 | S | n; for T1 there is no predecessor, so it is S | 0x01.
  const input = new Uint8Array(prf.outputLength + seed.length + 1);
  let t: Uint8Array = new Uint8Array(0);
  for (let n = 1; n <= iterations; n++) {
    input.set(t, 0);
    input.set(seed, t.length);
    const used = t.length + seed.length + 1;
    input[used - 1] = n;
    const next = prf.compute(key, input.subarray(0, used));
    t.fill(0);
    t = next;
    out.set(t, (n - 1) * prf.outputLength);
  }
  // Copy out exactly `length` octets so no surplus key stream stays reachable, then wipe the rest.
  const result = out.slice(0, length);
  wipe(out, input, t);
  return result;
}
