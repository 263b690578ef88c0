/**
 * IKE header (RFC 7296 §3.1).
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       IKE SA Initiator's SPI                  |
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       IKE SA Responder's SPI                  |
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                          Message ID                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                            Length                             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { codecError, type CodecError } from "../../wire/codec-error.js";
import { err, ok, type Result } from "../../wire/result.js";
import { IKE_HEADER_LENGTH, NotifyType } from "../registry.js";
import { fail, fieldValue } from "./fields.js";
import type { IkeHeader } from "./payloads.js";

const SPI_LENGTH = 8;
const IKE_MAJOR_VERSION = 2;

/**
 * Decodes the fixed header. The message is the first `length` octets of `bytes`: a shorter buffer
 * is `truncated`; octets past `length` are not part of the message (the caller ignores them).
 * Header framing errors carry no notify (the datagram is dropped); a major version other than 2
 * maps to INVALID_MAJOR_VERSION (RFC 7296 §2.5: "... MUST respond ... INVALID_MAJOR_VERSION").
 * Flags and the minor version are kept raw: unknown flag bits "MUST be ignored on receipt" (§3.1).
 */
export function decodeIkeHeader(bytes: Uint8Array): Result<IkeHeader, CodecError> {
  if (bytes.length < IKE_HEADER_LENGTH) {
    return fail("truncated", `IKE header: need ${IKE_HEADER_LENGTH} octets, have ${bytes.length}`, 0);
  }
  // The 28 fixed octets are present, so plain DataView reads cannot run past the end.
  const v = new DataView(bytes.buffer, bytes.byteOffset, IKE_HEADER_LENGTH);
  const version = v.getUint8(17);
  const length = v.getUint32(24);
  if (version >> 4 !== IKE_MAJOR_VERSION) {
    return err(codecError("unsupported-version", `IKE major version ${version >> 4}`, 17, NotifyType.INVALID_MAJOR_VERSION));
  }
  if (length < IKE_HEADER_LENGTH) {
    return fail("length-mismatch", `IKE header Length ${length} is shorter than the header`, 24);
  }
  if (length > bytes.length) {
    return fail("truncated", `IKE header Length ${length}, datagram has ${bytes.length} octets`, 24);
  }
  return ok({
    spiI: bytes.slice(0, SPI_LENGTH),
    spiR: bytes.slice(SPI_LENGTH, 2 * SPI_LENGTH),
    nextPayload: v.getUint8(16),
    version,
    exchangeType: v.getUint8(18),
    flags: v.getUint8(19),
    messageId: v.getUint32(20),
    length,
  });
}

/** Writes a 32-bit field big-endian (no DataView: taking `.buffer` of a small array would move it off the V8 heap). */
function put32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/**
 * Writes the 28-octet header into `out` at `at`, with `h.length` and `h.nextPayload` as given:
 * lets a message encoder put header and payloads into one buffer.
 * @throws RangeError if an SPI is not 8 octets, a field does not fit, or `out` is too short.
 */
export function writeIkeHeader(out: Uint8Array, at: number, h: IkeHeader): void {
  if (h.spiI.length !== SPI_LENGTH || h.spiR.length !== SPI_LENGTH) {
    throw new RangeError(`IKE SPIs must be ${SPI_LENGTH} octets`);
  }
  if (out.length < at + IKE_HEADER_LENGTH) throw new RangeError("IKE header does not fit");
  out.set(h.spiI, at);
  out.set(h.spiR, at + SPI_LENGTH);
  out[at + 16] = fieldValue(h.nextPayload, 8, "Next Payload");
  out[at + 17] = fieldValue(h.version, 8, "Version");
  out[at + 18] = fieldValue(h.exchangeType, 8, "Exchange Type");
  out[at + 19] = fieldValue(h.flags, 8, "Flags");
  put32(out, at + 20, fieldValue(h.messageId, 32, "Message ID"));
  put32(out, at + 24, fieldValue(h.length, 32, "Length"));
}

/**
 * Encodes the 28-octet header, writing `h.length` and `h.nextPayload` as given.
 * @throws RangeError if an SPI is not 8 octets or a field does not fit.
 */
export function encodeIkeHeader(h: IkeHeader): Uint8Array {
  const out = new Uint8Array(IKE_HEADER_LENGTH);
  writeIkeHeader(out, 0, h);
  return out;
}
