/**
 * Delete payload (RFC 7296 §3.11).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Protocol ID   |   SPI Size    |          Num of SPIs          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~               Security Parameter Index(es) (SPI)              ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { ByteWriter } from "../../wire/writer.js";
import { PayloadType, ProtocolId } from "../registry.js";
import { fail, fieldValue, fixedFields } from "./fields.js";
import type { DeletePayload } from "./payloads.js";

/** §3.11 SPI Size: "It MUST be zero for IKE (SPI is in message header) or four for AH and ESP." */
const DELETE_SPI_SIZE: ReadonlyMap<number, number> = new Map([
  [ProtocolId.IKE, 0],
  [ProtocolId.AH, 4],
  [ProtocolId.ESP, 4],
]);

/** Decodes a Delete body: Protocol ID with its SPI Size, and exactly Num of SPIs SPIs. */
export function decodeDelete(r: ByteReader, critical: boolean): Result<DeletePayload, CodecError> {
  const start = r.offset;
  const h = fixedFields(r, 4, "Delete");
  if (!h.ok) return h;
  const protocolId = h.value.getUint8(0);
  const spiSize = h.value.getUint8(1);
  const numSpis = h.value.getUint16(2);
  const want = DELETE_SPI_SIZE.get(protocolId);
  if (want === undefined) return fail("bad-value", `Delete Protocol ID ${protocolId}`, start);
  if (spiSize !== want) return fail("bad-value", `Delete SPI Size ${spiSize} for Protocol ID ${protocolId}`, start + 1);
  if (spiSize * numSpis !== r.remaining) {
    return fail("length-mismatch", `Delete: ${numSpis} SPIs of ${spiSize} octets in ${r.remaining} octets`, start + 2);
  }
  const spis: Uint8Array[] = [];
  for (let i = 0; i < numSpis; i++) {
    const spi = r.bytesCopy(spiSize, "Delete SPI");
    if (!spi.ok) return spi;
    spis.push(spi.value);
  }
  return ok({ type: PayloadType.DELETE, critical, protocolId, spiSize, spis });
}

/**
 * Encodes a Delete body with the given SPI Size.
 * @throws RangeError if an SPI is not `spiSize` octets long.
 */
export function encodeDelete(p: DeletePayload): Uint8Array {
  const w = new ByteWriter(4 + p.spiSize * p.spis.length)
    .u8(fieldValue(p.protocolId, 8, "Protocol ID"))
    .u8(fieldValue(p.spiSize, 8, "SPI Size"))
    .u16(fieldValue(p.spis.length, 16, "Num of SPIs"));
  for (const spi of p.spis) {
    if (spi.length !== p.spiSize) throw new RangeError(`Delete SPI of ${spi.length} octets, SPI Size ${p.spiSize}`);
    w.bytes(spi);
  }
  return w.finish();
}
