/**
 * Framing of the Encrypted and Authenticated payload SK (46, RFC 7296 §3.14) and the Encrypted
 * and Authenticated Fragment payload SKF (53, RFC 7383 §2.5). No crypto here: the body
 * (IV | ciphertext | ICV) stays opaque; ike/crypto opens it.
 *
 *   SK (§3.14):
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Initialization Vector                     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                    Encrypted IKE Payloads                     ~
 *   +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |               |             Padding (0-255 octets)            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                                               |  Pad Length   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                    Integrity Checksum Data                    ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   SKF (RFC 7383 §2.5): as SK, with two fields before the IV.
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Fragment Number        |        Total Fragments        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Initialization Vector                     |
 *   ~                      Encrypted content ... ICV                ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The Next Payload field of SK/SKF is the type of the first inner payload (`innerFirst`); the
 * payload chain of the message ends at SK/SKF, which "MUST be the last payload" (§3.14).
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { ByteWriter } from "../../wire/writer.js";
import { PayloadType } from "../registry.js";
import { fail, fieldValue, fixedFields } from "./fields.js";
import type { SkPayload, SkfPayload } from "./payloads.js";

/** Octets of Fragment Number and Total Fragments before the SKF body (RFC 7383 §2.5). */
export const SKF_FRAGMENT_FIELDS_LENGTH = 4;

/** Decodes an SK body; `innerFirst` is the SK generic header's Next Payload. */
export function decodeSk(innerFirst: number, r: ByteReader, critical: boolean): Result<SkPayload, CodecError> {
  return ok({ type: PayloadType.SK, critical, innerFirst, body: r.rest().slice() });
}

/** Encodes an SK body (IV | ciphertext | ICV as given). */
export function encodeSk(p: SkPayload): Uint8Array {
  return p.body.slice();
}

/**
 * Decodes an SKF body. RFC 7383 §2.5: Fragment Number "MUST be less than or equal to" Total
 * Fragments and "MUST NOT be zero"; Total Fragments "MUST NOT be zero".
 */
export function decodeSkf(innerFirst: number, r: ByteReader, critical: boolean): Result<SkfPayload, CodecError> {
  const start = r.offset;
  const h = fixedFields(r, SKF_FRAGMENT_FIELDS_LENGTH, "SKF");
  if (!h.ok) return h;
  const fragmentNumber = h.value.getUint16(0);
  const totalFragments = h.value.getUint16(2);
  if (totalFragments === 0) return fail("bad-value", "SKF Total Fragments 0", start + 2);
  if (fragmentNumber === 0 || fragmentNumber > totalFragments) {
    return fail("bad-value", `SKF Fragment Number ${fragmentNumber} of ${totalFragments}`, start);
  }
  return ok({ type: PayloadType.SKF, critical, innerFirst, fragmentNumber, totalFragments, body: r.rest().slice() });
}

/**
 * Encodes an SKF body: Fragment Number | Total Fragments | body. With an empty body this gives
 * the four octets that follow the generic header in the SKF associated data (RFC 7383 §2.5).
 */
export function encodeSkf(p: SkfPayload): Uint8Array {
  return new ByteWriter(SKF_FRAGMENT_FIELDS_LENGTH + p.body.length)
    .u16(fieldValue(p.fragmentNumber, 16, "Fragment Number"))
    .u16(fieldValue(p.totalFragments, 16, "Total Fragments"))
    .bytes(p.body)
    .finish();
}
