/**
 * Configuration payload (RFC 7296 §3.15) and its attributes (§3.15.1).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C| RESERVED    |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   CFG Type    |                    RESERVED                   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                   Configuration Attributes                    ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   Configuration attribute (§3.15.1):
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |R|         Attribute Type      |            Length             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                                                               |
 *   ~                             Value                             ~
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { ByteWriter } from "../../wire/writer.js";
import { CfgAttribute, PayloadType } from "../registry.js";
import { fail, fieldValue, fixedFields } from "./fields.js";
import type { CfgAttr, CpPayload } from "./payloads.js";

/** The R bit: "MUST be set to zero and MUST be ignored on receipt" (§3.15.1). */
const RESERVED_BIT = 0x8000;
const INTERNAL_IP4_NBNS = 4;
const INTERNAL_IP4_DHCP = 6;
const INTERNAL_IP6_DHCP = 12;

/**
 * Allowed Value lengths from the §3.15.1 table ("0 or 4 octets" and so on; a request carries
 * the empty form). INTERNAL_IP6_SUBNET is listed as 17 octets; 0 is also accepted for requests,
 * as strongSwan does. SUPPORTED_ATTRIBUTES is "Multiple of 2" and is checked separately.
 */
const CFG_VALUE_LENGTHS: ReadonlyMap<number, readonly number[]> = new Map([
  [CfgAttribute.INTERNAL_IP4_ADDRESS, [0, 4]],
  [CfgAttribute.INTERNAL_IP4_NETMASK, [0, 4]],
  [CfgAttribute.INTERNAL_IP4_DNS, [0, 4]],
  [INTERNAL_IP4_NBNS, [0, 4]],
  [CfgAttribute.INTERNAL_ADDRESS_EXPIRY, [0, 4]],
  [INTERNAL_IP4_DHCP, [0, 4]],
  [CfgAttribute.INTERNAL_IP6_ADDRESS, [0, 17]],
  [CfgAttribute.INTERNAL_IP6_DNS, [0, 16]],
  [INTERNAL_IP6_DHCP, [0, 16]],
  [CfgAttribute.INTERNAL_IP4_SUBNET, [0, 8]],
  [CfgAttribute.INTERNAL_IP6_SUBNET, [0, 17]],
]);

/** Decodes a CP body: CFG Type, then attributes filling the payload. */
export function decodeCp(r: ByteReader, critical: boolean): Result<CpPayload, CodecError> {
  const h = fixedFields(r, 4, "CFG Type");
  if (!h.ok) return h;
  const attributes: CfgAttr[] = [];
  while (r.remaining > 0) {
    const a = decodeCfgAttr(r);
    if (!a.ok) return a;
    attributes.push(a.value);
  }
  return ok({ type: PayloadType.CP, critical, cfgType: h.value.getUint8(0), attributes });
}

function decodeCfgAttr(r: ByteReader): Result<CfgAttr, CodecError> {
  const start = r.offset;
  const h = fixedFields(r, 4, "Configuration Attribute");
  if (!h.ok) return h;
  const type = h.value.getUint16(0) & ~RESERVED_BIT;
  const length = h.value.getUint16(2);
  const allowed = CFG_VALUE_LENGTHS.get(type);
  const badLength = allowed ? !allowed.includes(length) : type === CfgAttribute.SUPPORTED_ATTRIBUTES && length % 2 !== 0;
  if (badLength) return fail("length-mismatch", `Configuration Attribute ${type} with Length ${length}`, start + 2);
  const value = r.bytesCopy(length, "Configuration Attribute Value");
  return value.ok ? ok({ type, value: value.value }) : value;
}

/** Encodes a CP body. */
export function encodeCp(p: CpPayload): Uint8Array {
  const w = new ByteWriter().u8(fieldValue(p.cfgType, 8, "CFG Type")).u8(0).u16(0);
  for (const a of p.attributes) {
    w.u16(fieldValue(a.type, 15, "Attribute Type"))
      .u16(fieldValue(a.value.length, 16, "Length"))
      .bytes(a.value);
  }
  return w.finish();
}
