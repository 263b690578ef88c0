/**
 * GTP-U messages (TS 29.281 §7): G-PDU (255) carrying a T-PDU, the path management messages
 * Echo Request (1) and Echo Response (2) (§7.2), and the tunnel management messages Error
 * Indication (26) and End Marker (254) (§7.3). decodeGtpu never throws on input; byte fields of
 * decoded messages view the input buffer (no copies).
 *
 * Header rules applied by the encoders (§5.1): Echo Request, Echo Response and Error Indication
 * carry a sequence number (S = 1) and TEID 0; G-PDUs carry neither (S = 0) on the fast path.
 */
import { codecError, type CodecError } from "../wire/codec-error.js";
import { err, ok, type Result } from "../wire/result.js";
import { ByteWriter } from "../wire/writer.js";
import { GTPU_HEADER_BYTES, GTPU_VERSION_PT, GtpuExtensionHeaderType, GtpuMessageType } from "./constants.js";
import { gtpuHeaderLength, headerFromScan, newGtpuHeaderScan, scanGtpuHeader, writeGtpuHeader, type GtpuHeader, type GtpuHeaderScan } from "./header.js";
import { decodeGtpuIes, writeGtpuIes, type GtpuIes } from "./ies.js";

/** A G-PDU: the header and the T-PDU (for Xw-U LWIP, one LWIPEP packet). */
export interface GtpuGpdu {
  readonly kind: "g-pdu";
  readonly header: GtpuHeader;
  readonly payload: Uint8Array;
}

/** "Are you alive?" on a path (§7.2.1). */
export interface GtpuEchoRequest {
  readonly kind: "echo-request";
  readonly header: GtpuHeader;
  readonly privateExtension?: Uint8Array;
}

/** The answer to an Echo Request, with the request's sequence number (§7.2.2). */
export interface GtpuEchoResponse {
  readonly kind: "echo-response";
  readonly header: GtpuHeader;
  /** Mandatory for backward compatibility, sent as 0 and not evaluated (§7.2.2, §8.2). */
  readonly recovery: number;
  readonly privateExtension?: Uint8Array;
}

/** "There is no context for the TEID you sent to" (§7.3.1). */
export interface GtpuErrorIndication {
  readonly kind: "error-indication";
  readonly header: GtpuHeader;
  /** The TEID of the G-PDU that had no context. */
  readonly teidDataI: number;
  /** The destination address of that G-PDU: the sender of this message (4 or 16 octets). */
  readonly peerAddress: Uint8Array;
  readonly privateExtension?: Uint8Array;
}

/** The last packet on a tunnel before a path switch (§7.3.2). */
export interface GtpuEndMarker {
  readonly kind: "end-marker";
  readonly header: GtpuHeader;
  readonly privateExtension?: Uint8Array;
}

/** The GTP-U messages this codec reads and writes, told apart by `kind`. */
export type GtpuMessage = GtpuGpdu | GtpuEchoRequest | GtpuEchoResponse | GtpuErrorIndication | GtpuEndMarker;

const MESSAGE_TYPE: Readonly<Record<GtpuMessage["kind"], number>> = {
  "g-pdu": GtpuMessageType.G_PDU,
  "echo-request": GtpuMessageType.ECHO_REQUEST,
  "echo-response": GtpuMessageType.ECHO_RESPONSE,
  "error-indication": GtpuMessageType.ERROR_INDICATION,
  "end-marker": GtpuMessageType.END_MARKER,
};

const NO_EXTENSION_HEADERS: readonly never[] = Object.freeze([]);

function withPrivateExtension(ies: GtpuIes): { privateExtension?: Uint8Array } {
  return ies.privateExtension === undefined ? {} : { privateExtension: ies.privateExtension };
}

function missing(what: string, scan: GtpuHeaderScan): Result<never, CodecError> {
  return err(codecError("bad-value", `mandatory ${what} IE missing`, scan.bodyOffset));
}

/**
 * Decodes a message whose header scanGtpuHeader has accepted into `scan` (the per-packet path
 * scans first and decodes only signalling messages).
 */
export function decodeScannedGtpu(bytes: Uint8Array, scan: GtpuHeaderScan): Result<GtpuMessage, CodecError> {
  const header = headerFromScan(bytes, scan);
  const type = scan.messageType;
  if (type === GtpuMessageType.G_PDU) return ok({ kind: "g-pdu", header, payload: bytes.subarray(scan.bodyOffset, scan.end) });
  if (type !== GtpuMessageType.ECHO_REQUEST && type !== GtpuMessageType.ECHO_RESPONSE && type !== GtpuMessageType.ERROR_INDICATION && type !== GtpuMessageType.END_MARKER) {
    return err(codecError("bad-value", `GTP-U message type ${type} not supported`, 1));
  }
  const decoded = decodeGtpuIes(bytes, scan.bodyOffset, scan.end);
  if (!decoded.ok) return decoded;
  const ies = decoded.value;
  const extra = withPrivateExtension(ies);
  if (type === GtpuMessageType.ECHO_REQUEST) return ok({ kind: "echo-request", header, ...extra });
  if (type === GtpuMessageType.END_MARKER) return ok({ kind: "end-marker", header, ...extra });
  if (type === GtpuMessageType.ECHO_RESPONSE) {
    if (ies.recovery === undefined) return missing("Recovery", scan);
    return ok({ kind: "echo-response", header, recovery: ies.recovery, ...extra });
  }
  if (ies.teidDataI === undefined) return missing("Tunnel Endpoint Identifier Data I", scan);
  if (ies.peerAddress === undefined) return missing("GTP-U Peer Address", scan);
  return ok({ kind: "error-indication", header, teidDataI: ies.teidDataI, peerAddress: ies.peerAddress, ...extra });
}

/** Decodes one GTP-U message: a whole UDP payload received on port 2152. Never throws. */
export function decodeGtpu(bytes: Uint8Array): Result<GtpuMessage, CodecError> {
  const scan = newGtpuHeaderScan();
  const e = scanGtpuHeader(bytes, scan);
  return e ? err(e) : decodeScannedGtpu(bytes, scan);
}

function iesOf(m: Exclude<GtpuMessage, GtpuGpdu>): GtpuIes {
  const extra = m.privateExtension === undefined ? {} : { privateExtension: m.privateExtension };
  if (m.kind === "echo-response") return { recovery: m.recovery, ...extra };
  if (m.kind === "error-indication") return { teidDataI: m.teidDataI, peerAddress: m.peerAddress, ...extra };
  return extra;
}

/**
 * Encodes any GTP-U message; decodeGtpu(encodeGtpu(m)) gives m back.
 * @throws RangeError for values that do not fit (see writeGtpuHeader).
 */
export function encodeGtpu(m: GtpuMessage): Uint8Array {
  let body: Uint8Array;
  if (m.kind === "g-pdu") {
    body = m.payload;
  } else {
    const w = new ByteWriter(32);
    writeGtpuIes(w, iesOf(m));
    body = w.finish();
  }
  const headerLength = gtpuHeaderLength(m.header);
  const out = new Uint8Array(headerLength + body.length);
  writeGtpuHeader(out, MESSAGE_TYPE[m.kind], m.header, body.length);
  out.set(body, headerLength);
  return out;
}

/**
 * Writes the plain 8-octet G-PDU header (no optional fields) for a T-PDU of `payloadLength`
 * octets (at most 65535, checked by the caller) at out[0..8): for a caller that places the T-PDU
 * at out[8..) itself, in a buffer of its choosing.
 */
export function writeGpduHeader(out: Uint8Array, teid: number, payloadLength: number): void {
  out[0] = GTPU_VERSION_PT;
  out[1] = GtpuMessageType.G_PDU;
  out[2] = payloadLength >> 8;
  out[3] = payloadLength & 0xff;
  out[4] = (teid >>> 24) & 0xff;
  out[5] = (teid >>> 16) & 0xff;
  out[6] = (teid >>> 8) & 0xff;
  out[7] = teid & 0xff;
}

/**
 * A G-PDU with the plain 8-octet header (no optional fields) around `payload`, in a buffer of
 * its own.
 * @throws RangeError if the payload exceeds 65535 octets (a programmer error).
 */
export function encodeGpdu(teid: number, payload: Uint8Array): Uint8Array {
  if (payload.length > 0xffff) throw new RangeError(`G-PDU payload of ${payload.length} octets > 65535`);
  const out = new Uint8Array(GTPU_HEADER_BYTES + payload.length);
  writeGpduHeader(out, teid, payload.length);
  out.set(payload, GTPU_HEADER_BYTES);
  return out;
}

function pathHeader(sequence: number): GtpuHeader {
  return { teid: 0, sequence: sequence & 0xffff, extensionHeaders: NO_EXTENSION_HEADERS };
}

/** Echo Request (§7.2.1): TEID 0, S = 1 with the given sequence number. */
export function encodeEchoRequest(sequence: number): Uint8Array {
  return encodeGtpu({ kind: "echo-request", header: pathHeader(sequence) });
}

/**
 * Echo Response (§7.2.2) to a request with `sequence`: TEID 0, the request's sequence number,
 * and the Recovery IE with restart counter 0 (§8.2: set to zero by the sender in GTP-U).
 */
export function encodeEchoResponse(sequence: number): Uint8Array {
  return encodeGtpu({ kind: "echo-response", header: pathHeader(sequence), recovery: 0 });
}

/** What encodeErrorIndication needs. */
export interface ErrorIndicationFields {
  /** The TEID of the G-PDU that had no context. */
  readonly teidDataI: number;
  /** Our address, where that G-PDU was sent (4 or 16 octets). */
  readonly peerAddress: Uint8Array;
  readonly sequence?: number;
  /** The UDP source port of that G-PDU, sent in a UDP Port extension header (§5.2.2.1). */
  readonly udpPort?: number;
}

/** Error Indication (§7.3.1): TEID 0, S = 1, TEID Data I and GTP-U Peer Address, optional UDP Port. */
export function encodeErrorIndication(f: ErrorIndicationFields): Uint8Array {
  const extensionHeaders =
    f.udpPort === undefined ? NO_EXTENSION_HEADERS : [{ type: GtpuExtensionHeaderType.UDP_PORT, content: new Uint8Array([(f.udpPort >> 8) & 0xff, f.udpPort & 0xff]) }];
  const header: GtpuHeader = { teid: 0, sequence: (f.sequence ?? 0) & 0xffff, extensionHeaders };
  return encodeGtpu({ kind: "error-indication", header, teidDataI: f.teidDataI, peerAddress: f.peerAddress });
}

/** End Marker (§7.3.2) on the tunnel `teid`, without optional fields. */
export function encodeEndMarker(teid: number): Uint8Array {
  return encodeGtpu({ kind: "end-marker", header: { teid, extensionHeaders: NO_EXTENSION_HEADERS } });
}
