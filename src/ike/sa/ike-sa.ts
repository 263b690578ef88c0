/**
 * The IKE SA record (RFC 7296 §2): SPIs, endpoints, negotiated suite, keys, nonces, the CHILD SAs it
 * owns and the state of its two message-ID windows (§2.3: our requests, the peer's requests).
 */
import type { TimerHandle } from "../../io/clock.js";
import type { IkeHeader, Payload } from "../codec/payloads.js";
import type { IkeSaDownReason } from "../events.js";
import type { Prf } from "../crypto/prf.js";
import type { IkeSaKeys } from "../crypto/keymat.js";
import { wipe } from "../crypto/keymat.js";
import type { SkCipher } from "../crypto/sk-cipher.js";
import type { KeyExchange } from "../crypto/dh.js";
import type { NegotiatedSuite, ProposalSpec } from "../proposal.js";
import type { Endpoint } from "../endpoint.js";
import type { TrafficSelector } from "../codec/payloads.js";
import { wipeChildKeys, type ChildSa } from "./child-sa.js";
import type { LocalCredentials } from "../tasks/authentication.js";
import type { Certificate } from "../auth/certificates.js";
import type { Crl } from "../auth/crl.js";
import type { Reassembly } from "../fragment-reassembly.js";
import { concatBytes, fromByteString, hex, toByteString, toHex } from "../../wire/hex.js";

export type IkeRole = "initiator" | "responder";

const NO_TIMERS: ReadonlyMap<string, TimerHandle> = new Map();
export type IkeSaState = "half-open" | "authenticating" | "established" | "deleting" | "dead";

export interface IkeSaCrypto {
  readonly prf: Prf;
  readonly keys: IkeSaKeys;
  /** Seals what we send (SK_e/SK_a of our direction). */
  readonly out: SkCipher;
  /** Opens what the peer sends. */
  readonly in: SkCipher;
}

export interface Identity {
  readonly idType: number;
  readonly data: Uint8Array;
}

/** What the original initiator asked for, kept for IKE_AUTH and later CHILD SAs. */
export interface InitiatorPlan {
  /** How we authenticate (RFC 7296 §2.15): a PSK, or certificates and a signature key. */
  readonly credentials: LocalCredentials;
  /** CAs whose certificates we accept from the responder; without them only a PSK-authenticated responder is accepted. */
  readonly trustAnchors?: readonly Certificate[] | undefined;
  readonly crls?: readonly Crl[] | undefined;
  readonly espProposals: readonly ProposalSpec[];
  readonly tsi: readonly TrafficSelector[];
  readonly tsr: readonly TrafficSelector[];
  readonly requestVirtualIp: boolean;
  /** The NAT-T ports both sides move to after IKE_SA_INIT (RFC 7296 §2.23; 4500 unless configured otherwise). */
  readonly nattPorts: { readonly local: number; readonly remote: number };
  /** N(COOKIE) data to echo in a retried IKE_SA_INIT (RFC 7296 §2.6). */
  cookie?: Uint8Array;
}

/** A response as the exchange that asked for it receives it: decrypted payloads plus the raw bytes. */
export interface ReceivedResponse {
  readonly payloads: readonly Payload[];
  readonly header: IkeHeader;
  readonly raw: Uint8Array;
}

export type ResponseHandler = (r: ReceivedResponse) => void;

export interface OutstandingRequest {
  readonly messageId: number;
  readonly exchangeType: number;
  /** One datagram, or its SKF fragments (RFC 7383), all sent again on each retransmission. */
  readonly datagrams: readonly Uint8Array[];
  tries: number;
  timer?: TimerHandle | undefined;
  readonly onResponse: ResponseHandler;
  /** Why the SA ends if no response ever comes (a liveness check reports dpd-timeout). */
  readonly timeoutReason: IkeSaDownReason;
}

export interface QueuedRequest {
  readonly exchangeType: number;
  readonly build: () => readonly Payload[] | undefined;
  readonly onResponse: ResponseHandler;
  readonly timeoutReason?: IkeSaDownReason;
}

export class IkeSa {
  state: IkeSaState = "half-open";
  /**
   * SPIi | SPIr (8 octets each, RFC 7296 §3.1) as one byte string (toByteString): a SeGW holds an
   * IKE SA per UE, and the string costs 32 octets where a Uint8Array costs over 120. spiI and spiR
   * are copies made when read.
   */
  private spis: string;
  remote: Endpoint;
  local: Endpoint;
  suite?: NegotiatedSuite;
  crypto?: IkeSaCrypto;
  Ni?: Uint8Array | undefined;
  Nr?: Uint8Array | undefined;
  /** RealMessage1 and RealMessage2 of RFC 7296 §2.15, as sent; only until IKE_AUTH is done. */
  initRequest?: Uint8Array | undefined;
  initResponse?: Uint8Array | undefined;
  ke?: KeyExchange | undefined;
  /** The IDi's type and data, in hex (see idi): no Identity object and no Uint8Array of its own per SA. */
  private idiType = 0;
  private idiData: string | undefined;
  plan?: InitiatorPlan;
  virtualIp?: Uint8Array | undefined;
  /** Responder: our side of CHILD SAs for this peer, when its identity narrows the policy's. */
  localTs?: readonly TrafficSelector[] | undefined;
  /** Responder: the peer's side, for a peer without a virtual address (e.g. an NDS/IP gateway). */
  remoteTs?: readonly TrafficSelector[] | undefined;
  natDetected = false;
  /** RFC 7427 hash algorithms the peer announced in IKE_SA_INIT (undefined: none). */
  peerSignatureHashes?: readonly number[] | undefined;
  /** CA key hashes of the peer's CERTREQ payloads (RFC 7296 §3.7). */
  peerCertReq?: readonly Uint8Array[] | undefined;
  /** Set on the old SA once an IKE SA rekey moved everything to its successor (RFC 7296 §2.18). */
  rekeyedTo?: IkeSa;
  /** Who holds the virtual address lease: the first SA of a line of rekeys, so successors keep it. */
  leaseOwner?: string | undefined;
  /** Responder only: where the IKE_SA_INIT request came from, to answer its retransmissions while half-open. */
  initKey?: string | undefined;
  /** Replaced, not pushed to, when a CHILD SA is added (addChild); removal splices it. */
  children: ChildSa[] = [];
  nextOwnRequestId = 0;
  nextPeerRequestId = 0;
  outstanding?: OutstandingRequest | undefined;
  readonly queue: QueuedRequest[] = [];
  /** The response to the peer's last request (see lastResponse): its Message ID, and its datagrams as byte strings. */
  private lastResponseId = 0;
  private lastResponseOctets: string | readonly string[] | undefined;
  /** Both peers sent IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT (RFC 7383 §2.3); a rekeyed SA keeps it. */
  fragmentation = false;
  /** RFC 7383 §2.6: the fragments received so far of the peer's current request, and of its response to ours. */
  requestFragments?: Reassembly | undefined;
  responseFragments?: Reassembly | undefined;
  lastInboundAt: number;
  /** Named timers; no Map at all while there are none (an established quiet SA), about 180 octets each. */
  private timerMap: Map<string, TimerHandle> | undefined;

  /** @throws RangeError if an SPI is not 8 octets (programmer error). */
  constructor(
    readonly role: IkeRole,
    spiI: Uint8Array,
    spiR: Uint8Array,
    local: Endpoint,
    remote: Endpoint,
    readonly createdAt: number,
    /** What we accept for this IKE SA and its CHILD SAs (also when the peer rekeys). */
    readonly ikeProposals: readonly ProposalSpec[],
    readonly espProposals: readonly ProposalSpec[],
  ) {
    if (spiI.length !== 8) throw new RangeError(`SPIi of ${spiI.length} octets`);
    if (spiR.length !== 8) throw new RangeError(`SPIr of ${spiR.length} octets`);
    this.spis = toByteString(concatBytes(spiI, spiR));
    this.local = local;
    this.remote = remote;
    this.lastInboundAt = createdAt;
  }

  get spiI(): Uint8Array {
    return fromByteString(this.spis, 0, 8);
  }

  get spiR(): Uint8Array {
    return fromByteString(this.spis, 8, 16);
  }

  /** The initiator learns SPIr from the IKE_SA_INIT response. @throws RangeError if not 8 octets. */
  set spiR(spi: Uint8Array) {
    if (spi.length !== 8) throw new RangeError(`SPIr of ${spi.length} octets`);
    this.spis = toByteString(concatBytes(this.spiI, spi));
  }

  /** SPIi | SPIr as the byte string the SA keeps (toByteString), to share rather than copy. */
  get spiPair(): string {
    return this.spis;
  }

  /** The SPI we chose, under which the peer's messages find this SA. */
  get localSpi(): Uint8Array {
    return this.role === "initiator" ? this.spiI : this.spiR;
  }

  get name(): string {
    return `${toHex(this.spiI)}_i ${toHex(this.spiR)}_r`;
  }

  /** IDi of this IKE SA: ours when we initiated it, the peer's when we respond (TS 33.401 16.2.2: the SeGW keys everything on it). A copy. */
  get idi(): Identity | undefined {
    return this.idiData === undefined ? undefined : { idType: this.idiType, data: hex(this.idiData) };
  }

  set idi(id: Identity | undefined) {
    this.idiType = id?.idType ?? 0;
    this.idiData = id ? toHex(id.data) : undefined;
  }

  /** The IDi data in hex: one string kept by the SA, so the same for every caller (e.g. a map key). */
  get idiHex(): string | null {
    return this.idiData ?? null;
  }

  /**
   * Keeps `idiHex` (e.g. the provisioning store's key for the UE) as the SA's own hex of its IDi,
   * if equal to it: one string per UE rather than two equal ones.
   */
  shareIdiHex(idiHex: string): void {
    if (idiHex === this.idiData) this.idiData = idiHex;
  }

  /**
   * Our response to the peer's last request, answered again when that request is retransmitted
   * (RFC 7296 §2.1: MUST): one datagram, or its SKF fragments (RFC 7383). Kept as byte strings,
   * about 170 octets less per SA than a Uint8Array with its own ArrayBuffer; the datagrams read are copies.
   */
  get lastResponse(): { readonly messageId: number; readonly datagrams: Uint8Array[] } | undefined {
    const octets = this.lastResponseOctets;
    if (octets === undefined) return undefined;
    const datagrams = typeof octets === "string" ? [fromByteString(octets)] : octets.map((o) => fromByteString(o));
    return { messageId: this.lastResponseId, datagrams };
  }

  set lastResponse(r: { readonly messageId: number; readonly datagrams: readonly Uint8Array[] } | undefined) {
    this.lastResponseId = r?.messageId ?? 0;
    const strings = r?.datagrams.map((d) => toByteString(d));
    this.lastResponseOctets = strings?.length === 1 ? strings[0] : strings;
  }

  /** The running timers by name. */
  get timers(): ReadonlyMap<string, TimerHandle> {
    return this.timerMap ?? NO_TIMERS;
  }

  /** Replaces a named timer, cancelling the one it replaces. */
  setTimer(name: string, handle: TimerHandle | undefined): void {
    this.takeTimer(name)?.cancel();
    if (handle) (this.timerMap ??= new Map()).set(name, handle);
  }

  /** Removes a named timer without cancelling it (to hand it to another SA), and returns it. */
  takeTimer(name: string): TimerHandle | undefined {
    const timer = this.timerMap?.get(name);
    this.timerMap?.delete(name);
    if (this.timerMap?.size === 0) this.timerMap = undefined;
    return timer;
  }

  /**
   * Adds a CHILD SA. The list is replaced by an exact-length copy: an array pushed to keeps room
   * for 16 more elements, about 130 octets that an SA would hold for its whole life.
   */
  addChild(child: ChildSa): void {
    // concat allocates exactly; a spread, like push, leaves spare room.
    this.children = this.children.concat([child]);
  }

  /**
   * IKE_AUTH is done: what only it needed goes (RFC 7296 §2.15 signs RealMessage1/2 and the nonces
   * once; later exchanges bring their own nonces and KE, §2.17, §2.18). About 1 KiB per SA with
   * MODP-2048, which a SeGW holding 100k UEs would otherwise keep for nothing.
   */
  forgetHandshake(): void {
    this.initRequest = undefined;
    this.initResponse = undefined;
    this.Ni = undefined;
    this.Nr = undefined;
    this.ke?.wipe();
    this.ke = undefined;
  }

  /** Cancels every timer and zeroizes all key material this SA still holds (IKE and CHILD). */
  destroy(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timerMap = undefined;
    this.outstanding?.timer?.cancel();
    this.outstanding = undefined;
    this.queue.length = 0;
    this.requestFragments = undefined;
    this.responseFragments = undefined;
    this.ke?.wipe();
    this.ke = undefined;
    if (this.crypto) {
      const k = this.crypto.keys;
      wipe(k.SK_d, k.SK_ai, k.SK_ar, k.SK_ei, k.SK_er, k.SK_pi, k.SK_pr);
      this.crypto.in.wipe();
      this.crypto.out.wipe();
    }
    if (this.plan?.credentials.kind === "psk") wipe(this.plan.credentials.psk);
    for (const c of this.children) wipeChildKeys(c);
    this.state = "dead";
  }
}
