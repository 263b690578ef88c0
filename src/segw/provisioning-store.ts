/**
 * The SeGW's provisioning store (TS 33.401 16.2.2, 16.2.3): per IKE Initiator Identity (IDi) the
 * LWIP-PSK that the provisioning eNB sent in LWIP ADDITION REQUEST, the tunnel identifiers, and
 * the end of the window in which the UE must authenticate.
 *
 * Rules kept here:
 * - 16.2.2 note: the handshake is accepted only within a configured window; when it ends the PSK
 *   is zeroized and the IDi deleted (a timer per entry, on the injected Clock).
 * - 16.2.2: after IKE_AUTH succeeds the PSK is deleted, so a second handshake with it fails.
 * - An eNB sees and acts only on its own entries; re-provisioning an IDi (or the same eNB UE
 *   XwAP ID) replaces the old entry, whose tunnel the daemon tears down from onRelease.
 * - An entry waiting for the eNB's LWIP RELEASE CONFIRM (WT Initiated LWIP Release, TS 36.463) is
 *   kept at most releaseRequiredSeconds: an eNB that never comes back must not hold it for good.
 *   Past that deadline it is dropped, logged and counted (provisioning_release_required_expired).
 * Every key buffer is zeroized when it is no longer needed. No I/O: time comes from the Clock, and
 * logs and counters go to the injected Logger and Counters.
 */
import type { Clock, TimerHandle } from "../io/clock.js";
import type { Counters } from "../io/counters.js";
import type { Logger } from "../io/log.js";
import { parseIp } from "../ike/traffic-selector.js";
import { concatBytes, fromByteString, hex, toByteString, toHex } from "../wire/hex.js";
import {
  Causes,
  GTP_TEID_LENGTH,
  IKE_INITIATOR_IDENTITY_MAX_LENGTH,
  LWIP_PSK_LENGTH,
  UE_IDENTITY_LENGTH,
  UE_XWAP_ID_LENGTH,
  type GtpTunnelEndpoint,
  type LwipAdditionRequest,
  type XwapCause,
} from "./control-api/xwap.js";

/** provisioned: waiting for IKE_AUTH (PSK held); connected: tunnel up (PSK gone); release-required: SeGW asked the eNB to release. */
export type EntryState = "provisioned" | "connected" | "release-required";

/** Why an entry went away, as onRelease reports it. */
export type ReleaseReason = "replaced" | "enb-release" | "release-confirmed" | "window-expired" | "release-required-expired" | "shutdown";

/** What the daemon knows of a UE's tunnel once IKE_AUTH succeeded (identifiers only). */
export interface TunnelInfo {
  /** The inner address given by the configuration payload. */
  readonly innerAddress?: string | undefined;
  /** The UE's outer address and port as seen by the SeGW. */
  readonly ueEndpoint?: string | undefined;
  readonly ikeSpiI?: string | undefined;
  readonly ikeSpiR?: string | undefined;
}

/** One provisioned UE. Holds no key material: the PSK lives only inside the store. */
export interface ProvisioningEntry {
  readonly enbName: string;
  readonly enbUeXwapId: Uint8Array;
  readonly wtUeXwapId: Uint8Array;
  readonly ueIdentity: Uint8Array;
  /** IKE Initiator Identity (the ID_KEY_ID data of the UE's IDi). */
  readonly idi: Uint8Array;
  /** The same in hex (as IkeSa.idiHex and the events have it). */
  readonly idiHex: string;
  readonly enbGtpTunnelEndpoint: GtpTunnelEndpoint | undefined;
  /** The SeGW's TEID of the UE's downlink GTP tunnel (non-zero, unique). */
  readonly segwGtpTeid: Uint8Array;
  readonly provisionedAt: number;
  /** Clock time after which an unused PSK is refused and deleted. */
  readonly windowEndsAt: number;
  readonly state: EntryState;
  readonly tunnel: TunnelInfo | undefined;
  /** Set in state release-required. */
  readonly releaseCause: XwapCause | undefined;
}

export type ProvisionResult = { readonly ok: true; readonly entry: ProvisioningEntry } | { readonly ok: false; readonly cause: XwapCause; readonly reason: string };

export type PskLookupFailure = "unknown-identity" | "expired-window" | "psk-used";

export type StorePskLookup =
  | { readonly ok: true; readonly psk: Uint8Array; readonly entry: ProvisioningEntry }
  | { readonly ok: false; readonly reason: PskLookupFailure };

/** Which entry a release names: the WT UE XwAP ID we allocated, or the IDi. */
export type EntryKey = { readonly wtUeXwapId: Uint8Array } | { readonly idi: Uint8Array };

export interface ProvisioningStoreOptions {
  readonly clock: Clock;
  /** Window when the request names none (TS 33.401 16.2.2 note). */
  readonly defaultWindowSeconds: number;
  readonly maxWindowSeconds: number;
  /** All entries, and per eNB (LWIP ADDITION REQUEST REJECT above these). */
  readonly maxEntries: number;
  readonly maxEntriesPerEnb?: ReadonlyMap<string, number>;
  /** Called after an entry went away (its PSK already zeroized): the daemon deletes the UE's SAs. */
  readonly onRelease?: (entry: ProvisioningEntry, reason: ReleaseReason) => void;
  /** How long an entry waits in release-required for LWIP RELEASE CONFIRM before it is dropped; 600 s by default. */
  readonly releaseRequiredSeconds?: number;
  /** Where a dropped release-required entry is logged and counted. */
  readonly log?: Logger;
  readonly counters?: Counters;
  /** How many used/expired IDis to remember, and for how long, to tell those refusals apart in logs. */
  readonly tombstoneLimit?: number;
  readonly tombstoneMs?: number;
  readonly random?: (n: number) => Uint8Array;
  /**
   * Worker `index` of `count` (multi-worker SeGW): allocate only the WT UE XwAP IDs with
   * (id - 1) mod count = index, so that an ID names one UE across all workers.
   */
  readonly wtUeXwapIdShare?: { readonly index: number; readonly count: number };
}

const WT_UE_XWAP_ID_SPACE = 1 << 24;
const DEFAULT_TOMBSTONE_LIMIT = 4096;
const DEFAULT_TOMBSTONE_MS = 10 * 60_000;
/** An eNB that has not confirmed LWIP RELEASE REQUIRED in 10 minutes is not coming back for it. */
export const DEFAULT_RELEASE_REQUIRED_SECONDS = 600;

function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

function uint(bytes: Uint8Array): number {
  let v = 0;
  for (const b of bytes) v = v * 256 + b;
  return v;
}

function octets(value: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

/** Where each identifier sits in Entry's byte string: eNB UE XwAP ID, WT UE XwAP ID, UE Identity, our TEID, then the eNB's TEID if any. */
const AT = { enbUe: 0, wtUe: 3, ue: 6, segwTeid: 12, enbTeid: 16 } as const;

/** The unsigned integer of `length` characters of a byte string from `at`. */
function uintAt(s: string, at: number, length: number): number {
  let v = 0;
  for (let i = at; i < at + length; i++) v = v * 256 + s.charCodeAt(i);
  return v;
}

/**
 * A stored entry. A SeGW keeps one per UE, so it is a single object: the identifiers are one byte
 * string (toByteString) read as new Uint8Arrays, the IDi is its hex (the same string as its key in
 * the store), and the PSK and timer are # fields, which no spread, log or JSON of an entry reaches.
 * About 700 octets less per UE than an object holding six Uint8Arrays, a GTP endpoint and a slot.
 */
class Entry implements ProvisioningEntry {
  state: EntryState = "provisioned";
  tunnel: TunnelInfo | undefined = undefined;
  releaseCause: XwapCause | undefined = undefined;
  /** The LWIP-PSK while unused; undefined once consumed or deleted. */
  #psk: Uint8Array | undefined;
  #timer: TimerHandle | undefined = undefined;

  constructor(
    readonly enbName: string,
    /** The key of byIdi and of the tombstones, the same string. */
    readonly idiHex: string,
    private readonly ids: string,
    private readonly gtpAddress: string | undefined,
    readonly provisionedAt: number,
    private readonly windowMs: number,
    psk: Uint8Array,
  ) {
    this.#psk = psk;
  }

  get enbUeXwapId(): Uint8Array {
    return fromByteString(this.ids, AT.enbUe, AT.wtUe);
  }

  get wtUeXwapId(): Uint8Array {
    return fromByteString(this.ids, AT.wtUe, AT.ue);
  }

  get ueIdentity(): Uint8Array {
    return fromByteString(this.ids, AT.ue, AT.segwTeid);
  }

  get idi(): Uint8Array {
    return hex(this.idiHex);
  }

  get segwGtpTeid(): Uint8Array {
    return fromByteString(this.ids, AT.segwTeid, AT.enbTeid);
  }

  get enbGtpTunnelEndpoint(): GtpTunnelEndpoint | undefined {
    const address = this.gtpAddress;
    return address === undefined ? undefined : { transportLayerAddress: address, gtpTeid: fromByteString(this.ids, AT.enbTeid) };
  }

  get windowEndsAt(): number {
    return this.provisionedAt + this.windowMs;
  }

  /** The keys of byWtId, byTeid and the per-eNB map: the identifiers as numbers. */
  get wtId(): number {
    return uintAt(this.ids, AT.wtUe, UE_XWAP_ID_LENGTH);
  }

  get segwTeid(): number {
    return uintAt(this.ids, AT.segwTeid, GTP_TEID_LENGTH);
  }

  get enbUeId(): number {
    return uintAt(this.ids, AT.enbUe, UE_XWAP_ID_LENGTH);
  }

  get pskUnused(): boolean {
    return this.#psk !== undefined;
  }

  /** A copy of the unused PSK (the caller zeroizes it). */
  pskCopy(): Uint8Array | undefined {
    return this.#psk?.slice();
  }

  /** Zeroizes and forgets the PSK, and stops the entry's timer. */
  consumePsk(): void {
    this.#psk?.fill(0);
    this.#psk = undefined;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Sets the entry's one timer (window or release deadline); the previous one must be done. */
  setTimer(timer: TimerHandle | undefined): void {
    this.#timer = timer;
  }
}

/** Why a request's IEs are malformed, or undefined if they are well formed. */
function checkRequest(req: LwipAdditionRequest): string | undefined {
  if (req.enbUeXwapId.length !== UE_XWAP_ID_LENGTH) return "eNB UE XwAP ID must be 3 octets";
  if (req.ueIdentity.length !== UE_IDENTITY_LENGTH) return "UE Identity must be 6 octets";
  if (req.lwipPsk.length !== LWIP_PSK_LENGTH) return "LWIP-PSK must be 32 octets";
  const n = req.ikeInitiatorIdentity.length;
  if (n < 1 || n > IKE_INITIATOR_IDENTITY_MAX_LENGTH) return `IKE Initiator Identity must be 1-${IKE_INITIATOR_IDENTITY_MAX_LENGTH} octets`;
  const tep = req.enbGtpTunnelEndpoint;
  if (tep && tep.gtpTeid.length !== GTP_TEID_LENGTH) return "GTP TEID must be 4 octets";
  if (tep && parseIp(tep.transportLayerAddress) === undefined) return "transport layer address must be an IP address";
  return undefined;
}

type TombstoneReason = Exclude<PskLookupFailure, "unknown-identity">;

/**
 * What is left of a deleted entry: its IDi (no key) and why it went, so a late handshake is
 * logged as "psk-used" or "expired-window" rather than "unknown-identity". Bounded in count
 * (oldest dropped first) and in age.
 */
class Tombstones {
  /**
   * One number per IDi, no object: when it went (clock ms), negated minus one for
   * "expired-window" (so 0 stays "psk-used" at time 0).
   */
  private readonly items = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    private readonly maxAgeMs: number,
  ) {}

  set(idiHex: string, reason: TombstoneReason): void {
    this.items.delete(idiHex);
    const at = this.clock.now();
    this.items.set(idiHex, reason === "psk-used" ? at : -at - 1);
    for (const oldest of this.items.keys()) {
      if (this.items.size <= this.limit) break;
      this.items.delete(oldest);
    }
  }

  get(idiHex: string): TombstoneReason | undefined {
    const t = this.items.get(idiHex);
    if (t === undefined) return undefined;
    const at = t >= 0 ? t : -t - 1;
    if (this.clock.now() - at > this.maxAgeMs) {
      this.items.delete(idiHex);
      return undefined;
    }
    return t >= 0 ? "psk-used" : "expired-window";
  }

  delete(idiHex: string): void {
    this.items.delete(idiHex);
  }
}

/** The provisioning store; see the module comment. One instance per SeGW. */
export class ProvisioningStore {
  private readonly byIdi = new Map<string, Entry>();
  private readonly byWtId = new Map<number, Entry>();
  private readonly byTeid = new Map<number, Entry>();
  /** Per eNB, its entries by eNB UE XwAP ID (a 24-bit number: no key string per UE). */
  private readonly byEnb = new Map<string, Map<number, Entry>>();
  private readonly tombstones: Tombstones;
  private readonly random: (n: number) => Uint8Array;
  private readonly releaseRequiredMs: number;
  private nextWtId: number;
  private readonly wtIdFirst: number;
  private readonly wtIdStep: number;

  constructor(private readonly opts: ProvisioningStoreOptions) {
    this.tombstones = new Tombstones(opts.clock, opts.tombstoneLimit ?? DEFAULT_TOMBSTONE_LIMIT, opts.tombstoneMs ?? DEFAULT_TOMBSTONE_MS);
    this.random = opts.random ?? randomBytes;
    const share = opts.wtUeXwapIdShare ?? { index: 0, count: 1 };
    this.wtIdFirst = share.index + 1;
    this.wtIdStep = share.count;
    this.nextWtId = this.wtIdFirst;
    if (!(opts.maxEntries > 0 && opts.maxEntries < (WT_UE_XWAP_ID_SPACE - 1) / share.count)) throw new RangeError("maxEntries must be in 1..(2^24-1)/workers (the WT UE XwAP ID space)");
    this.releaseRequiredMs = (opts.releaseRequiredSeconds ?? DEFAULT_RELEASE_REQUIRED_SECONDS) * 1000;
    if (!(this.releaseRequiredMs >= 1000)) throw new RangeError("releaseRequiredSeconds must be at least 1");
  }

  get size(): number {
    return this.byIdi.size;
  }

  /** The clock of windowEndsAt and provisionedAt. */
  get clock(): Clock {
    return this.opts.clock;
  }

  /**
   * LWIP Addition Preparation (TS 36.463; TS 33.401 16.2.3). The store owns `req.lwipPsk` from
   * this call on (it is zeroized when no longer needed, also on reject); the other IEs are copied.
   */
  provision(enbName: string, req: LwipAdditionRequest): ProvisionResult {
    const refuse = (cause: XwapCause, reason: string): ProvisionResult => {
      req.lwipPsk.fill(0);
      return { ok: false, cause, reason };
    };
    const malformed = checkRequest(req);
    if (malformed) return refuse(Causes.falselyConstructed, malformed);
    const windowSeconds = req.windowSeconds ?? this.opts.defaultWindowSeconds;
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > this.opts.maxWindowSeconds) {
      return refuse(Causes.semanticError, `window must be 1-${this.opts.maxWindowSeconds} s`);
    }
    const sameIdi = this.byIdi.get(toHex(req.ikeInitiatorIdentity));
    // An IDi belongs to the eNB that provisioned it: another eNB may not replace (and so release) it.
    if (sameIdi && sameIdi.enbName !== enbName) return refuse(Causes.radioUnspecified, "IDi provisioned by another eNB");
    const sameUe = this.byEnb.get(enbName)?.get(uint(req.enbUeXwapId));
    const victims = new Set([sameIdi, sameUe].filter((e): e is Entry => e !== undefined));
    const enbCount = this.byEnb.get(enbName)?.size ?? 0;
    const enbMax = this.opts.maxEntriesPerEnb?.get(enbName) ?? Infinity;
    if (this.size - victims.size >= this.opts.maxEntries || enbCount - victims.size >= enbMax) {
      return refuse(Causes.noResources, "provisioning store full");
    }
    for (const v of victims) this.remove(v, "replaced");
    return { ok: true, entry: this.insert(enbName, req, windowSeconds) };
  }

  /**
   * The IKEv2 responder's PSK lookup by IDi (TS 33.401 16.2.2). Returns a copy of the PSK, which
   * the caller zeroizes after use. The failure reasons are for logs and metrics only: the UE sees
   * AUTHENTICATION_FAILED for all of them.
   */
  lookupPsk(idi: Uint8Array): StorePskLookup {
    const key = toHex(idi);
    const entry = this.byIdi.get(key);
    if (!entry) return { ok: false, reason: this.tombstones.get(key) ?? "unknown-identity" };
    const psk = entry.pskCopy();
    if (!psk) return { ok: false, reason: "psk-used" };
    // The window timer may not have run yet at the exact end: the clock decides.
    if (this.opts.clock.now() >= entry.windowEndsAt) {
      psk.fill(0);
      this.expire(entry);
      return { ok: false, reason: "expired-window" };
    }
    return { ok: true, psk, entry };
  }

  /**
   * IKE_AUTH succeeded for `idi`: delete the PSK (TS 33.401 16.2.2), stop the window, state
   * connected. Returns undefined if the PSK was already consumed (a second handshake that raced
   * the first: the daemon must refuse it) or the entry is gone.
   */
  markAuthenticated(idi: Uint8Array, tunnel: TunnelInfo): ProvisioningEntry | undefined {
    const entry = this.byIdi.get(toHex(idi));
    if (!entry?.pskUnused) return undefined;
    entry.consumePsk();
    entry.state = "connected";
    entry.tunnel = tunnel;
    return entry;
  }

  /**
   * The tunnel went down on the SeGW side (liveness failure, UE-side delete): the entry waits for
   * the eNB's LWIP RELEASE CONFIRM (WT Initiated LWIP Release, TS 36.463), at most
   * releaseRequiredSeconds from the first time it was marked.
   */
  markReleaseRequired(idi: Uint8Array, cause: XwapCause): ProvisioningEntry | undefined {
    const entry = this.byIdi.get(toHex(idi));
    if (!entry) return undefined;
    if (entry.state === "release-required") return entry;
    entry.consumePsk();
    entry.state = "release-required";
    entry.tunnel = undefined;
    entry.releaseCause = cause;
    entry.setTimer(this.opts.clock.schedule(this.releaseRequiredMs, () => this.dropUnconfirmed(entry)));
    return entry;
  }

  /** Removes one of `enbName`'s entries (zeroizing its PSK) and calls onRelease. Another eNB's entry is "not found". */
  release(enbName: string, key: EntryKey, reason: ReleaseReason): ProvisioningEntry | undefined {
    const entry = this.find(key);
    if (!entry || entry.enbName !== enbName) return undefined;
    this.remove(entry, reason);
    return entry;
  }

  /** Removes `enbName`'s entries for this eNB UE XwAP ID or IDi: the eNB provisioned the UE anew in another worker. */
  replaceEnbUe(enbName: string, enbUeXwapId: Uint8Array, idi: Uint8Array): void {
    const sameIdi = this.byIdi.get(toHex(idi));
    const victims = new Set([this.byEnb.get(enbName)?.get(uint(enbUeXwapId)), sameIdi?.enbName === enbName ? sameIdi : undefined]);
    for (const v of victims) if (v) this.remove(v, "replaced");
  }

  /** Removes every entry (graceful shutdown), calling onRelease for each. */
  releaseAll(reason: ReleaseReason): void {
    for (const entry of [...this.byIdi.values()]) this.remove(entry, reason);
  }

  /** `enbName`'s entries, in provisioning order. */
  list(enbName: string): ProvisioningEntry[] {
    return [...(this.byEnb.get(enbName)?.values() ?? [])];
  }

  get(idi: Uint8Array): ProvisioningEntry | undefined {
    return this.byIdi.get(toHex(idi));
  }

  /** The entry of an IDi given in hex (as IkeSa.idiHex has it), without decoding it. */
  getByIdiHex(idiHex: string): ProvisioningEntry | undefined {
    return this.byIdi.get(idiHex);
  }

  /** `enbName`'s entry with this WT UE XwAP ID. */
  getByWtUeXwapId(enbName: string, wtUeXwapId: Uint8Array): ProvisioningEntry | undefined {
    const entry = this.find({ wtUeXwapId });
    return entry?.enbName === enbName ? entry : undefined;
  }

  /** The entry whose downlink tunnel has this SeGW TEID (a uint32, or its 4 octets). */
  byGtpTeid(teid: number | Uint8Array): ProvisioningEntry | undefined {
    return this.byTeid.get(typeof teid === "number" ? teid : uint(teid));
  }

  private find(key: EntryKey): Entry | undefined {
    if ("idi" in key) return this.byIdi.get(toHex(key.idi));
    return key.wtUeXwapId.length === UE_XWAP_ID_LENGTH ? this.byWtId.get(uint(key.wtUeXwapId)) : undefined;
  }

  private insert(enbName: string, req: LwipAdditionRequest, windowSeconds: number): Entry {
    const now = this.opts.clock.now();
    const wtId = this.allocateWtId();
    const teid = this.allocateTeid();
    const tep = req.enbGtpTunnelEndpoint;
    const ids = toByteString(concatBytes(req.enbUeXwapId, octets(wtId, UE_XWAP_ID_LENGTH), req.ueIdentity, octets(teid, GTP_TEID_LENGTH), tep?.gtpTeid ?? new Uint8Array(0)));
    const idiHex = toHex(req.ikeInitiatorIdentity);
    const entry = new Entry(enbName, idiHex, ids, tep?.transportLayerAddress, now, windowSeconds * 1000, req.lwipPsk);
    entry.setTimer(this.opts.clock.schedule(windowSeconds * 1000, () => this.expire(entry)));
    this.tombstones.delete(idiHex);
    this.byIdi.set(idiHex, entry);
    this.byWtId.set(wtId, entry);
    this.byTeid.set(teid, entry);
    let perEnb = this.byEnb.get(enbName);
    if (!perEnb) this.byEnb.set(enbName, (perEnb = new Map()));
    perEnb.set(entry.enbUeId, entry);
    return entry;
  }

  /** The next free 24-bit WT UE XwAP ID; the constructor bounds maxEntries below the space, so one exists. */
  private allocateWtId(): number {
    while (this.byWtId.has(this.nextWtId)) this.nextWtId = this.wtIdAfter(this.nextWtId);
    const id = this.nextWtId;
    this.nextWtId = this.wtIdAfter(id);
    return id;
  }

  private wtIdAfter(id: number): number {
    const next = id + this.wtIdStep;
    return next < WT_UE_XWAP_ID_SPACE ? next : this.wtIdFirst;
  }

  /** A random non-zero TEID not in use (TS 29.281: TEID 0 is reserved for signalling). */
  private allocateTeid(): number {
    for (;;) {
      const teid = uint(this.random(GTP_TEID_LENGTH));
      if (teid !== 0 && !this.byTeid.has(teid)) return teid;
    }
  }

  /** The window ended with the PSK unused: zeroize it and delete the IDi (TS 33.401 16.2.2 note). */
  private expire(entry: Entry): void {
    if (this.byIdi.get(entry.idiHex) !== entry || !entry.pskUnused) return;
    this.remove(entry, "window-expired");
  }

  /** No LWIP RELEASE CONFIRM came in time (the eNB is gone, or lost the request): drop the entry anyway. */
  private dropUnconfirmed(entry: Entry): void {
    entry.setTimer(undefined);
    if (this.byIdi.get(entry.idiHex) !== entry || entry.state !== "release-required") return;
    this.opts.counters?.add("provisioning_release_required_expired");
    this.opts.log?.warn("segw", "LWIP RELEASE REQUIRED not confirmed in time: entry dropped", {
      enb: entry.enbName,
      idi: entry.idiHex,
      wtUeXwapId: toHex(entry.wtUeXwapId),
      waitedSeconds: this.releaseRequiredMs / 1000,
    });
    this.remove(entry, "release-required-expired");
  }

  private remove(entry: Entry, reason: ReleaseReason): void {
    const used = !entry.pskUnused;
    entry.consumePsk();
    this.byIdi.delete(entry.idiHex);
    this.byWtId.delete(entry.wtId);
    this.byTeid.delete(entry.segwTeid);
    const perEnb = this.byEnb.get(entry.enbName);
    perEnb?.delete(entry.enbUeId);
    if (perEnb?.size === 0) this.byEnb.delete(entry.enbName);
    const tombstone: TombstoneReason | undefined = reason === "window-expired" ? "expired-window" : used ? "psk-used" : undefined;
    if (tombstone) this.tombstones.set(entry.idiHex, tombstone);
    this.opts.onRelease?.(entry, reason);
  }
}
