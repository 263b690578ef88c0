/**
 * The frames of the simulated LTE air interface (see air-interface.ts) and their JSON-lines codec.
 * Downlink frames go from the eNB to the UE, uplink frames from the UE to the eNB:
 *
 *   attach     UE -> eNB  simulation of RRC connection establishment, S1 Initial Context Setup
 *                         and the AS Security Mode Command: after it the two ends share the KeNB
 *                         that each already holds for this UE (nothing secret is sent)
 *   attached   eNB -> UE  the serving cell (PCI, downlink EARFCN) and the C-RNTI
 *   rrc        both       one RRC message (rrc.ts), the secure RRC signalling of TS 33.401 16.2.1
 *   pdcp-sdu   both       one PDCP SDU of a DRB that travels over LTE
 *   radio-link-failure    simulation of the radio going away: each end detects it (TS 33.401 16.6)
 *
 * Decoding never throws and refuses anything TS 36.331 or this list does not allow.
 */
import { z } from "zod";
import { fromHex, toHex } from "../wire/hex.js";
import { codecError, type CodecError } from "../wire/codec-error.js";
import { err, ok, type Result } from "../wire/result.js";
import { decodeRrcDownlink, decodeRrcUplink, encodeRrc } from "./rrc-codec.js";
import { ARFCN_VALUE_EUTRA_MAX, DRB_IDENTITY_MAX, DRB_IDENTITY_MIN, PHYS_CELL_ID_MAX, type RrcDownlinkMessage, type RrcUplinkMessage } from "./rrc.js";

/** A frame line longer than this is refused (and a socket that sends one is closed). */
export const MAX_FRAME_LINE_BYTES = 256 * 1024;

/** A cell of the simulated radio: PhysCellId and downlink EARFCN, the inputs of KeNB* (TS 33.401 A.5). */
export interface Cell {
  readonly physCellId: number;
  readonly dlEarfcn: number;
}

export interface PdcpSduFrame {
  readonly kind: "pdcp-sdu";
  readonly drbId: number;
  readonly bytes: Uint8Array;
}

export interface RadioLinkFailureFrame {
  readonly kind: "radio-link-failure";
}

/** eNB to UE. */
export type DownlinkFrame =
  | { readonly kind: "attached"; readonly cell: Cell; readonly cRnti: Uint8Array }
  | { readonly kind: "rrc"; readonly message: RrcDownlinkMessage }
  | PdcpSduFrame
  | RadioLinkFailureFrame;

/** UE to eNB. */
export type UplinkFrame =
  | { readonly kind: "attach"; readonly ueId: string }
  | { readonly kind: "rrc"; readonly message: RrcUplinkMessage }
  | PdcpSduFrame
  | RadioLinkFailureFrame;

/** A UE name: what the simulated MME knows the UE's AS security context by. */
export const UE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const hexBytes = (max: number) =>
  z
    .string()
    .max(2 * max)
    .refine((s) => s.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(s), "expected hex octets")
    .transform((s) => fromHex(s) ?? new Uint8Array(0));

const pdcpSdu = z.strictObject({ kind: z.literal("pdcp-sdu"), drbId: z.number().int().min(DRB_IDENTITY_MIN).max(DRB_IDENTITY_MAX), bytes: hexBytes(MAX_FRAME_LINE_BYTES / 2) });
const rlf = z.strictObject({ kind: z.literal("radio-link-failure") });
const cell = z.strictObject({ physCellId: z.number().int().min(0).max(PHYS_CELL_ID_MAX), dlEarfcn: z.number().int().min(0).max(ARFCN_VALUE_EUTRA_MAX) });

/** The frame schemas, with the RRC message left as JSON for the RRC codec. */
const downlinkEnvelope = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("attached"), cell, cRnti: hexBytes(2).refine((b) => b.length === 2, "expected 2 octets") }),
  z.strictObject({ kind: z.literal("rrc"), message: z.unknown() }),
  pdcpSdu,
  rlf,
]);

const uplinkEnvelope = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("attach"), ueId: z.string().regex(UE_ID_PATTERN) }),
  z.strictObject({ kind: z.literal("rrc"), message: z.unknown() }),
  pdcpSdu,
  rlf,
]);

function parseLine(line: string): Result<unknown, CodecError> {
  if (line.length > MAX_FRAME_LINE_BYTES) return err(codecError("length-mismatch", `frame line of ${line.length} characters`, 0));
  try {
    return ok(JSON.parse(line) as unknown);
  } catch {
    return err(codecError("invalid-syntax", "frame line is not JSON", 0));
  }
}

function envelope<T>(schema: z.ZodType<T>, json: unknown): Result<T, CodecError> {
  const r = schema.safeParse(json);
  if (r.success) return ok(r.data);
  const issue = r.error.issues[0];
  return err(codecError("bad-value", `frame: ${issue ? `${issue.path.map(String).join(".")} ${issue.message}` : "invalid"}`, 0));
}

/** Decodes one downlink frame line. Never throws. */
export function decodeDownlinkFrame(line: string): Result<DownlinkFrame, CodecError> {
  const json = parseLine(line);
  if (!json.ok) return json;
  const f = envelope(downlinkEnvelope, json.value);
  if (!f.ok || f.value.kind !== "rrc") return f as Result<DownlinkFrame, CodecError>;
  const message = decodeRrcDownlink(f.value.message);
  return message.ok ? ok({ kind: "rrc", message: message.value }) : message;
}

/** Decodes one uplink frame line. Never throws. */
export function decodeUplinkFrame(line: string): Result<UplinkFrame, CodecError> {
  const json = parseLine(line);
  if (!json.ok) return json;
  const f = envelope(uplinkEnvelope, json.value);
  if (!f.ok || f.value.kind !== "rrc") return f as Result<UplinkFrame, CodecError>;
  const message = decodeRrcUplink(f.value.message);
  return message.ok ? ok({ kind: "rrc", message: message.value }) : message;
}

/** One frame as a JSON line (without the newline). */
export function encodeFrame(f: DownlinkFrame | UplinkFrame): string {
  switch (f.kind) {
    case "rrc":
      return JSON.stringify({ kind: "rrc", message: encodeRrc(f.message) });
    case "pdcp-sdu":
      return JSON.stringify({ kind: f.kind, drbId: f.drbId, bytes: toHex(f.bytes) });
    case "attached":
      return JSON.stringify({ kind: f.kind, cell: f.cell, cRnti: toHex(f.cRnti) });
    default:
      return JSON.stringify(f);
  }
}
