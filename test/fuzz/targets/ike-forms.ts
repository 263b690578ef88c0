/**
 * IKE messages as the fuzz targets see them, and the structure-aware mutators over them.
 *
 * "Plaintext form": an IKE message (RFC 7296 §3.1 header and generic payload chain, §3.2) in
 * which the Encrypted payload (SK, §3.14) holds its inner payload chain in clear, without IV,
 * padding or ICV. The targets seal it with a real SkCipher before delivery, so mutations reach
 * the decoders and exchanges behind the integrity check, not only the ICV comparison.
 */
import { decodeMessage, encodeMessage, encodePayloads } from "../../../src/ike/codec/message.js";
import type { SkPayload } from "../../../src/ike/codec/payloads.js";
import type { SkCipher } from "../../../src/ike/crypto/sk-cipher.js";
import { openMessage } from "../../../src/ike/message-protection.js";
import { IKE_HEADER_LENGTH, PayloadType } from "../../../src/ike/registry.js";
import { concatBytes } from "../../../src/wire/hex.js";
import type { Mutator } from "../campaign/mutators.js";
import { HAVOC } from "../campaign/mutators.js";
import type { BodySealer } from "./raw-seal.js";

/** One payload of a chain as found on the wire: its type, the C/RESERVED octet and body. */
interface ChainItem {
  type: number;
  flags: number;
  body: Uint8Array;
  /** SK/SKF only: the Next Payload field, which names the first inner payload. */
  innerFirst?: number;
}

interface Chain {
  items: ChainItem[];
  /** Octets the walk could not place in a payload (kept as they are). */
  tail: Uint8Array;
}

const ENCRYPTED = new Set<number>([PayloadType.SK, PayloadType.SKF]);
const KNOWN_TYPES = Object.values(PayloadType).filter((t) => t !== PayloadType.NONE);

function u16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

/** Walks generic payload headers only; anything that does not fit becomes the tail. */
function parseChain(bytes: Uint8Array, firstType: number): Chain {
  const items: ChainItem[] = [];
  let type = firstType;
  let at = 0;
  while (type !== PayloadType.NONE && at + 4 <= bytes.length) {
    const length = u16(bytes, at + 2);
    if (length < 4 || at + length > bytes.length) break;
    const next = bytes[at] ?? 0;
    const item: ChainItem = { type, flags: bytes[at + 1] ?? 0, body: bytes.slice(at + 4, at + length) };
    at += length;
    if (ENCRYPTED.has(type)) {
      items.push({ ...item, innerFirst: next });
      break;
    }
    items.push(item);
    type = next;
  }
  return { items, tail: bytes.slice(at) };
}

function encodeChain(c: Chain): Uint8Array {
  const parts: Uint8Array[] = [];
  c.items.forEach((item, i) => {
    const next = item.innerFirst ?? c.items[i + 1]?.type ?? PayloadType.NONE;
    const length = Math.min(0xffff, 4 + item.body.length);
    parts.push(Uint8Array.of(next, item.flags, length >> 8, length & 0xff), item.body.subarray(0, length - 4));
  });
  return concatBytes(...parts, c.tail);
}

/** A message split into header and chain; undefined if it has no 28-octet header. */
function splitMessage(m: Uint8Array): { header: Uint8Array; chain: Chain } | undefined {
  if (m.length < IKE_HEADER_LENGTH) return undefined;
  return { header: m.slice(0, IKE_HEADER_LENGTH), chain: parseChain(m.subarray(IKE_HEADER_LENGTH), m[16] ?? 0) };
}

/** Header Next Payload and Length made consistent with the chain after it. */
function joinMessage(header: Uint8Array, chain: Chain): Uint8Array {
  const body = encodeChain(chain);
  const out = concatBytes(header, body);
  out[16] = chain.items[0]?.type ?? (out[16] ?? 0);
  new DataView(out.buffer, out.byteOffset).setUint32(24, out.length);
  return out;
}

/** A chain mutation on the outer chain or, when the message has one, on the SK payload's inner chain. */
function chainMutator(edit: (c: Chain, ctx: Parameters<Mutator>[1]) => void): Mutator {
  return (input, ctx) => {
    const m = splitMessage(input);
    if (!m) return input;
    const sk = m.chain.items.find((i) => i.innerFirst !== undefined);
    if (sk && ctx.rng.oneIn(2)) {
      const inner = parseChain(sk.body, sk.innerFirst ?? 0);
      edit(inner, ctx);
      sk.body = encodeChain(inner);
      sk.innerFirst = inner.items[0]?.type ?? sk.innerFirst ?? 0;
    } else {
      edit(m.chain, ctx);
    }
    return joinMessage(m.header, m.chain);
  };
}

const dropPayload = chainMutator((c, { rng }) => void c.items.splice(rng.below(c.items.length), 1));

const duplicatePayload = chainMutator((c, { rng }) => {
  const item = c.items[rng.below(c.items.length)];
  if (item && item.innerFirst === undefined) c.items.splice(rng.below(c.items.length), 0, { ...item, body: item.body.slice() });
});

const swapPayloads = chainMutator((c, { rng }) => {
  const i = rng.below(c.items.length);
  const j = rng.below(c.items.length);
  const a = c.items[i];
  const b = c.items[j];
  if (a && b && a.innerFirst === undefined && b.innerFirst === undefined) [c.items[i], c.items[j]] = [b, a];
});

const retypePayload = chainMutator((c, { rng }) => {
  const item = c.items[rng.below(c.items.length)];
  if (item && item.innerFirst === undefined) item.type = rng.oneIn(8) ? rng.below(256) : rng.pick(KNOWN_TYPES);
});

const criticalBit = chainMutator((c, { rng }) => {
  const item = c.items[rng.below(c.items.length)];
  if (item) item.flags ^= rng.oneIn(4) ? 1 << rng.below(7) : 0x80;
});

/** Havoc inside one payload body, with every length recomputed around it. */
const mutateBody = chainMutator((c, ctx) => {
  const item = c.items[ctx.rng.below(c.items.length)];
  if (item && item.innerFirst === undefined) item.body = ctx.rng.pick(HAVOC)(item.body, ctx);
});

/** A payload from another corpus message, inserted at a random place. */
const transplant = chainMutator((c, ctx) => {
  const donor = splitMessage(ctx.other());
  const item = donor?.chain.items[ctx.rng.below(donor.chain.items.length)];
  if (item && item.innerFirst === undefined) c.items.splice(ctx.rng.below(c.items.length + 1), 0, { ...item, body: item.body.slice() });
});

/** Structure-aware mutators of a message (header + chain) in plaintext form. */
export const IKE_CHAIN_MUTATORS: readonly Mutator[] = [dropPayload, duplicatePayload, swapPayloads, retypePayload, criticalBit, mutateBody, mutateBody, transplant];

/** Applies `m` to the input after its first `n` control octets. */
export function afterPrefix(n: number, m: Mutator): Mutator {
  return (input, ctx) => (input.length < n ? input : concatBytes(input.subarray(0, n), m(input.subarray(n), ctx)));
}

/** The message with Padding (`padLength` zero octets) and Pad Length appended to its SK body (for raw sealers). */
export function withSkTrailer(message: Uint8Array, padLength: number): Uint8Array {
  const m = splitMessage(message);
  const sk = m?.chain.items.find((i) => i.innerFirst !== undefined);
  if (!m || !sk) return message;
  sk.body = concatBytes(sk.body, new Uint8Array(padLength), Uint8Array.of(padLength));
  return joinMessage(m.header, m.chain);
}

/**
 * Seals a message in plaintext form with `cipher` (an SkCipher, or a raw sealer): its SK
 * payload's body (the inner chain) becomes IV | ciphertext | ICV, and the header Length and SK
 * Payload Length are set to match when `fixLengths` (else the header keeps whatever Length the
 * input says). Octets after the SK payload stay after it. Undefined for a message without SK.
 */
export function sealPlaintextForm(message: Uint8Array, cipher: BodySealer, fixLengths = true): Uint8Array | undefined {
  const m = splitMessage(message);
  const skIndex = m?.chain.items.findIndex((i) => i.innerFirst !== undefined) ?? -1;
  const sk = m?.chain.items[skIndex];
  if (!m || !sk) return undefined;
  const outer = encodeChain({ items: m.chain.items.slice(0, skIndex), tail: new Uint8Array(0) });
  const skLength = 4 + cipher.bodyLength(sk.body.length);
  if (skLength > 0xffff) return undefined;
  const header = m.header.slice();
  if (fixLengths) new DataView(header.buffer).setUint32(24, IKE_HEADER_LENGTH + outer.length + skLength);
  const aad = concatBytes(header, outer, Uint8Array.of(sk.innerFirst ?? 0, sk.flags, skLength >> 8, skLength & 0xff));
  return concatBytes(aad, cipher.seal(aad, sk.body), m.chain.tail);
}

/** The plaintext form of a sealed message that `cipher` (the receiver's) opens; undefined if it does not. */
export function toPlaintextForm(raw: Uint8Array, cipher: SkCipher): Uint8Array | undefined {
  const msg = decodeMessage(raw);
  if (!msg.ok) return undefined;
  const last = msg.value.payloads.at(-1);
  if (!last || last.type !== PayloadType.SK) return raw.slice();
  const opened = openMessage(raw, msg.value, cipher);
  if (!opened.ok) return undefined;
  const outerCount = msg.value.payloads.length - 1;
  const inner = opened.payloads.slice(outerCount);
  const sk: SkPayload = { type: PayloadType.SK, critical: false, innerFirst: inner[0]?.type ?? PayloadType.NONE, body: encodePayloads(inner) };
  const { header } = msg.value;
  return encodeMessage({ spiI: header.spiI, spiR: header.spiR, version: header.version, exchangeType: header.exchangeType, flags: header.flags, messageId: header.messageId }, [...opened.payloads.slice(0, outerCount), sk]);
}
