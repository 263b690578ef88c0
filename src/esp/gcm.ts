/**
 * ENCR_AES_GCM_16 for ESP (RFC 4106), 128- and 256-bit keys.
 *
 *   nonce = salt (4, from KEYMAT, §8.1) | IV (8, on the wire)                        §4
 *   AAD   = SPI | Sequence Number            (32-bit sequence numbers)              §5.1
 *         = SPI | Seq High | Seq Low         (Extended Sequence Numbers)            §5.2
 *   ICV   = the 16-octet GCM tag                                                    §6
 *
 * node:crypto has no reusable GCM context, so each packet costs one createCipheriv; everything
 * else reuses buffers: nonce and AAD owned by the transform, the plaintext assembly shared by all
 * (bytes.ts sharedPlaintext).
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

/**
 * @param keyAndSalt AES key followed by the 4-octet salt (RFC 4106 §8.1), 20 or 36 octets.
 * @param ivSource test hook; by default the IV is the 64-bit sequence number, which never repeats
 *   under one key, the only requirement RFC 4106 §3.1 places on it ("MUST NOT repeat").
 */
export function createGcmTransform(keyAndSalt: Uint8Array, esn: boolean, ivSource?: IvSource): EspTransform {
  const keyBytes = keyAndSalt.length - SALT_BYTES;
  const algorithm: CipherGCMTypes = keyBytes === 16 ? "aes-128-gcm" : "aes-256-gcm";
  // Key, nonce and ESN AAD share one buffer: one ArrayBuffer per SA instead of three.
  const state = new Uint8Array(keyBytes + SALT_BYTES + IV_BYTES + 12);
  const key = state.subarray(0, keyBytes);
  key.set(keyAndSalt.subarray(0, keyBytes));
  const nonce = state.subarray(keyBytes, keyBytes + SALT_BYTES + IV_BYTES);
  nonce.set(keyAndSalt.subarray(keyBytes));
  const esnAad = state.subarray(keyBytes + SALT_BYTES + IV_BYTES);

  /** Sets the nonce's IV part from packet[8..16) and returns the AAD (RFC 4106 §5). */
  function prepare(packet: Uint8Array, seqHi: number): Uint8Array {
    for (let i = 0; i < IV_BYTES; i++) nonce[SALT_BYTES + i] = packet[ESP_HEADER_BYTES + i] ?? 0;
    if (!esn) return packet.subarray(0, ESP_HEADER_BYTES);
    for (let i = 0; i < 4; i++) {
      esnAad[i] = packet[i] ?? 0;
      esnAad[8 + i] = packet[4 + i] ?? 0;
    }
    writeU32(esnAad, 4, seqHi);
    return esnAad;
  }

  return {
    ivBytes: IV_BYTES,
    icvBytes: ESP_ICV_BYTES,
    alignBytes: 4,
    blockBytes: 1,

    seal(packet, payload, padLength, nextHeader, seqHi, seqLo) {
      if (ivSource) packet.set(ivSource(seqHi, seqLo), ESP_HEADER_BYTES);
      else {
        writeU32(packet, ESP_HEADER_BYTES, seqHi);
        writeU32(packet, ESP_HEADER_BYTES + 4, seqLo);
      }
      const aad = prepare(packet, seqHi);
      const ctOffset = ESP_HEADER_BYTES + IV_BYTES;
      const ptBytes = packet.length - ctOffset - ESP_ICV_BYTES;
      const buf = sharedPlaintext().get(ptBytes);
      writeEspPlaintext(buf, 0, payload, padLength, nextHeader);
      const cipher = createCipheriv(algorithm, key, nonce, TAG);
      cipher.setAAD(aad);
      packet.set(cipher.update(buf.subarray(0, ptBytes)), ctOffset);
      buf.fill(0, 0, ptBytes);
      cipher.final();
      packet.set(cipher.getAuthTag(), ctOffset + ptBytes);
    },

    open(packet, seqHi) {
      const aad = prepare(packet, seqHi);
      const icvOffset = packet.length - ESP_ICV_BYTES;
      const decipher = createDecipheriv(algorithm, key, nonce, TAG);
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
    },

    wipe() {
      state.fill(0);
    },
  };
}
