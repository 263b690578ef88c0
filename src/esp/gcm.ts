/**
 * ENCR_AES_GCM_16 for ESP (RFC 4106), 128- and 256-bit keys.
 *
 *   nonce = salt (4, from KEYMAT, §8.1) | IV (8, on the wire)                        §4
 *   AAD   = SPI | Sequence Number            (32-bit sequence numbers)              §5.1
 *         = SPI | Seq High | Seq Low         (Extended Sequence Numbers)            §5.2
 *   ICV   = the 16-octet GCM tag                                                    §6
 *
 * node:crypto has no reusable GCM context, so each packet costs one createCipheriv; everything
 * else reuses buffers: nonce, ESN AAD and plaintext assembly are shared by all SAs (bytes.ts
 * sharedPlaintext), which is safe because a packet is sealed or opened in one synchronous call.
 */
import { createCipheriv, createDecipheriv, type CipherGCMTypes } from "node:crypto";
import { asBytes, sharedPlaintext, writeU32 } from "./bytes.js";
import { ESP_HEADER_BYTES, ESP_ICV_BYTES } from "./constants.js";
import type { EspTransform } from "./transform.js";
import { writeEspPlaintext } from "./trailer.js";

const SALT_BYTES = 4;
const IV_BYTES = 8;
const TAG = { authTagLength: ESP_ICV_BYTES } as const;

/** Supplies the 8-octet IV of a packet; the default is the 64-bit sequence number. */
export type IvSource = (seqHi: number, seqLo: number) => Uint8Array;

/** The nonce and ESN AAD of the packet being processed: filled, used and cleared within one seal/open. */
const scratchNonce = new Uint8Array(SALT_BYTES + IV_BYTES);
const scratchEsnAad = new Uint8Array(12);

/**
 * One SA direction's AES-GCM state: a class rather than closures, over key | salt in a buffer,
 * because a SeGW holds two per UE. It keeps the buffer and an offset, not a view (about 100
 * octets each); the key's view is made per packet, a few tens of nanoseconds next to the
 * createCipheriv every packet needs anyway, and the salt is also kept as a number.
 */
class GcmTransform implements EspTransform {
  /** Holds key | salt at `at`: a copy, zeroed by wipe(), or with "share" the caller's octets, left to it. */
  private readonly octets: ArrayBufferLike;
  private readonly at: number;
  private readonly keyBytes: number;
  private readonly ownsKey: boolean;
  /** The salt as an int32 (RFC 4106 §4), zeroed by wipe(). */
  private salt: number;

  constructor(keyAndSalt: Uint8Array, private readonly esn: boolean, private readonly ivSource: IvSource | undefined, keys: "copy" | "share") {
    const k = keys === "share" ? keyAndSalt : keyAndSalt.slice();
    this.octets = k.buffer;
    this.at = k.byteOffset;
    this.keyBytes = k.length - SALT_BYTES;
    this.ownsKey = keys === "copy";
    const s = this.keyBytes;
    this.salt = ((k[s] ?? 0) << 24) | ((k[s + 1] ?? 0) << 16) | ((k[s + 2] ?? 0) << 8) | (k[s + 3] ?? 0);
  }

  private get algorithm(): CipherGCMTypes {
    return this.keyBytes === 16 ? "aes-128-gcm" : "aes-256-gcm";
  }

  private get key(): Uint8Array {
    return new Uint8Array(this.octets, this.at, this.keyBytes);
  }

  // The constants are getters on the prototype, not fields of every SA's transform.
  get ivBytes(): number {
    return IV_BYTES;
  }

  get icvBytes(): number {
    return ESP_ICV_BYTES;
  }

  get alignBytes(): number {
    return 4;
  }

  get blockBytes(): number {
    return 1;
  }

  /** Sets the scratch nonce to salt | packet[8..16) and returns the AAD (RFC 4106 §4, §5). */
  private prepare(packet: Uint8Array, seqHi: number): Uint8Array {
    writeU32(scratchNonce, 0, this.salt);
    for (let i = 0; i < IV_BYTES; i++) scratchNonce[SALT_BYTES + i] = packet[ESP_HEADER_BYTES + i] ?? 0;
    if (!this.esn) return packet.subarray(0, ESP_HEADER_BYTES);
    for (let i = 0; i < 4; i++) {
      scratchEsnAad[i] = packet[i] ?? 0;
      scratchEsnAad[8 + i] = packet[4 + i] ?? 0;
    }
    writeU32(scratchEsnAad, 4, seqHi);
    return scratchEsnAad;
  }

  seal(packet: Uint8Array, payload: Uint8Array, padLength: number, nextHeader: number, seqHi: number, seqLo: number): void {
    if (this.ivSource) packet.set(this.ivSource(seqHi, seqLo), ESP_HEADER_BYTES);
    else {
      writeU32(packet, ESP_HEADER_BYTES, seqHi);
      writeU32(packet, ESP_HEADER_BYTES + 4, seqLo);
    }
    const aad = this.prepare(packet, seqHi);
    const ctOffset = ESP_HEADER_BYTES + IV_BYTES;
    const ptBytes = packet.length - ctOffset - ESP_ICV_BYTES;
    const buf = sharedPlaintext().get(ptBytes);
    writeEspPlaintext(buf, 0, payload, padLength, nextHeader);
    const cipher = createCipheriv(this.algorithm, this.key, scratchNonce, TAG);
    scratchNonce.fill(0);
    cipher.setAAD(aad);
    packet.set(cipher.update(buf.subarray(0, ptBytes)), ctOffset);
    buf.fill(0, 0, ptBytes);
    cipher.final();
    packet.set(cipher.getAuthTag(), ctOffset + ptBytes);
  }

  open(packet: Uint8Array, seqHi: number): Uint8Array | undefined {
    const aad = this.prepare(packet, seqHi);
    const icvOffset = packet.length - ESP_ICV_BYTES;
    const decipher = createDecipheriv(this.algorithm, this.key, scratchNonce, TAG);
    scratchNonce.fill(0);
    decipher.setAAD(aad);
    decipher.setAuthTag(packet.subarray(icvOffset));
    const out = decipher.update(packet.subarray(ESP_HEADER_BYTES + IV_BYTES, icvOffset));
    try {
      // final() is where GCM compares the tag; it throws on a mismatch (node API), which is
      // an expected outcome for forged packets, not an error.
      decipher.final();
    } catch {
      out.fill(0);
      return undefined;
    }
    return asBytes(out);
  }

  wipe(): void {
    if (this.ownsKey) new Uint8Array(this.octets, this.at, this.keyBytes + SALT_BYTES).fill(0);
    this.salt = 0;
  }
}

/**
 * @param keyAndSalt AES key followed by the 4-octet salt (RFC 4106 §8.1), 20 or 36 octets; copied,
 *   unless `keys` is "share": then the transform uses these octets in place and leaves their
 *   zeroization to their owner (wipe() zeroizes only what the transform holds of its own).
 * @param ivSource test hook; by default the IV is the 64-bit sequence number, which never repeats
 *   under one key, the only requirement RFC 4106 §3.1 places on it ("MUST NOT repeat").
 */
export function createGcmTransform(keyAndSalt: Uint8Array, esn: boolean, ivSource?: IvSource, keys: "copy" | "share" = "copy"): EspTransform {
  return new GcmTransform(keyAndSalt, esn, ivSource, keys);
}
