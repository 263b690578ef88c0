/**
 * Notify payload (RFC 7296 §3.10).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Protocol ID  |   SPI Size    |      Notify Message Type      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                Security Parameter Index (SPI)                 ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                       Notification Data                       ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { PayloadType } from "../registry.js";
import { fieldValue, fixedFields } from "./fields.js";
import type { NotifyPayload } from "./payloads.js";

/**
 * Decodes a Notify body. The Protocol ID is kept raw: with an empty SPI it "MUST be sent as zero
 * and MUST be ignored on receipt" (§3.10), so it is not checked against the SPI Size here.
 */
export function decodeNotify(r: ByteReader, critical: boolean): Result<NotifyPayload, CodecError> {
  const h = fixedFields(r, 4, "Notify");
  if (!h.ok) return h;
  const spi = r.bytesCopy(h.value.getUint8(1), "Notify SPI");
  if (!spi.ok) return spi;
  return ok({
    type: PayloadType.NOTIFY,
    critical,
    protocolId: h.value.getUint8(0),
    spi: spi.value,
    notifyType: h.value.getUint16(2),
    data: r.rest().slice(),
  });
}

/** Encodes a Notify body (SPI Size from the SPI). */
export function encodeNotify(p: NotifyPayload): Uint8Array {
  const protocolId = fieldValue(p.protocolId, 8, "Protocol ID");
  const spiSize = fieldValue(p.spi.length, 8, "SPI Size");
  const type = fieldValue(p.notifyType, 16, "Notify Message Type");
  // Protocol ID | SPI Size | Notify Message Type | SPI | Notification Data, built in place.
  const out = new Uint8Array(4 + p.spi.length + p.data.length);
  out[0] = protocolId;
  out[1] = spiSize;
  out[2] = type >> 8;
  out[3] = type & 0xff;
  out.set(p.spi, 4);
  out.set(p.data, 4 + p.spi.length);
  return out;
}
