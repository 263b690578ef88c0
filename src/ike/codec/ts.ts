/**
 * Traffic Selector payloads TSi (44) and TSr (45) (RFC 7296 §3.13, §3.13.1).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Number of TSs |                 RESERVED                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                       <Traffic Selectors>                     ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   Traffic Selector (§3.13.1):
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   TS Type     |IP Protocol ID*|       Selector Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Start Port*         |           End Port*           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                         Starting Address*                     ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                         Ending Address*                       ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { ByteWriter } from "../../wire/writer.js";
import { TsType } from "../registry.js";
import { fail, fieldValue, fixedFields, leftover } from "./fields.js";
import type { TrafficSelector, TsPayload } from "./payloads.js";

const SELECTOR_HEADER_LENGTH = 8;

/** Address length per TS Type: a selector is 8 + 2 * that (16 for IPv4, 40 for IPv6, §3.13.1). */
const TS_ADDRESS_LENGTH: ReadonlyMap<number, number> = new Map([
  [TsType.TS_IPV4_ADDR_RANGE, 4],
  [TsType.TS_IPV6_ADDR_RANGE, 16],
]);

/** Decodes a TSi/TSr body: exactly Number of TSs selectors, nothing after them. */
export function decodeTs(type: 44 | 45, r: ByteReader, critical: boolean): Result<TsPayload, CodecError> {
  const h = fixedFields(r, 4, "Number of TSs");
  if (!h.ok) return h;
  const count = h.value.getUint8(0);
  const selectors: TrafficSelector[] = [];
  for (let i = 0; i < count; i++) {
    const s = decodeSelector(r);
    if (!s.ok) return s;
    selectors.push(s.value);
  }
  return leftover(r, `TS payload with Number of TSs ${count}`) ?? ok({ type, critical, selectors });
}

function decodeSelector(r: ByteReader): Result<TrafficSelector, CodecError> {
  const start = r.offset;
  const h = fixedFields(r, SELECTOR_HEADER_LENGTH, "Traffic Selector");
  if (!h.ok) return h;
  const tsType = h.value.getUint8(0);
  const length = h.value.getUint16(2);
  const addressLength = TS_ADDRESS_LENGTH.get(tsType);
  if (addressLength === undefined) return fail("bad-value", `TS Type ${tsType}`, start);
  if (length !== SELECTOR_HEADER_LENGTH + 2 * addressLength) {
    return fail("length-mismatch", `Selector Length ${length} for TS Type ${tsType}`, start + 2);
  }
  const startAddress = r.bytesCopy(addressLength, "Starting Address");
  if (!startAddress.ok) return startAddress;
  const endAddress = r.bytesCopy(addressLength, "Ending Address");
  if (!endAddress.ok) return endAddress;
  return ok({
    tsType,
    ipProtocol: h.value.getUint8(1),
    startPort: h.value.getUint16(4),
    endPort: h.value.getUint16(6),
    startAddress: startAddress.value,
    endAddress: endAddress.value,
  });
}

/**
 * Encodes a TSi/TSr body.
 * @throws RangeError if a selector's TS Type is unknown or its addresses do not match it.
 */
export function encodeTs(p: TsPayload): Uint8Array {
  const w = new ByteWriter().u8(fieldValue(p.selectors.length, 8, "Number of TSs")).u8(0).u16(0);
  for (const s of p.selectors) {
    const addressLength = TS_ADDRESS_LENGTH.get(s.tsType);
    if (addressLength === undefined || s.startAddress.length !== addressLength || s.endAddress.length !== addressLength) {
      throw new RangeError(`Traffic selector addresses do not match TS Type ${s.tsType}`);
    }
    w.u8(s.tsType)
      .u8(fieldValue(s.ipProtocol, 8, "IP Protocol ID"))
      .u16(SELECTOR_HEADER_LENGTH + 2 * addressLength)
      .u16(fieldValue(s.startPort, 16, "Start Port"))
      .u16(fieldValue(s.endPort, 16, "End Port"))
      .bytes(s.startAddress)
      .bytes(s.endAddress);
  }
  return w.finish();
}
