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
import { ByteWriter } from "../../wire/writer.js";
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
  return new ByteWriter(4 + p.spi.length + p.data.length)
    .u8(fieldValue(p.protocolId, 8, "Protocol ID"))
    .u8(fieldValue(p.spi.length, 8, "SPI Size"))
    .u16(fieldValue(p.notifyType, 16, "Notify Message Type"))
    .bytes(p.spi)
    .bytes(p.data)
    .finish();
}
