/**
 * What a campaign worker and the main thread tell each other, and the shared "current input"
 * buffer the main thread reads when a worker stops answering (a hang).
 */

export interface WorkerConfig {
  readonly targets: readonly string[];
  /** Epoch milliseconds at which the worker stops. */
  readonly deadline: number;
  readonly seed: number;
  /** Folder with <target>.txt from earlier runs (one hex input per line). */
  readonly corpusDir: string;
  readonly coverage: boolean;
  /** See CurrentInput. */
  readonly shared: SharedArrayBuffer;
}

export interface Finding {
  readonly target: string;
  /** crash: an exception escaped; violation: a FuzzViolation; slow: one input took too long; hang: the worker stopped answering. */
  readonly kind: "crash" | "violation" | "slow" | "hang";
  /** Stable across inputs hitting the same bug (message without numbers, top frames). */
  readonly signature: string;
  readonly message: string;
  readonly stack: string;
  /** The (minimized) input, hex. */
  readonly input: string;
  readonly ms?: number;
}

export interface TargetStats {
  readonly target: string;
  readonly execs: number;
  readonly corpus: number;
  readonly features: number;
}

export type WorkerMessage =
  | { readonly type: "finding"; readonly finding: Finding }
  | { readonly type: "corpus"; readonly target: string; readonly input: string }
  | { readonly type: "stats"; readonly stats: readonly TargetStats[] }
  | { readonly type: "done"; readonly stats: readonly TargetStats[] };

/** Largest input the shared buffer keeps for hang reports. */
export const MAX_SHARED_INPUT = 64 * 1024;
const HEADER_INTS = 4;

/**
 * The input a worker is running, readable from the main thread: [heartbeat, target index,
 * input length, -] as Int32, then the input octets.
 */
export class CurrentInput {
  private readonly ints: Int32Array;
  private readonly bytes: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.ints = new Int32Array(buffer, 0, HEADER_INTS);
    this.bytes = new Uint8Array(buffer, HEADER_INTS * 4);
  }

  static allocate(): SharedArrayBuffer {
    return new SharedArrayBuffer(HEADER_INTS * 4 + MAX_SHARED_INPUT);
  }

  begin(target: number, input: Uint8Array): void {
    const n = Math.min(input.length, MAX_SHARED_INPUT);
    this.bytes.set(input.subarray(0, n));
    Atomics.store(this.ints, 2, n);
    Atomics.store(this.ints, 1, target);
  }

  end(): void {
    Atomics.add(this.ints, 0, 1);
  }

  get heartbeat(): number {
    return Atomics.load(this.ints, 0);
  }

  get target(): number {
    return Atomics.load(this.ints, 1);
  }

  get input(): Uint8Array {
    return this.bytes.slice(0, Atomics.load(this.ints, 2));
  }
}
