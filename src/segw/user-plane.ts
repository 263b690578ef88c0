/**
 * The LWIP-SeGW user plane (TS 33.401 clause 16): pure forwarding rules between a UE's IPsec
 * tunnel and the eNB's Xw-U GTP tunnels, without sockets or timers (time comes from `now`).
 *
 * Uplink (16.1, 16.2.2, 16.2.3): a decrypted inner packet from the UE must come from the UE's
 * inner address, go to an LWIP endpoint address of the eNB that provisioned the UE, carry GRE
 * (IP protocol 47) with a valid LWIPEP header and be unfragmented. The SeGW then strips the inner
 * IP header ("UEs never get IP connectivity to the eNB") and sends only the LWIPEP packet as the
 * T-PDU of a G-PDU on the eNB's uplink tunnel (TS 36.464 §5: one uplink and one downlink GTP
 * tunnel per UE for LWIP).
 *
 * Downlink: a G-PDU on one of our TEIDs carries an LWIPEP packet for that UE; the SeGW puts an
 * inner IP header in front (eNB LWIP endpoint -> UE inner address, protocol 47, TTL 64) for the
 * UE's tunnel. Echo Requests are answered (TS 29.281 §7.2.1); other signalling is handed up.
 *
 * Per packet: one output buffer, carved from a shared slab (esp/bytes.ts allocPacket) rather than
 * an ArrayBuffer of its own, and one result object; drops return shared results and bump a plain
 * counter, so no strings or closures are built.
 */
import { GtpuFlag, GtpuMessageType } from "../gtpu/constants.js";
import { newGtpuHeaderScan, scanGtpuHeader } from "../gtpu/header.js";
import { allocPacket } from "../esp/bytes.js";
import { decodeScannedGtpu, encodeEchoResponse, encodeErrorIndication, type GtpuMessage, writeGpduHeader } from "../gtpu/messages.js";
import { inspectLwipep } from "../lwipep/lwipep.js";
import { KeyedRateLimiter, type RateLimit } from "./rate-limit.js";
import { checkUplinkInner, innerHeaderLength, writeInnerHeader, type GreSpan } from "./user-plane-ip.js";

/** A UE with an established LWIP tunnel, as the user plane needs it. */
export interface UeBinding {
  /** IKE Initiator Identity, hex. */
  readonly idi: string;
  /** The inner address assigned to the UE (4 or 16 octets). */
  readonly virtualIp: Uint8Array;
  /** The eNB that provisioned the UE. */
  readonly enbName: string;
  /** That eNB's LWIP endpoint addresses: the only destinations the UE may reach (16.2.2). */
  readonly enbLwipEndpoints: readonly Uint8Array[];
  /** Uplink: the eNB's GTP tunnel endpoint (its TEID). */
  readonly enbGtp: { readonly address: string; readonly port: number; readonly teid: number };
  /** Downlink: our TEID for this UE. */
  readonly segwTeid: number;
}

/** Why an uplink packet was not forwarded; also the keys of counters.uplinkDrops. */
export const UPLINK_DROPS = [
  "malformed-ip",
  "spoofed-source",
  "forbidden-destination",
  "forbidden-protocol",
  "fragment",
  "bad-lwipep",
  "rate-limited-ue",
  "rate-limited-enb",
] as const;
export type UplinkDrop = (typeof UPLINK_DROPS)[number];

/** Why a downlink GTP-U datagram was not delivered; also the keys of counters.downlinkDrops. */
export const DOWNLINK_DROPS = [
  "malformed-gtpu",
  "unsupported-message",
  "unsupported-extension-header",
  "unknown-teid",
  "wrong-enb",
  "bad-lwipep",
  "no-lwip-endpoint",
  "too-big",
] as const;
export type DownlinkDrop = (typeof DOWNLINK_DROPS)[number];

/** Where to send a G-PDU: the eNB's GTP-U address and UDP port. */
export interface GtpuDestination {
  readonly address: string;
  readonly port: number;
}

/** The G-PDU to send to the UE's eNB, or the drop reason (already counted). */
export type UplinkResult =
  | { readonly ok: true; readonly gtpu: Uint8Array; readonly to: GtpuDestination }
  | { readonly ok: false; readonly drop: UplinkDrop };

/** What to do with a GTP-U datagram from an eNB; drops are already counted. */
export type DownlinkResult =
  /** An inner packet to send through the UE's tunnel. */
  | { readonly ok: true; readonly kind: "deliver"; readonly ue: UeBinding; readonly innerPacket: Uint8Array }
  /** A GTP-U message to send back to the sender (Echo Response). */
  | { readonly ok: true; readonly kind: "reply"; readonly reply: Uint8Array }
  /** Echo Response, Error Indication or End Marker, for the daemon's path and tunnel management. */
  | { readonly ok: true; readonly kind: "signalling"; readonly message: GtpuMessage }
  | { readonly ok: false; readonly drop: DownlinkDrop };

/** Counters read by the metrics exporter. Bytes count LWIPEP octets (G-PDU payloads) forwarded. */
export interface UserPlaneCounters {
  readonly uplinkDrops: Record<UplinkDrop, number>;
  readonly downlinkDrops: Record<DownlinkDrop, number>;
  uplinkPackets: number;
  uplinkBytes: number;
  downlinkPackets: number;
  downlinkBytes: number;
  echoReplies: number;
}

/** Uplink rate limits and the clock they run on. */
export interface UserPlaneOptions {
  /** Uplink limit per UE (key: IDi); octets are counted as G-PDU octets towards the eNB. */
  readonly uplinkPerUe?: RateLimit;
  /** Uplink limit per eNB (key: eNB name), over all its UEs. */
  readonly uplinkPerEnb?: RateLimit;
  /** Bound on the UEs and eNBs the limiters track; default 65536. */
  readonly maxLimiterKeys?: number;
  /** Milliseconds on a monotonic scale (Clock.now); required with a limit. */
  readonly now?: () => number;
}

const DEFAULT_MAX_LIMITER_KEYS = 65536;
const GPDU_HEADER_BYTES = 8;

function zeroCounts<T extends string>(names: readonly T[]): Record<T, number> {
  return Object.fromEntries(names.map((n) => [n, 0])) as Record<T, number>;
}

function dropResults<T extends string>(names: readonly T[]): Readonly<Record<T, { readonly ok: false; readonly drop: T }>> {
  return Object.fromEntries(names.map((drop) => [drop, Object.freeze({ ok: false as const, drop })])) as Record<T, { ok: false; drop: T }>;
}

const UPLINK_DROP_RESULT = dropResults(UPLINK_DROPS);
const DOWNLINK_DROP_RESULT = dropResults(DOWNLINK_DROPS);

/** The first LWIP endpoint of the eNB in the UE's address family: the source of downlink packets. */
function endpointFor(ue: UeBinding): Uint8Array | undefined {
  for (const e of ue.enbLwipEndpoints) if (e.length === ue.virtualIp.length) return e;
  return undefined;
}

/** The SeGW user plane: uplink and downlink forwarding with drop counters and uplink rate limits. */
export class SegwUserPlane {
  readonly counters: UserPlaneCounters = {
    uplinkDrops: zeroCounts(UPLINK_DROPS),
    downlinkDrops: zeroCounts(DOWNLINK_DROPS),
    uplinkPackets: 0,
    uplinkBytes: 0,
    downlinkPackets: 0,
    downlinkBytes: 0,
    echoReplies: 0,
  };
  private readonly gre: GreSpan = { start: 0, end: 0 };
  private readonly scan = newGtpuHeaderScan();
  private readonly perUe: KeyedRateLimiter<string> | undefined;
  private readonly perEnb: KeyedRateLimiter<string> | undefined;
  private readonly now: () => number;

  /** @throws RangeError for an invalid limit, or a limit without `now` (configuration errors). */
  constructor(options: UserPlaneOptions = {}) {
    const maxKeys = options.maxLimiterKeys ?? DEFAULT_MAX_LIMITER_KEYS;
    this.perUe = options.uplinkPerUe && new KeyedRateLimiter<string>(options.uplinkPerUe, maxKeys);
    this.perEnb = options.uplinkPerEnb && new KeyedRateLimiter<string>(options.uplinkPerEnb, maxKeys);
    if ((this.perUe || this.perEnb) && !options.now) throw new RangeError("uplink rate limits need a clock (options.now)");
    this.now = options.now ?? (() => 0);
  }

  private dropUp(drop: UplinkDrop): UplinkResult {
    this.counters.uplinkDrops[drop]++;
    return UPLINK_DROP_RESULT[drop];
  }

  private dropDown(drop: DownlinkDrop): DownlinkResult {
    this.counters.downlinkDrops[drop]++;
    return DOWNLINK_DROP_RESULT[drop];
  }

  /**
   * A decrypted inner packet from `ue`'s tunnel: the G-PDU to send to the eNB, or why not.
   * Never throws.
   */
  uplink(innerPacket: Uint8Array, ue: UeBinding): UplinkResult {
    const gre = this.gre;
    const verdict = checkUplinkInner(innerPacket, ue.virtualIp, ue.enbLwipEndpoints, gre);
    if (verdict !== "ok") return this.dropUp(verdict);
    if (inspectLwipep(innerPacket, gre.start, gre.end) < 0) return this.dropUp("bad-lwipep");
    const lwipepLength = gre.end - gre.start;
    if (this.perUe || this.perEnb) {
      const now = this.now();
      const octets = GPDU_HEADER_BYTES + lwipepLength;
      // Per UE first, so one UE's flood spends its own tokens before its eNB's.
      if (this.perUe && !this.perUe.allow(ue.idi, octets, now)) return this.dropUp("rate-limited-ue");
      if (this.perEnb && !this.perEnb.allow(ue.enbName, octets, now)) return this.dropUp("rate-limited-enb");
    }
    // lwipepLength <= 65535: it is inside an IPv4 Total Length or after an IPv6 fixed header and Payload Length.
    const gtpu = allocPacket(GPDU_HEADER_BYTES + lwipepLength);
    writeGpduHeader(gtpu, ue.enbGtp.teid, lwipepLength);
    gtpu.set(innerPacket.subarray(gre.start, gre.end), GPDU_HEADER_BYTES);
    this.counters.uplinkPackets++;
    this.counters.uplinkBytes += lwipepLength;
    return { ok: true, gtpu, to: ue.enbGtp };
  }

  /**
   * A GTP-U datagram from an eNB. `lookupByTeid` finds the UE whose downlink TEID (segwTeid) it
   * is; with `fromAddress` (the sender's address, as in enbGtp.address) a G-PDU from another
   * eNB than the UE's is dropped. Never throws.
   */
  downlink(gtpuPacket: Uint8Array, lookupByTeid: (teid: number) => UeBinding | undefined, fromAddress?: string): DownlinkResult {
    const scan = this.scan;
    if (scanGtpuHeader(gtpuPacket, scan)) return this.dropDown("malformed-gtpu");
    // TS 29.281 §5.2.1: an endpoint discards a packet with an extension header it must but cannot comprehend.
    if (scan.comprehensionRequired) return this.dropDown("unsupported-extension-header");
    switch (scan.messageType) {
      case GtpuMessageType.G_PDU:
        return this.deliver(gtpuPacket, lookupByTeid, fromAddress);
      case GtpuMessageType.ECHO_REQUEST: {
        // §7.2.2: the response copies the request's sequence number.
        const sequence = scan.flags & GtpuFlag.S ? ((gtpuPacket[8] ?? 0) << 8) | (gtpuPacket[9] ?? 0) : 0;
        this.counters.echoReplies++;
        return { ok: true, kind: "reply", reply: encodeEchoResponse(sequence) };
      }
      case GtpuMessageType.ECHO_RESPONSE:
      case GtpuMessageType.ERROR_INDICATION:
      case GtpuMessageType.END_MARKER: {
        const message = decodeScannedGtpu(gtpuPacket, scan);
        return message.ok ? { ok: true, kind: "signalling", message: message.value } : this.dropDown("malformed-gtpu");
      }
      default:
        return this.dropDown("unsupported-message");
    }
  }

  private deliver(packet: Uint8Array, lookupByTeid: (teid: number) => UeBinding | undefined, fromAddress: string | undefined): DownlinkResult {
    const { teid, bodyOffset, end } = this.scan;
    const ue = lookupByTeid(teid);
    if (!ue) return this.dropDown("unknown-teid");
    if (fromAddress !== undefined && fromAddress !== ue.enbGtp.address) return this.dropDown("wrong-enb");
    if (inspectLwipep(packet, bodyOffset, end) < 0) return this.dropDown("bad-lwipep");
    const src = endpointFor(ue);
    if (!src) return this.dropDown("no-lwip-endpoint");
    const headerLength = innerHeaderLength(src);
    const lwipepLength = end - bodyOffset;
    if (src.length === 4 && headerLength + lwipepLength > 0xffff) return this.dropDown("too-big");
    const innerPacket = allocPacket(headerLength + lwipepLength);
    writeInnerHeader(innerPacket, src, ue.virtualIp, lwipepLength);
    innerPacket.set(packet.subarray(bodyOffset, end), headerLength);
    this.counters.downlinkPackets++;
    this.counters.downlinkBytes += lwipepLength;
    return { ok: true, kind: "deliver", ue, innerPacket };
  }

  /** Forgets the limiter state of a released UE. */
  releaseUe(ue: UeBinding): void {
    this.perUe?.forget(ue.idi);
  }
}

/**
 * The Error Indication to return for a G-PDU dropped as "unknown-teid" (TS 29.281 §7.3.1: a node
 * that has no context for a G-PDU with a TEID other than zero discards it and returns an Error
 * Indication to the originating node), carrying its TEID, our address `localAddress` (where it
 * was sent) and its UDP source port. undefined for anything else.
 */
export function errorIndicationFor(gtpuPacket: Uint8Array, localAddress: Uint8Array, sourcePort: number): Uint8Array | undefined {
  const scan = newGtpuHeaderScan();
  if (scanGtpuHeader(gtpuPacket, scan) || scan.messageType !== GtpuMessageType.G_PDU || scan.teid === 0) return undefined;
  return encodeErrorIndication({ teidDataI: scan.teid, peerAddress: localAddress, udpPort: sourcePort });
}
