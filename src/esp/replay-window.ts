/**
 * The receiver's anti-replay window (RFC 4303 §3.4.3, Appendix A for Extended Sequence Numbers).
 *
 * A 64-bit sequence number is kept as two uint32 numbers (hi, lo) so the per-packet path needs no
 * bigint. The bitmap is a ring of 32-bit words (the layout of RFC 6479 §2): bit `seq mod B` marks
 * `seq` as received, where B, the ring size in bits, is a power of two holding the window plus one
 * spare word. Because 2^32 is a multiple of B, the low 32 bits alone index the ring, across
 * sequence-number wrap too. Sliding the window forward clears whole words, never shifts bits.
 *
 * `check` and `commit` are separate: RFC 4303 §3.4.3 updates the window only "if the received
 * packet falls within the window and is not a duplicate" AND its ICV verified.
 */

/** Why `check` refused a sequence number. */
export type ReplayRefusal = "replay" | "outside-window";

/** Default window: the issue asks for at least 1024 (RFC 4303 §3.4.3 requires >= 32, suggests 64). */
export const DEFAULT_REPLAY_WINDOW = 1024;
const MIN_WINDOW = 32;
/** Bounds the bitmap at 128 KiB; far beyond any reordering an IPsec path sees. */
const MAX_WINDOW = 1 << 20;
const TWO_32 = 0x100000000;

export class ReplayWindow {
  /** Highest authenticated sequence number so far ("top", T = Th:Tl in RFC 4303 Appendix A). */
  private topHi: number;
  private topLo: number;
  /**
   * Allocated by the first commit (or at construction above 0): an SA that never received a
   * packet, as most of a SeGW's idle UEs, holds no bitmap; before it every bit reads as 0.
   */
  private bitmap: Uint32Array | undefined;
  /** Ring size in words, minus one (a mask). */
  private readonly wordMask: number;

  /**
   * @param size window size W in packets: top - W < seq <= top is inside (RFC 4303 §3.4.3).
   * @param top the top to start from as [hi, lo]; default [0, 0], nothing received yet. A start
   *   above 0 (tests, or an SA restored mid-life) treats everything up to `top` as received.
   * @throws RangeError if size is not an integer in [32, 2^20].
   */
  constructor(readonly size: number = DEFAULT_REPLAY_WINDOW, top: readonly [number, number] = [0, 0]) {
    if (!Number.isInteger(size) || size < MIN_WINDOW || size > MAX_WINDOW) {
      throw new RangeError(`replay window size must be an integer in [${MIN_WINDOW}, ${MAX_WINDOW}], got ${size}`);
    }
    let words = 1;
    while (words < Math.ceil(size / 32) + 1) words *= 2;
    this.wordMask = words - 1;
    this.topHi = top[0] >>> 0;
    this.topLo = top[1] >>> 0;
    if (this.topHi !== 0 || this.topLo !== 0) this.bitmap = new Uint32Array(words).fill(0xffffffff);
  }

  /** The highest sequence number committed so far, for diagnostics and tests. */
  get top(): bigint {
    return (BigInt(this.topHi) << 32n) | BigInt(this.topLo);
  }

  /**
   * The high 32 bits of an ESN packet, inferred from its low 32 bits (RFC 4303 Appendix A2.2):
   * the candidate in or ahead of the window. -1 when the inference lands before sequence 0
   * (Case B with Th = 0): no such packet exists, so `check` refuses it as outside the window.
   */
  inferSeqHi(seqLo: number): number {
    const w = this.size;
    const bottom = (this.topLo - w + 1) >>> 0; // Tl - W + 1, mod 2^32
    if (this.topLo >= w - 1) {
      // Case A: the window lies within one 2^32 subspace.
      return seqLo >= bottom ? this.topHi : this.topHi + 1;
    }
    // Case B: the window spans two subspaces; a seqLo at or above `bottom` is in the lower one.
    return seqLo >= bottom ? this.topHi - 1 : this.topHi;
  }

  /**
   * Is (seqHi, seqLo) new and not too old? Does not change the window (RFC 4303 §3.4.3: commit
   * only after the ICV verified). undefined = acceptable.
   */
  check(seqHi: number, seqLo: number): ReplayRefusal | undefined {
    // Sequence number 0 is never sent: the counter starts at 1 (RFC 4303 §3.3.3).
    if (seqHi < 0 || seqHi > 0xffffffff || (seqHi === 0 && seqLo === 0)) return "outside-window";
    const topHi = this.topHi;
    if (seqHi > topHi || (seqHi === topHi && seqLo > this.topLo)) return undefined;
    let behind: number;
    if (seqHi === topHi) behind = this.topLo - seqLo;
    else if (seqHi === topHi - 1) behind = this.topLo + TWO_32 - seqLo;
    else return "outside-window";
    if (behind >= this.size) return "outside-window";
    const word = this.bitmap?.[(seqLo >>> 5) & this.wordMask] ?? 0;
    return (word >>> (seqLo & 31)) & 1 ? "replay" : undefined;
  }

  /** Marks (seqHi, seqLo) received, sliding the window if it is above the top. Call after `check`. */
  commit(seqHi: number, seqLo: number): void {
    const bitmap = (this.bitmap ??= new Uint32Array(this.wordMask + 1));
    const topHi = this.topHi;
    if (seqHi > topHi || (seqHi === topHi && seqLo > this.topLo)) {
      // Words strictly after the old top's word, up to the new top's word, hold stale bits of
      // sequence numbers a whole ring ago: clear them. 2^32 / 32 = 2^27 words per subspace.
      const topWord = this.topLo >>> 5;
      const advance = (seqHi - topHi) * 0x8000000 + (seqLo >>> 5) - topWord;
      if (advance > this.wordMask) bitmap.fill(0);
      else for (let i = 1; i <= advance; i++) bitmap[(topWord + i) & this.wordMask] = 0;
      this.topHi = seqHi;
      this.topLo = seqLo;
    }
    const index = (seqLo >>> 5) & this.wordMask;
    bitmap[index] = (bitmap[index] ?? 0) | (1 << (seqLo & 31));
  }
}
