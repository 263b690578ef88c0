/**
 * ESP Security Associations in tunnel mode (RFC 4303): outbound processing (§3.3) and inbound
 * processing (§3.4) over one transform of our profile (AES-GCM-16, or AES-CBC with
 * HMAC-SHA-256-128), with 32-bit or Extended (64-bit) Sequence Numbers.
 *
 * Neither direction throws on packet data: a refused packet comes back as an EspDrop and is
 * counted under its reason. Only a malformed EspSaParams throws, at creation.
 */
import { readU32, allocPacket, writeU32 } from "./bytes.js";
import { createCbcHmacTransform } from "./cbc-hmac.js";
import {
  ESP_DROP,
  ESP_HEADER_BYTES,
  ESP_TRAILER_BYTES,
  MAX_ESP_PACKET_BYTES,
  NextHeader,
  newDropCounters,
  type EspDrop,
  type EspDropReason,
} from "./constants.js";
import { createGcmTransform, type IvSource } from "./gcm.js";
import { ReplayWindow, DEFAULT_REPLAY_WINDOW } from "./replay-window.js";
import { espPayloadLength, padLengthFor } from "./trailer.js";
import type { EspTransform } from "./transform.js";

/** What the IKE engine negotiated for one direction of a CHILD SA (RFC 7296 §2.17, §3.3.2). */
export interface EspSaParams {
  /** The SPI in the packets of this SA (the receiver's choice), uint32. */
  spi: number;
  /** 12 = ENCR_AES_CBC, 20 = ENCR_AES_GCM_16. */
  encrId: number;
  encrKeyBits: 128 | 256;
  /** 0 (NONE) for GCM, 12 = AUTH_HMAC_SHA2_256_128 for CBC. */
  integId: number;
  /** The encryption key; for GCM followed by the 4-octet salt (RFC 4106 §8.1). */
  encrKey: Uint8Array;
  /** The 32-octet integrity key, CBC only. */
  integKey?: Uint8Array | undefined;
  /** Extended Sequence Numbers negotiated (RFC 7296 §3.3.2, transform type 5). */
  esn: boolean;
  /** Anti-replay window size in packets, 32 to 2^20; default 1024. Inbound only. */
  replayWindow?: number | undefined;
  /**
   * The sequence number of the SA's first packet; default 1 (RFC 4303 §3.3.3). Tests use it to
   * start near the wrap; inbound, everything below it counts as already received.
   */
  initialSeq?: bigint | undefined;
  /** Outbound: `needsRekey` turns true once this is the next sequence number; default 2^20 before the wrap. */
  seqSoftLimit?: bigint | undefined;
  /** Next Header values this SA carries; default IPv4 (4) and IPv6 (41), tunnel mode. */
  nextHeaders?: readonly number[] | undefined;
  /** GCM only, for tests reproducing published packets: the IV of each packet. */
  ivSource?: IvSource | undefined;
  /**
   * "copy" (default): the SA keeps copies of the keys, which wipe() zeroizes. "share": it uses the
   * given octets in place (e.g. views of a CHILD SA's KEYMAT, which a SeGW holds per UE: copies
   * would cost about 400 octets more per UE); their owner zeroizes them, wipe() only lets go.
   */
  keys?: "copy" | "share" | undefined;
}

/** What every SA reports. */
export interface EspSaCounters {
  readonly spi: number;
  /** Packets sent or delivered. */
  readonly packets: number;
  /** Inner-packet octets sent or delivered (the Payload Data, without ESP overhead). */
  readonly bytes: number;
  /** Refused packets per reason. */
  readonly drops: Readonly<Record<EspDropReason, number>>;
  /**
   * Zeroes the keys held in JavaScript memory (its copies; shared keys are their owner's to
   * zeroize); afterwards every packet is refused as "bad-spi", the SA no longer existing.
   */
  wipe(): void;
}

export interface OutboundEspSa extends EspSaCounters {
  /**
   * Protects one inner packet: SPI | Seq | IV | ciphertext | ICV (RFC 4303 §3.3). Refuses with
   * "seq-exhausted" rather than let the sequence number cycle (§3.3.3), "oversized" if the packet
   * would exceed MAX_ESP_PACKET_BYTES, "bad-next-header" for a Next Header the SA does not carry.
   */
  encapsulate(innerPacket: Uint8Array, nextHeader: number): Uint8Array | EspDrop;
  /** True from the soft limit on: rekey now, before the sequence number runs out (§3.3.3). */
  readonly needsRekey: boolean;
  /** The sequence number the next packet will carry. */
  readonly nextSeq: bigint;
}

export interface EspDecapsulated {
  /** The inner packet; it views a buffer of its own, not the ESP packet. */
  readonly innerPacket: Uint8Array;
  readonly nextHeader: number;
}

export interface InboundEspSa extends EspSaCounters {
  /**
   * RFC 4303 §3.4 in strongSwan esp_context order: length sanity, replay check, ICV check and
   * decryption, padding check, and only then the window update; then the Next Header check.
   * Never throws.
   */
  decapsulate(espPacket: Uint8Array): EspDecapsulated | EspDrop;
  /** The highest authenticated sequence number (initialSeq - 1 before the first packet). */
  readonly highestSeq: bigint;
}

/** A malformed EspSaParams or SA installation: a programmer error in the caller, not bad packet data. */
export class EspConfigError extends Error {
  readonly code = "ERR_ESP_CONFIG";
}

const SOFT_LIMIT_MARGIN = 1n << 20n;

function transformFor(p: EspSaParams): EspTransform {
  if (p.encrKeyBits !== 128 && p.encrKeyBits !== 256) throw new EspConfigError(`encrKeyBits ${String(p.encrKeyBits)}`);
  const keyBytes = p.encrKeyBits / 8;
  if (p.encrId === 20) {
    if (p.integId !== 0) throw new EspConfigError("AES-GCM-16 takes no integrity transform (RFC 4106 §2)");
    if (p.encrKey.length !== keyBytes + 4) throw new EspConfigError(`GCM key+salt must be ${keyBytes + 4} octets`);
    return createGcmTransform(p.encrKey, p.esn, p.ivSource, p.keys);
  }
  if (p.encrId === 12) {
    if (p.integId !== 12) throw new EspConfigError("AES-CBC needs AUTH_HMAC_SHA2_256_128 (integId 12)");
    if (p.encrKey.length !== keyBytes) throw new EspConfigError(`CBC key must be ${keyBytes} octets`);
    if (p.integKey?.length !== 32) throw new EspConfigError("AUTH_HMAC_SHA2_256_128 needs a 32-octet key (RFC 4868 §2.1.1)");
    if (p.ivSource) throw new EspConfigError("ivSource applies to GCM only");
    return createCbcHmacTransform(p.encrKey, p.integKey, p.esn, p.keys);
  }
  throw new EspConfigError(`encrId ${p.encrId} is not in the ESP profile (12 or 20)`);
}

/** The last sequence number before the counter would cycle (RFC 4303 §3.3.3). */
function lastSeq(esn: boolean): bigint {
  return esn ? (1n << 64n) - 1n : (1n << 32n) - 1n;
}

/** A sequence number as [high, low] halves, after a range check. */
function seqHalves(value: bigint, max: bigint, what: string): [number, number] {
  if (value < 0n || value > max) throw new EspConfigError(`${what} ${value} out of range`);
  return [Number(value >> 32n), Number(value & 0xffffffffn)];
}

/** Tables by their set of values: every SA carrying the same Next Headers shares one (never written after creation). */
const nextHeaderTables = new Map<string, Uint8Array>();
/** Bounds the cache; past it an unusual set gets a table of its own. */
const MAX_SHARED_TABLES = 64;

/** A 256-entry membership table: one array read per packet. */
function nextHeaderTable(values: readonly number[]): Uint8Array {
  const key = [...values].sort((a, b) => a - b).join(",");
  const known = nextHeaderTables.get(key);
  if (known) return known;
  const table = new Uint8Array(256);
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new EspConfigError(`next header ${v}`);
    table[v] = 1;
  }
  if (nextHeaderTables.size < MAX_SHARED_TABLES) nextHeaderTables.set(key, table);
  return table;
}

/** What `drops` reads before an SA's first drop: most SAs never drop a packet, so they hold no counters. */
const NO_DROPS: Readonly<Record<EspDropReason, number>> = Object.freeze(newDropCounters());

/** The sequence number an SA starts after (initialSeq - 1) as [hi, lo]: the last one sent, or the top of the receive window. */
function startHalves(p: EspSaParams): [number, number] {
  // initialSeq = lastSeq + 1 is allowed: an SA exhausted from the start (tests).
  return seqHalves((p.initialSeq ?? 1n) - 1n, lastSeq(p.esn), "initialSeq - 1");
}

abstract class EspSaBase implements EspSaCounters {
  readonly spi: number;
  packets = 0;
  bytes = 0;
  private ownDrops: Record<EspDropReason, number> | undefined;
  protected readonly esn: boolean;
  protected transform: EspTransform | undefined;
  /** Shared with every SA of the same set (nextHeaderTable); read-only. */
  protected readonly nextHeaders: Uint8Array;

  constructor(p: EspSaParams) {
    if (!Number.isInteger(p.spi) || p.spi < 0 || p.spi > 0xffffffff) throw new EspConfigError(`spi ${p.spi}`);
    this.spi = p.spi;
    this.esn = p.esn;
    this.transform = transformFor(p);
    this.nextHeaders = nextHeaderTable(p.nextHeaders ?? [NextHeader.IPV4, NextHeader.IPV6]);
  }

  get drops(): Readonly<Record<EspDropReason, number>> {
    return this.ownDrops ?? NO_DROPS;
  }

  protected refuse(reason: EspDropReason): EspDrop {
    (this.ownDrops ??= newDropCounters())[reason]++;
    return ESP_DROP[reason];
  }

  wipe(): void {
    this.transform?.wipe();
    this.transform = undefined;
  }
}

class OutboundSa extends EspSaBase implements OutboundEspSa {
  /** The last sequence number used, as two uint32 halves. */
  private seqHi: number;
  private seqLo: number;
  private readonly softHi: number;
  private readonly softLo: number;

  constructor(p: EspSaParams) {
    super(p);
    [this.seqHi, this.seqLo] = startHalves(p);
    const max = lastSeq(p.esn) + 1n;
    [this.softHi, this.softLo] = seqHalves(p.seqSoftLimit ?? max - SOFT_LIMIT_MARGIN, max, "seqSoftLimit");
  }

  get nextSeq(): bigint {
    return ((BigInt(this.seqHi) << 32n) | BigInt(this.seqLo)) + 1n;
  }

  get needsRekey(): boolean {
    const wraps = this.seqLo === 0xffffffff;
    const nextHi = wraps ? this.seqHi + 1 : this.seqHi;
    const nextLo = wraps ? 0 : this.seqLo + 1;
    return nextHi > this.softHi || (nextHi === this.softHi && nextLo >= this.softLo);
  }

  encapsulate(innerPacket: Uint8Array, nextHeader: number): Uint8Array | EspDrop {
    const t = this.transform;
    if (!t) return this.refuse("bad-spi");
    if (this.nextHeaders[nextHeader] !== 1) return this.refuse("bad-next-header");
    const padLength = padLengthFor(innerPacket.length, t.alignBytes);
    const total = ESP_HEADER_BYTES + t.ivBytes + innerPacket.length + padLength + ESP_TRAILER_BYTES + t.icvBytes;
    if (total > MAX_ESP_PACKET_BYTES) return this.refuse("oversized");
    // RFC 4303 §3.3.3: "the sender MUST NOT send a packet on an SA if doing so would cause the
    // sequence number to cycle".
    if (this.seqLo === 0xffffffff) {
      if (!this.esn || this.seqHi === 0xffffffff) return this.refuse("seq-exhausted");
      this.seqHi++;
      this.seqLo = 0;
    } else {
      this.seqLo++;
    }
    const packet = allocPacket(total);
    writeU32(packet, 0, this.spi);
    writeU32(packet, 4, this.seqLo);
    t.seal(packet, innerPacket, padLength, nextHeader, this.seqHi, this.seqLo);
    this.packets++;
    this.bytes += innerPacket.length;
    return packet;
  }
}

class InboundSa extends EspSaBase implements InboundEspSa {
  private readonly window: ReplayWindow;

  constructor(p: EspSaParams) {
    super(p);
    this.window = new ReplayWindow(p.replayWindow ?? DEFAULT_REPLAY_WINDOW, startHalves(p));
  }

  get highestSeq(): bigint {
    return this.window.top;
  }

  decapsulate(espPacket: Uint8Array): EspDecapsulated | EspDrop {
    const t = this.transform;
    if (!t) return this.refuse("bad-spi");
    // 1. Length sanity: header, IV, at least the 2-octet trailer in whole blocks, ICV.
    const n = espPacket.length;
    if (n > MAX_ESP_PACKET_BYTES) return this.refuse("oversized");
    const ctBytes = n - ESP_HEADER_BYTES - t.ivBytes - t.icvBytes;
    if (ctBytes < ESP_TRAILER_BYTES || ctBytes % t.blockBytes !== 0) return this.refuse("truncated");
    if (readU32(espPacket, 0) !== this.spi) return this.refuse("bad-spi");
    // 2. Replay check before spending a cipher call (RFC 4303 §3.4.3).
    const seqLo = readU32(espPacket, 4);
    const seqHi = this.esn ? this.window.inferSeqHi(seqLo) : 0;
    const refusal = this.window.check(seqHi, seqLo);
    if (refusal) return this.refuse(refusal);
    // 3. ICV and decryption (§3.4.4).
    const plaintext = t.open(espPacket, seqHi);
    if (!plaintext) return this.refuse("icv");
    // 4. Padding (§2.4).
    const payloadBytes = espPayloadLength(plaintext);
    if (payloadBytes < 0) return this.refuse("padding");
    // 5. Only an authentic, well-formed packet moves the window (§3.4.3).
    this.window.commit(seqHi, seqLo);
    const nextHeader = plaintext[plaintext.length - 1] ?? 0;
    // Includes 59, dummy packets, which the receiver discards (§2.6).
    if (this.nextHeaders[nextHeader] !== 1) return this.refuse("bad-next-header");
    this.packets++;
    this.bytes += payloadBytes;
    return { innerPacket: plaintext.subarray(0, payloadBytes), nextHeader };
  }
}

/** @throws EspConfigError if the parameters are outside the profile or inconsistent. */
export function createOutboundSa(p: EspSaParams): OutboundEspSa {
  return new OutboundSa(p);
}

/** @throws EspConfigError, or RangeError for a replayWindow outside [32, 2^20]. */
export function createInboundSa(p: EspSaParams): InboundEspSa {
  return new InboundSa(p);
}
