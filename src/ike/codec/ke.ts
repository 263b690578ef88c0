/**
 * Key Exchange payload (RFC 7296 §3.4).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   Diffie-Hellman Group Num    |           RESERVED            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                       Key Exchange Data                       ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { DhGroup, PayloadType } from "../registry.js";
import { fail, fieldValue, fixedFields } from "./fields.js";
import type { KePayload } from "./payloads.js";

/**
 * Key Exchange Data length per group. MODP: "MUST be equal to the length of the prime modulus"
 * (§3.4; RFC 7296 App. B, RFC 3526); ECP: x | y, each the field size (RFC 5903 §7);
 * Curve25519: 32 octets (RFC 8031 §3.1).
 */
const KE_DATA_LENGTH: ReadonlyMap<number, number> = new Map([
  [DhGroup.MODP_768, 96],
  [DhGroup.MODP_1024, 128],
  [DhGroup.MODP_1536, 192],
  [DhGroup.MODP_2048, 256],
  [DhGroup.MODP_3072, 384],
  [DhGroup.MODP_4096, 512],
  [DhGroup.ECP_256, 64],
  [DhGroup.ECP_384, 96],
  [DhGroup.ECP_521, 132],
  [DhGroup.CURVE25519, 32],
]);

/** The Key Exchange Data length a group requires, or undefined for a group this table does not know. */
export function keDataLength(dhGroup: number): number | undefined {
  return KE_DATA_LENGTH.get(dhGroup);
}

/**
 * Decodes a KE body. A known group with the wrong data length is refused; an unknown group is
 * kept, so the exchange can answer INVALID_KE_PAYLOAD (§1.2) rather than INVALID_SYNTAX.
 */
export function decodeKe(r: ByteReader, critical: boolean): Result<KePayload, CodecError> {
  const start = r.offset;
  const h = fixedFields(r, 4, "KE");
  if (!h.ok) return h;
  const dhGroup = h.value.getUint16(0);
  const keyData = r.rest().slice();
  const want = keDataLength(dhGroup);
  if (want !== undefined && keyData.length !== want) {
    return fail("length-mismatch", `KE data for group ${dhGroup}: ${keyData.length} octets, expected ${want}`, start + 4);
  }
  return ok({ type: PayloadType.KE, critical, dhGroup, keyData });
}

/** Encodes a KE body. */
export function encodeKe(p: KePayload): Uint8Array {
  const group = fieldValue(p.dhGroup, 16, "DH Group Num");
  // DH Group Num | RESERVED (2) | Key Exchange Data, built in place: no writer and no copy of the result.
  const out = new Uint8Array(4 + p.keyData.length);
  out[0] = group >> 8;
  out[1] = group & 0xff;
  out.set(p.keyData, 4);
  return out;
}
