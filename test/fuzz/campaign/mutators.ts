/**
 * Byte-level mutations in the manner of AFL's "havoc" stage: bit flips, interesting values at
 * random offsets (as 8-, 16- and 32-bit big-endian fields, the only byte order these protocols
 * use), arithmetic, block deletion, insertion, duplication, splicing with another corpus entry,
 * and dictionary tokens. Targets add structure-aware mutators of their own (see ike-chain.ts).
 */
import type { Rng } from "./rng.js";

/** What a mutator may draw on besides its input. */
export interface MutationContext {
  readonly rng: Rng;
  /** Another corpus entry, for splicing. */
  readonly other: () => Uint8Array;
  /** The target's tokens (protocol constants, magic values). */
  readonly dictionary: readonly Uint8Array[];
  readonly maxLength: number;
}

export type Mutator = (input: Uint8Array, ctx: MutationContext) => Uint8Array;

const INTERESTING_8 = [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 0x7f, 0x80, 0x81, 0xfe, 0xff];
const INTERESTING_16 = [0, 1, 2, 3, 4, 5, 7, 8, 12, 16, 28, 32, 64, 100, 127, 128, 255, 256, 512, 1000, 1024, 4096, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_32 = [0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x10000, 0xffff, 28, 32];

function clamp(bytes: Uint8Array, max: number): Uint8Array {
  return bytes.length > max ? bytes.subarray(0, max) : bytes;
}

function splice(a: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length - remove + insert.length);
  out.set(a.subarray(0, at));
  out.set(insert, at);
  out.set(a.subarray(at + remove), at + insert.length);
  return out;
}

function writeBE(out: Uint8Array, at: number, value: number, bytes: number): void {
  for (let i = bytes - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) {
    if (at + i < out.length) out[at + i] = v & 0xff;
  }
}

function readBE(bytes: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + (bytes[at + i] ?? 0);
  return v;
}

/** A block length biased towards short blocks. */
function blockLength(rng: Rng, limit: number): number {
  if (limit <= 1) return 1;
  const cap = rng.oneIn(4) ? limit : Math.min(limit, 16);
  return 1 + rng.below(cap);
}

const flipBit: Mutator = (input, { rng }) => {
  if (input.length === 0) return input;
  const out = input.slice();
  const at = rng.below(out.length);
  out[at] = (out[at] ?? 0) ^ (1 << rng.below(8));
  return out;
};

const randomByte: Mutator = (input, { rng }) => {
  if (input.length === 0) return input;
  const out = input.slice();
  out[rng.below(out.length)] = rng.u32() & 0xff;
  return out;
};

const interestingValue: Mutator = (input, { rng }) => {
  if (input.length === 0) return input;
  const out = input.slice();
  const width = rng.pick([1, 2, 2, 4]);
  const at = rng.below(out.length);
  const table = width === 1 ? INTERESTING_8 : width === 2 ? INTERESTING_16 : INTERESTING_32;
  // Lengths relative to the input itself are the values length fields most often get wrong.
  const relative = [input.length, input.length - at, input.length - at - 1, input.length - at + 1, input.length + 1, input.length - 1];
  const value = rng.oneIn(3) ? Math.max(0, rng.pick(relative)) : rng.pick(table);
  writeBE(out, at, value, width);
  return out;
};

const arithmetic: Mutator = (input, { rng }) => {
  if (input.length === 0) return input;
  const out = input.slice();
  const width = rng.pick([1, 2, 4]);
  const at = rng.below(out.length);
  const delta = (1 + rng.below(16)) * (rng.oneIn(2) ? 1 : -1);
  const max = 2 ** (8 * width);
  writeBE(out, at, (readBE(out, at, width) + delta + max) % max, width);
  return out;
};

const deleteBlock: Mutator = (input, { rng }) => {
  if (input.length < 2) return input;
  const n = blockLength(rng, input.length - 1);
  return splice(input, rng.below(input.length - n + 1), n, new Uint8Array(0));
};

const insertBlock: Mutator = (input, { rng }) => {
  const n = blockLength(rng, 64);
  const block = rng.oneIn(2) ? rng.bytes(n) : new Uint8Array(n).fill(rng.pick(INTERESTING_8));
  return splice(input, rng.below(input.length + 1), 0, block);
};

const duplicateBlock: Mutator = (input, { rng }) => {
  if (input.length === 0) return input;
  const n = blockLength(rng, input.length);
  const from = rng.below(input.length - n + 1);
  const copies = rng.oneIn(4) ? 1 + rng.below(8) : 1;
  let block: Uint8Array = input.slice(from, from + n);
  for (let i = 1; i < copies; i++) block = splice(block, block.length, 0, input.subarray(from, from + n));
  return splice(input, rng.below(input.length + 1), 0, block);
};

const overwriteBlock: Mutator = (input, { rng }) => {
  if (input.length < 2) return input;
  const n = blockLength(rng, input.length - 1);
  const from = rng.below(input.length - n + 1);
  const to = rng.below(input.length - n + 1);
  const out = input.slice();
  out.set(input.subarray(from, from + n), to);
  return out;
};

const truncate: Mutator = (input, { rng }) => (input.length === 0 ? input : input.subarray(0, rng.below(input.length)));

const extend: Mutator = (input, { rng }) => splice(input, input.length, 0, rng.bytes(1 + rng.below(rng.oneIn(8) ? 2048 : 64)));

const crossover: Mutator = (input, { rng, other }) => {
  const b = other();
  if (b.length === 0) return input;
  const cut = rng.below(input.length + 1);
  const from = rng.below(b.length);
  return splice(input.subarray(0, cut), cut, 0, b.subarray(from, from + blockLength(rng, b.length - from)));
};

const dictionaryToken: Mutator = (input, { rng, dictionary }) => {
  if (dictionary.length === 0) return input;
  const token = rng.pick(dictionary);
  const at = rng.below(input.length + 1);
  if (rng.oneIn(2) || at + token.length > input.length) return splice(input, at, 0, token);
  const out = input.slice();
  out.set(token, at);
  return out;
};

/** The generic havoc mutators, weighted by repetition. */
export const HAVOC: readonly Mutator[] = [
  flipBit, flipBit, randomByte, interestingValue, interestingValue, interestingValue, arithmetic,
  deleteBlock, insertBlock, duplicateBlock, overwriteBlock, truncate, extend, crossover, dictionaryToken, dictionaryToken,
];

/**
 * One mutant: a stack of 1 to 16 mutations (fewer more often), drawn from the target's own
 * mutators and the havoc set, clamped to the target's maximum length.
 */
export function mutate(input: Uint8Array, ctx: MutationContext, structural: readonly Mutator[]): Uint8Array {
  const stack = 1 << ctx.rng.below(5);
  let out = input;
  for (let i = 0; i < stack; i++) {
    const useStructure = structural.length > 0 && ctx.rng.oneIn(3);
    out = clamp(ctx.rng.pick(useStructure ? structural : HAVOC)(out, ctx), ctx.maxLength);
  }
  return out;
}

/** Big-endian tokens for a dictionary: each value as 1, 2 or 4 octets. */
export function tokens(values: readonly number[], width: 1 | 2 | 4): Uint8Array[] {
  return values.map((v) => {
    const out = new Uint8Array(width);
    writeBE(out, 0, v, width);
    return out;
  });
}
