/**
 * ESP inbound processing (RFC 4303 §3.4) through createInboundSa: a sequence of packets for one
 * SA, either as raw bytes or sealed by the target from a plaintext the input writes in full
 * (trailer included, raw-seal.ts), so padding, Next Header and the replay window (§3.4.3) are
 * reached with valid ICVs. Oracles: nothing throws; a delivered packet replayed at once is
 * refused as a replay; the window's top never moves back; what is delivered goes on through the
 * SeGW user plane (user-plane.ts).
 */
import { createInboundSa, createOutboundSa, type EspSaParams } from "../../../src/esp/sa.js";
import { isEspDrop, NextHeader } from "../../../src/esp/constants.js";
import { loadVectors } from "../../support/vectors.js";
import { concatBytes, hex } from "../../../src/wire/hex.js";
import type { FuzzTarget } from "../campaign/target.js";
import { invariant } from "../campaign/target.js";
import type { Mutator } from "../campaign/mutators.js";
import { HAVOC, tokens } from "../campaign/mutators.js";
import { rawEspPacket, type EspKeys } from "./raw-seal.js";
import { checkUplink, uplinkSample } from "./user-plane.js";

export const FUZZ_SPI = 0xc0ffee01;

const key = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** Octet 0, bits 0-1: the SA's transform and keys. */
const SUITES: readonly EspKeys[] = [
  { spi: FUZZ_SPI, gcm: true, encrKey: key(20, 0x11), esn: false },
  { spi: FUZZ_SPI, gcm: true, encrKey: key(36, 0x22), esn: false },
  { spi: FUZZ_SPI, gcm: false, encrKey: key(16, 0x33), integKey: key(32, 0x44), esn: false },
  { spi: FUZZ_SPI, gcm: false, encrKey: key(32, 0x55), integKey: key(32, 0x66), esn: false },
];

function params(k: EspKeys, replayWindow: number): EspSaParams {
  return { spi: k.spi, encrId: k.gcm ? 20 : 12, encrKeyBits: (k.gcm ? k.encrKey.length - 4 : k.encrKey.length) === 16 ? 128 : 256, integId: k.gcm ? 0 : 12, encrKey: k.encrKey, integKey: k.integKey, esn: k.esn, replayWindow };
}

/** One record of the input: a raw packet, or a plaintext the target seals with sequence number hi:lo. */
interface EspRecord {
  readonly sealed: boolean;
  readonly seqLo: number;
  readonly seqHi: number;
  readonly data: Uint8Array;
}

const RECORD_HEADER = 11;

function u32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

function parseRecords(body: Uint8Array): EspRecord[] {
  const out: EspRecord[] = [];
  for (let at = 0; at + RECORD_HEADER <= body.length;) {
    const length = ((body[at + 9] ?? 0) << 8) | (body[at + 10] ?? 0);
    const data = body.subarray(at + RECORD_HEADER, at + RECORD_HEADER + length);
    out.push({ sealed: ((body[at] ?? 0) & 1) === 1, seqLo: u32(body, at + 1), seqHi: u32(body, at + 5), data });
    at += RECORD_HEADER + data.length;
  }
  return out;
}

function encodeRecords(records: readonly EspRecord[]): Uint8Array {
  return concatBytes(...records.flatMap((r) => {
    const h = new Uint8Array(RECORD_HEADER);
    const v = new DataView(h.buffer);
    h[0] = r.sealed ? 1 : 0;
    v.setUint32(1, r.seqLo);
    v.setUint32(5, r.seqHi);
    v.setUint16(9, Math.min(r.data.length, 0xffff));
    return [h, r.data.subarray(0, 0xffff)];
  }));
}

/** One esp-decap input: [suite bits 0-1 | ESN bit 2 | window 32 bit 3] then records [sealed][seqLo u32][seqHi u32][u16 length][data]. */
export function runEspDecap(input: Uint8Array): void {
  const control = input[0] ?? 0;
  const base = SUITES[control & 3];
  if (!base) return;
  const keys: EspKeys = { ...base, esn: (control & 4) !== 0 };
  const sa = createInboundSa(params(keys, control & 8 ? 32 : 1024));
  let top = sa.highestSeq;
  for (const r of parseRecords(input.subarray(1))) {
    const packet = r.sealed ? rawEspPacket(keys, r.seqLo, r.seqHi, r.data) : r.data;
    const out = sa.decapsulate(packet);
    invariant(sa.highestSeq >= top, "the replay window's top moved back");
    top = sa.highestSeq;
    if (isEspDrop(out)) continue;
    invariant(out.innerPacket.length < packet.length, "inner packet longer than the ESP packet");
    const replayed = sa.decapsulate(packet.slice());
    invariant(isEspDrop(replayed) && replayed.drop === "replay", `an accepted packet was accepted again (${isEspDrop(replayed) ? replayed.drop : "delivered"})`);
    checkUplink(out.innerPacket);
  }
}

/** Inner packets of the ESP vectors (their trailers stripped) and our own uplink sample. */
function innerPackets(): Uint8Array[] {
  const gcm = loadVectors<{ cases: { plaintext: string }[] }>("esp-aes-gcm-draft-mcgrew-gcm-test-01.json").cases.map((c) => hex(c.plaintext));
  const stripped = gcm.map((p) => p.subarray(0, Math.max(0, p.length - 2 - (p[p.length - 2] ?? 0))));
  const cbc = loadVectors<{ cases: { plaintext?: string; original_ip_header?: string; original_data?: string }[] }>("esp-aes-cbc-rfc3602.json").cases
    .map((c) => hex(c.plaintext ?? `${c.original_ip_header ?? ""}${c.original_data ?? ""}`));
  return [uplinkSample(), ...stripped, ...cbc];
}

/** inner | 1, 2, ... | Pad Length | Next Header (RFC 4303 §2.4), aligned to `align`. */
function withTrailer(inner: Uint8Array, align: number): Uint8Array {
  const pad = (align - ((inner.length + 2) % align)) % align;
  return concatBytes(inner, Uint8Array.from({ length: pad }, (_, i) => i + 1), Uint8Array.of(pad, NextHeader.IPV4));
}

function seedsFor(control: number): Uint8Array[] {
  const base = SUITES[control & 3];
  if (!base) return [];
  const keys = { ...base, esn: (control & 4) !== 0 };
  const out = createOutboundSa(params(keys, 1024));
  return innerPackets().map((inner, i) => {
    const packet = out.encapsulate(inner, NextHeader.IPV4);
    const raw: EspRecord = { sealed: false, seqLo: 0, seqHi: 0, data: isEspDrop(packet) ? new Uint8Array(0) : packet };
    const trailer = withTrailer(inner, keys.gcm ? 4 : 16);
    const sealed: EspRecord = { sealed: true, seqLo: 1000 + i, seqHi: 0, data: trailer };
    return concatBytes(Uint8Array.of(control), encodeRecords([raw, sealed, { ...sealed, seqLo: 999 - i }]));
  });
}

/** Structure-aware: edit one record's data, replay one, reorder, or move its sequence number to a window edge. */
const recordMutator: Mutator = (input, ctx) => {
  const records = parseRecords(input.subarray(1)).slice();
  const i = ctx.rng.below(records.length);
  const r = records[i];
  if (!r) return input;
  const edges = [0, 1, r.seqLo + 1, r.seqLo - 31, r.seqLo - 32, r.seqLo - 1023, r.seqLo - 1024, r.seqLo + 2 ** 31, 0xffffffff];
  switch (ctx.rng.below(4)) {
    case 0:
      records[i] = { ...r, data: ctx.rng.pick(HAVOC)(r.data, ctx) };
      break;
    case 1:
      records.push(r);
      break;
    case 2:
      records.splice(i, 1);
      records.splice(ctx.rng.below(records.length + 1), 0, r);
      break;
    default:
      records[i] = { ...r, seqLo: (ctx.rng.pick(edges) + 2 ** 32) % 2 ** 32, seqHi: ctx.rng.oneIn(4) ? ctx.rng.below(3) : r.seqHi };
  }
  return concatBytes(input.subarray(0, 1), encodeRecords(records));
};

export const espDecapTarget: FuzzTarget = {
  name: "esp-decap",
  inputFormat: "octet 0: suite (bits 0-1), ESN (bit 2), window 32 (bit 3); then records [sealed u8][seqLo u32][seqHi u32][length u16][raw packet | plaintext with trailer]",
  async seeds() {
    return [0, 1, 2, 3, 4, 6, 8].flatMap(seedsFor);
  },
  run: runEspDecap,
  maxLength: 8192,
  dictionary: [...tokens([FUZZ_SPI, 0, 1, 0xffffffff], 4), ...tokens([4, 41, 59, 0, 1, 2, 255], 1)],
  mutators: [recordMutator, recordMutator],
};
