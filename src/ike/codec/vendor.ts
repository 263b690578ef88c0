/**
 * Vendor ID payload (RFC 7296 §3.12).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                        Vendor ID (VID)                        ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { PayloadType } from "../registry.js";
import type { VendorPayload } from "./payloads.js";

/** Decodes a Vendor ID body (opaque octets). */
export function decodeVendor(r: ByteReader, critical: boolean): Result<VendorPayload, CodecError> {
  return ok({ type: PayloadType.VENDOR, critical, vendorId: r.rest().slice() });
}

/** Encodes a Vendor ID body. */
export function encodeVendor(p: VendorPayload): Uint8Array {
  return p.vendorId.slice();
}
