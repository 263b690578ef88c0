/**
 * Security Association payload (RFC 7296 §3.3) and its Proposal substructures (§3.3.1).
 *
 *   SA payload body: one or more Proposal substructures.
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Last Substruc |   RESERVED    |         Proposal Length       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                        SPI (variable)                         ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                        <Transforms>                           ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * RESERVED fields "MUST be sent as zero; MUST be ignored on receipt" (§3.3.1), so they are
 * skipped here and written as zero.
 */
import type { CodecError } from "../../wire/codec-error.js";
import type { ByteReader } from "../../wire/reader.js";
import { ok, type Result } from "../../wire/result.js";
import { ByteWriter } from "../../wire/writer.js";
import { PayloadType, ProtocolId } from "../registry.js";
import { fail, fieldValue, fixedFields, leftover, type Refusal } from "./fields.js";
import type { Proposal, SaPayload, Transform } from "./payloads.js";
import { decodeTransform, writeTransform } from "./transform.js";

const PROPOSAL_HEADER_LENGTH = 8;
/** §3.3.1 "Last Substruc": 0 if this was the last Proposal Substructure, 2 if there are more. */
const LAST_PROPOSAL = 0;
const MORE_PROPOSALS = 2;
/** §3.3.1 SPI Size: 0 in IKE_SA_INIT, 8 for IKE SA rekeying, 4 for ESP and AH. */
const IKE_REKEY_SPI_SIZE = 8;
const CHILD_SPI_SIZE = 4;

/** Decodes an SA payload body: at least one proposal, chained by their Last Substruc fields. */
export function decodeSa(r: ByteReader, critical: boolean): Result<SaPayload, CodecError> {
  if (r.remaining === 0) return fail("bad-value", "SA payload without proposals", r.offset);
  const proposals: Proposal[] = [];
  for (;;) {
    const p = decodeProposal(r);
    if (!p.ok) return p;
    proposals.push(p.value.proposal);
    if (p.value.last) break;
    if (r.remaining === 0) return fail("length-mismatch", "Proposal Last Substruc 2 (more) at the end of the SA payload", r.offset);
  }
  return leftover(r, "SA payload after the last proposal") ?? ok({ type: PayloadType.SA, critical, proposals });
}

function decodeProposal(r: ByteReader): Result<{ proposal: Proposal; last: boolean }, CodecError> {
  const start = r.offset;
  const h = fixedFields(r, PROPOSAL_HEADER_LENGTH, "Proposal");
  if (!h.ok) return h;
  const lastSubstruc = h.value.getUint8(0);
  const length = h.value.getUint16(2);
  const protocolId = h.value.getUint8(5);
  const spiSize = h.value.getUint8(6);
  const numTransforms = h.value.getUint8(7);
  if (lastSubstruc !== LAST_PROPOSAL && lastSubstruc !== MORE_PROPOSALS) {
    return fail("bad-value", `Proposal Last Substruc ${lastSubstruc} is neither 0 nor 2`, start);
  }
  if (length < PROPOSAL_HEADER_LENGTH + spiSize) {
    return fail("length-mismatch", `Proposal Length ${length} < 8 + SPI Size ${spiSize}`, start + 2);
  }
  const spiError = checkSpiSize(protocolId, spiSize, start + 6);
  if (spiError) return spiError;
  const body = r.sub(length - PROPOSAL_HEADER_LENGTH, "Proposal");
  if (!body.ok) return body;
  const spi = body.value.bytesCopy(spiSize, "Proposal SPI");
  if (!spi.ok) return spi;
  const transforms: Transform[] = [];
  for (let i = 0; i < numTransforms; i++) {
    const t = decodeTransform(body.value, i === numTransforms - 1);
    if (!t.ok) return t;
    transforms.push(t.value);
  }
  const extra = leftover(body.value, `Proposal with Num Transforms ${numTransforms}`);
  if (extra) return extra;
  const proposal = { number: h.value.getUint8(4), protocolId, spi: spi.value, transforms };
  return ok({ proposal, last: lastSubstruc === LAST_PROPOSAL });
}

/**
 * SPI Size must fit the protocol (§3.3.1): IKE 0 (IKE_SA_INIT) or 8 (rekey), ESP/AH 4. Other
 * protocol IDs are left to proposal selection, which ignores proposals it does not support.
 */
function checkSpiSize(protocolId: number, spiSize: number, offset: number): Refusal | undefined {
  const allowed =
    protocolId === ProtocolId.IKE
      ? [0, IKE_REKEY_SPI_SIZE]
      : protocolId === ProtocolId.ESP || protocolId === ProtocolId.AH
        ? [CHILD_SPI_SIZE]
        : undefined;
  if (allowed === undefined || allowed.includes(spiSize)) return undefined;
  return fail("bad-value", `SPI Size ${spiSize} for Protocol ID ${protocolId}`, offset);
}

/** Encodes an SA payload body, computing lengths, counts and Last Substruc fields. */
export function encodeSa(p: SaPayload): Uint8Array {
  const w = new ByteWriter();
  p.proposals.forEach((proposal, i) => writeProposal(w, proposal, i === p.proposals.length - 1));
  return w.finish();
}

function writeProposal(w: ByteWriter, p: Proposal, isLast: boolean): void {
  const start = w.length;
  w.u8(isLast ? LAST_PROPOSAL : MORE_PROPOSALS)
    .u8(0)
    .u16(0)
    .u8(fieldValue(p.number, 8, "Proposal Num"))
    .u8(fieldValue(p.protocolId, 8, "Protocol ID"))
    .u8(fieldValue(p.spi.length, 8, "SPI Size"))
    .u8(fieldValue(p.transforms.length, 8, "Num Transforms"))
    .bytes(p.spi);
  p.transforms.forEach((t, i) => writeTransform(w, t, i === p.transforms.length - 1));
  w.patchU16(start + 2, fieldValue(w.length - start, 16, "Proposal Length"));
}
