/**
 * What a fuzz target is: a synchronous function over one input that either returns or throws.
 * A FuzzViolation is an invariant the target checks itself (state left behind, a round trip that
 * does not hold); any other exception escaped the code under test and is a crash.
 */
import type { Mutator } from "./mutators.js";

export interface FuzzTarget {
  readonly name: string;
  /** What the input octets mean, for the findings' readers. */
  readonly inputFormat: string;
  /** Real captures and well-formed inputs to start from (may run handshakes). */
  seeds(): Promise<Uint8Array[]>;
  /** Runs one input; returns normally when every invariant held. */
  run(input: Uint8Array): void;
  readonly maxLength: number;
  readonly dictionary: readonly Uint8Array[];
  /** Mutators that know the input's structure (used beside the byte-level havoc set). */
  readonly mutators: readonly Mutator[];
  /** Share of the worker's time relative to the other targets (default 1); slow targets get more and smaller batches. */
  readonly weight?: number;
}

/** An invariant of the target failed for this input (not an exception from the code under test). */
export class FuzzViolation extends Error {
  override readonly name = "FuzzViolation";
}

/** Throws a FuzzViolation with `message` unless `condition` holds. */
export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new FuzzViolation(message);
}
