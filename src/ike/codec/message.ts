/**
 * IKE message: header (§3.1) followed by a chain of payloads, each starting with the generic
 * payload header (RFC 7296 §3.2) whose Next Payload names the type of the payload after it.
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The chain ends at Next Payload 0, or at SK/SKF, whose Next Payload is the first *inner*
 * payload and which "MUST be the last payload in the message" (§3.14, RFC 7383 §2.5).
 * RESERVED "MUST be sent as zero; MUST be ignored on receipt" (§3.2).
 */
import { codecError, type CodecError, type CodecErrorCode } from "../../wire/codec-error.js";
import { ByteReader } from "../../wire/reader.js";
import { err, ok, type Result } from "../../wire/result.js";
import { ExchangeType, GENERIC_PAYLOAD_HEADER_LENGTH, IKE_HEADER_LENGTH, NotifyType, PayloadType, ProtocolId } from "../registry.js";
import { decodeBody, encodeBody, isUnknownPayload } from "./body.js";
import { fieldValue, fixedFields, type Refusal } from "./fields.js";
import { decodeIkeHeader, writeIkeHeader } from "./header.js";
import type { IkeHeader, IkeMessage, Payload, SkfPayload, SkPayload } from "./payloads.js";

/** The C bit; the other seven bits of that octet are RESERVED (§3.2). */
const CRITICAL_BIT = 0x80;

/** What a peer is told about a malformed payload chain (RFC 7296 §3.10.1: INVALID_SYNTAX). */
function toPeer(e: CodecError): Refusal {
  return err(e.notify === undefined ? { ...e, notify: NotifyType.INVALID_SYNTAX } : e);
}

function syntax(code: CodecErrorCode, message: string, offset: number): Refusal {
  return err(codecError(code, message, offset, NotifyType.INVALID_SYNTAX));
}

/** True for SK and SKF, the payloads that end the chain. */
function isEncrypted(p: Payload): p is SkPayload | SkfPayload {
  return !isUnknownPayload(p) && (p.type === PayloadType.SK || p.type === PayloadType.SKF);
}

/** Writes a generic payload header into `out` at `at`. @throws RangeError if `next` or `length` does not fit its field. */
function writeGenericHeader(out: Uint8Array, at: number, next: number, critical: boolean, length: number): void {
  out[at] = fieldValue(next, 8, "Next Payload");
  out[at + 1] = critical ? CRITICAL_BIT : 0;
  fieldValue(length, 16, "Payload Length");
  out[at + 2] = length >> 8;
  out[at + 3] = length & 0xff;
}

/**
 * Encodes a generic payload header. Exported for the SK layer, which authenticates
 * IKE header | SK generic header (| SKF fragment fields) as associated data before the body exists.
 * @throws RangeError if `next` or `length` does not fit its field.
 */
export function encodeGenericHeader(next: number, critical: boolean, length: number): Uint8Array {
  const out = new Uint8Array(GENERIC_PAYLOAD_HEADER_LENGTH);
  writeGenericHeader(out, 0, next, critical, length);
  return out;
}

/** The type the IKE header's Next Payload must carry for this chain (0 when empty). */
export function firstPayloadType(payloads: readonly Payload[]): number {
  return payloads[0]?.type ?? PayloadType.NONE;
}

/**
 * Decodes a payload chain starting with type `firstType` that must fill `bytes` exactly.
 * Used on the message body and on decrypted SK contents (padding already removed).
 * `baseOffset` is added to error offsets. Every error carries the Notify to send: INVALID_SYNTAX,
 * or UNSUPPORTED_CRITICAL_PAYLOAD for an unknown payload with the C bit set (§2.5).
 */
export function decodePayloads(firstType: number, bytes: Uint8Array, baseOffset = 0): Result<Payload[], CodecError> {
  const r = new ByteReader(bytes, baseOffset);
  const payloads: Payload[] = [];
  let type = firstType;
  while (type !== PayloadType.NONE) {
    const one = decodePayload(type, r);
    if (!one.ok) return one;
    payloads.push(one.value.payload);
    if (isEncrypted(one.value.payload)) {
      if (r.remaining === 0) return ok(payloads);
      return syntax("invalid-syntax", `${r.remaining} octets after payload ${type}, which must be last (§3.14)`, r.offset);
    }
    type = one.value.next;
  }
  if (r.remaining > 0) return syntax("length-mismatch", `${r.remaining} octets after the last payload`, r.offset);
  return ok(payloads);
}

function decodePayload(type: number, r: ByteReader): Result<{ payload: Payload; next: number }, CodecError> {
  const start = r.offset;
  const h = fixedFields(r, GENERIC_PAYLOAD_HEADER_LENGTH, `payload ${type} generic header`);
  if (!h.ok) return toPeer(h.error);
  const next = h.value.getUint8(0);
  const critical = (h.value.getUint8(1) & CRITICAL_BIT) !== 0;
  const length = h.value.getUint16(2);
  if (length < GENERIC_PAYLOAD_HEADER_LENGTH) {
    return syntax("length-mismatch", `payload ${type}: Payload Length ${length} < 4`, start + 2);
  }
  const body = r.sub(length - GENERIC_PAYLOAD_HEADER_LENGTH, `payload ${type} body`);
  if (!body.ok) return toPeer(body.error);
  const payload = decodeBody(type, next, critical, body.value);
  if (!payload.ok) return toPeer(payload.error);
  if (critical && isUnknownPayload(payload.value)) {
    // §2.5: "the message MUST be rejected and the response ... MUST include a Notify payload
    // UNSUPPORTED_CRITICAL_PAYLOAD", whose data is the one-octet payload type.
    const message = `unsupported critical payload type ${type}`;
    return err(codecError("unsupported-critical-payload", message, start, NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD, Uint8Array.of(type)));
  }
  return ok({ payload: payload.value, next });
}

/** The encoded bodies of a chain and the chain's length with the generic headers. */
interface EncodedChain {
  readonly bodies: readonly Uint8Array[];
  readonly length: number;
}

function encodeChain(payloads: readonly Payload[]): EncodedChain {
  let length = 0;
  const bodies = payloads.map((p, i) => {
    if (i < payloads.length - 1 && isEncrypted(p)) throw new RangeError(`payload ${p.type} must be the last payload`);
    const body = encodeBody(p);
    length += GENERIC_PAYLOAD_HEADER_LENGTH + body.length;
    return body;
  });
  return { bodies, length };
}

/** Writes the chain at `at` of `out`; each payload's Next Payload is the type of the following one. */
function writeChain(out: Uint8Array, at: number, payloads: readonly Payload[], chain: EncodedChain): void {
  let o = at;
  payloads.forEach((p, i) => {
    const body = chain.bodies[i] ?? new Uint8Array(0);
    const next = isEncrypted(p) ? p.innerFirst : (payloads[i + 1]?.type ?? PayloadType.NONE);
    writeGenericHeader(out, o, next, p.critical, GENERIC_PAYLOAD_HEADER_LENGTH + body.length);
    out.set(body, o + GENERIC_PAYLOAD_HEADER_LENGTH);
    o += GENERIC_PAYLOAD_HEADER_LENGTH + body.length;
  });
}

/**
 * Encodes a payload chain: each generic header's Next Payload is the type of the following
 * payload (0 for the last), except SK/SKF, whose Next Payload is their `innerFirst`.
 * @throws RangeError if SK/SKF is not last or a length does not fit (programmer errors).
 */
export function encodePayloads(payloads: readonly Payload[]): Uint8Array {
  const chain = encodeChain(payloads);
  const out = new Uint8Array(chain.length);
  writeChain(out, 0, payloads, chain);
  return out;
}

/**
 * Decodes a whole message: header, then the payload chain over the first Length octets.
 * In IKE_SA_INIT an IKE proposal's SPI Size "MUST be zero" (§3.3.1).
 */
export function decodeMessage(bytes: Uint8Array): Result<IkeMessage, CodecError> {
  const header = decodeIkeHeader(bytes);
  if (!header.ok) return header;
  const body = bytes.subarray(IKE_HEADER_LENGTH, header.value.length);
  const payloads = decodePayloads(header.value.nextPayload, body, IKE_HEADER_LENGTH);
  if (!payloads.ok) return payloads;
  if (header.value.exchangeType === ExchangeType.IKE_SA_INIT && hasIkeProposalSpi(payloads.value)) {
    return syntax("bad-value", "IKE_SA_INIT proposal for IKE with a non-zero SPI Size", IKE_HEADER_LENGTH);
  }
  return ok({ header: header.value, payloads: payloads.value });
}

function hasIkeProposalSpi(payloads: readonly Payload[]): boolean {
  return payloads.some(
    (p) =>
      !isUnknownPayload(p) &&
      p.type === PayloadType.SA &&
      p.proposals.some((proposal) => proposal.protocolId === ProtocolId.IKE && proposal.spi.length !== 0),
  );
}

/**
 * Encodes a whole message, computing the header's Next Payload and Length.
 * @throws RangeError on a programmer error (see encodePayloads, encodeIkeHeader).
 */
export function encodeMessage(header: Omit<IkeHeader, "length" | "nextPayload">, payloads: readonly Payload[]): Uint8Array {
  const chain = encodeChain(payloads);
  const length = IKE_HEADER_LENGTH + chain.length;
  const out = new Uint8Array(length);
  // Field by field rather than { ...header, ... }: V8 (Node 20) takes a slow path for a spread followed by more properties.
  writeIkeHeader(out, 0, {
    spiI: header.spiI, spiR: header.spiR, version: header.version, exchangeType: header.exchangeType, flags: header.flags, messageId: header.messageId,
    nextPayload: firstPayloadType(payloads), length,
  });
  writeChain(out, IKE_HEADER_LENGTH, payloads, chain);
  return out;
}
