/**
 * Transform substructure and transform attributes of the SA payload (RFC 7296 §3.3.2, §3.3.5).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Last Substruc |   RESERVED    |        Transform Length       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Transform Type |   RESERVED    |          Transform ID         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                      Transform Attributes                     ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   Transform attribute (§3.3.5):
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |A|       Attribute Type        |    AF=0  Attribute Length     |
 *   |F|                             |    AF=1  Attribute Value      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                   AF=0  Attribute Value                       |
 *   |                   AF=1  Not Transmitted                       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import type { ByteWriter } from "../../wire/writer.js";
import { fail, fieldValue, fixedFields } from "./fields.js";
import type { Transform, TransformAttr } from "./payloads.js";

const TRANSFORM_HEADER_LENGTH = 8;
/** §3.3.2 "Last Substruc": 0 if this was the last Transform Substructure, 3 if there are more. */
const LAST_TRANSFORM = 0;
const MORE_TRANSFORMS = 3;
const ATTRIBUTE_FORMAT_TV = 0x8000;

/** Decodes one Transform substructure; `isLast` says what its Last Substruc field must be. */
export function decodeTransform(r: ByteReader, isLast: boolean): Result<Transform, CodecError> {
  const start = r.offset;
  const h = fixedFields(r, TRANSFORM_HEADER_LENGTH, "Transform");
  if (!h.ok) return h;
  const lastSubstruc = h.value.getUint8(0);
  const length = h.value.getUint16(2);
  const expected = isLast ? LAST_TRANSFORM : MORE_TRANSFORMS;
  if (lastSubstruc !== expected) {
    return fail("bad-value", `Transform Last Substruc ${lastSubstruc}, expected ${expected} from Num Transforms`, start);
  }
  if (length < TRANSFORM_HEADER_LENGTH) return fail("length-mismatch", `Transform Length ${length} < 8`, start + 2);
  const body = r.sub(length - TRANSFORM_HEADER_LENGTH, "Transform Attributes");
  if (!body.ok) return body;
  const attributes = decodeAttributes(body.value);
  if (!attributes.ok) return attributes;
  return ok({ type: h.value.getUint8(4), id: h.value.getUint16(6), attributes: attributes.value });
}

/** Decodes the attributes filling a transform, keeping the TV/TLV format of each (AF bit). */
function decodeAttributes(r: ByteReader): Result<TransformAttr[], CodecError> {
  const attributes: TransformAttr[] = [];
  while (r.remaining > 0) {
    const h = fixedFields(r, 4, "Transform Attribute");
    if (!h.ok) return h;
    const word = h.value.getUint16(0);
    const type = word & ~ATTRIBUTE_FORMAT_TV;
    if (word & ATTRIBUTE_FORMAT_TV) {
      attributes.push({ type, value: h.value.getUint16(2) });
      continue;
    }
    const value = r.bytesCopy(h.value.getUint16(2), "Transform Attribute Value");
    if (!value.ok) return value;
    attributes.push({ type, value: value.value });
  }
  return ok(attributes);
}

/** Appends one Transform substructure, computing its Length and Last Substruc. */
export function writeTransform(w: ByteWriter, t: Transform, isLast: boolean): void {
  const start = w.length;
  w.u8(isLast ? LAST_TRANSFORM : MORE_TRANSFORMS)
    .u8(0)
    .u16(0)
    .u8(fieldValue(t.type, 8, "Transform Type"))
    .u8(0)
    .u16(fieldValue(t.id, 16, "Transform ID"));
  for (const a of t.attributes) {
    const type = fieldValue(a.type, 15, "Attribute Type");
    if (typeof a.value === "number") {
      w.u16(type | ATTRIBUTE_FORMAT_TV).u16(fieldValue(a.value, 16, "Attribute Value"));
    } else {
      w.u16(type).u16(fieldValue(a.value.length, 16, "Attribute Length")).bytes(a.value);
    }
  }
  w.patchU16(start + 2, fieldValue(w.length - start, 16, "Transform Length"));
}
