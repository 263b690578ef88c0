/**
 * An IKEv2 endpoint: the table of IKE SAs by our SPI, the dispatch of every received message to its
 * SA and exchange (RFC 7296 §2.1-§2.3), and the operations an application starts (initiate, rekey,
 * delete). It owns no socket and no timer source: datagrams and time come in through IkeContext.
 */
import { decodeIkeHeader } from "./codec/header.js";
import { decodeMessage } from "./codec/message.js";
import type { IkeHeader, Payload } from "./codec/payloads.js";
import type { ChildSaSink, DatagramSender, IkeContext, IkeTiming, KeyExport, ResponderPolicy } from "./context.js";
import { DEFAULT_TIMING } from "./context.js";
import { CookieJar } from "./cookie.js";
import type { Endpoint } from "./endpoint.js";
import { formatEndpoint, NATT_PORT, sameEndpoint } from "./endpoint.js";
import type { IkeEvent, IkeSaDownReason } from "./events.js";
import { acceptResponse, classifyRequest, DEFAULT_FRAGMENT_SIZE, refuseUnexpectedResponse } from "./exchange.js";
import { fragmentNumber, isFragment, openProtected } from "./fragment-reassembly.js";
import type { ProposalSpec } from "./proposal.js";
import { HeaderFlag } from "./registry.js";
import { IkeSa, type Identity } from "./sa/ike-sa.js";
import type { ChildSa } from "./sa/child-sa.js";
import type { TrafficSelector } from "./codec/payloads.js";
import { dispatchRequest } from "./request-dispatch.js";
import type { LocalCredentials } from "./tasks/authentication.js";
import type { Certificate } from "./auth/certificates.js";
import type { Crl } from "./auth/crl.js";
import type { OwnCredential } from "./auth/certreq.js";
import { handleIkeSaInitRequest, refuseUnsupportedCriticalPayload } from "./init-responder.js";
import { sendIkeSaInit } from "./tasks/ike-sa-init.js";
import { sendIkeAuth } from "./tasks/ike-auth-initiator.js";
import { checkLiveness, deleteChildSa, deleteIkeSa } from "./tasks/informational.js";
import { refuseUnsupportedCriticalPayloadInSa } from "./tasks/refusal.js";
import { rekeyChildSa } from "./tasks/rekey-child.js";
import { rekeyIkeSa } from "./tasks/rekey-ike.js";
import { announceChildDown } from "./tasks/announce.js";
import { wipeChildKeys } from "./sa/child-sa.js";
import { FixedDelayTimers, type Clock } from "../io/clock.js";
import type { Logger } from "../io/log.js";
import { Counters } from "../io/counters.js";
import { RateLimitedLog } from "../io/rate-limited-log.js";
import { toHex } from "../wire/hex.js";

export interface IkeNodeOptions {
  readonly clock: Clock;
  readonly random: (n: number) => Uint8Array;
  readonly sender: DatagramSender;
  readonly sink: ChildSaSink;
  readonly log: Logger;
  readonly onEvent: (e: IkeEvent) => void;
  readonly timing?: IkeTiming;
  /** RFC 7383 fragment size (IkeContext.fragmentSize); DEFAULT_FRAGMENT_SIZE when absent, 0 for none. */
  readonly fragmentSize?: number;
  /** Present when this node answers IKE_SA_INIT requests. */
  readonly policy?: ResponderPolicy;
  readonly counters?: Counters;
  /** Wall-clock time for certificate validity; Date.now by default. */
  readonly wallClock?: () => number;
  /** Debugging only: receives every IKE and ESP key as it is made (see KeyExport). */
  readonly exportKeys?: (k: KeyExport) => void;
}

export interface InitiateOptions {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly idi: Identity;
  /** PSK authentication (LWIP, TS 33.401 16.2.2), or else `certificates`. */
  readonly psk?: Uint8Array;
  readonly certificates?: { readonly credentials: readonly OwnCredential[]; readonly trustAnchors: readonly Certificate[]; readonly crls?: readonly Crl[] };
  readonly ikeProposals: readonly ProposalSpec[];
  readonly espProposals: readonly ProposalSpec[];
  readonly tsi: readonly TrafficSelector[];
  readonly tsr: readonly TrafficSelector[];
  readonly requestVirtualIp: boolean;
  /** NAT-T ports (ours, the peer's) to float to after IKE_SA_INIT; default 4500 both. */
  readonly nattPorts?: { readonly local: number; readonly remote: number };
}

export class IkeNode {
  readonly counters: Counters;
  private readonly bySpi = new Map<string, IkeSa>();
  /** Half-open responder SAs by initiator SPI and address, to answer retransmitted IKE_SA_INIT requests. */
  private readonly halfOpen = new Map<string, IkeSa>();
  /** The liveness ticks of every established SA (watchLiveness), made with the first. */
  private liveness: FixedDelayTimers<IkeSa> | undefined;
  readonly ctx: IkeContext;
  readonly cookies: CookieJar;

  constructor(private readonly opts: IkeNodeOptions) {
    this.counters = opts.counters ?? new Counters();
    this.cookies = new CookieJar(opts.clock, opts.random);
    this.ctx = {
      clock: opts.clock,
      wallClock: opts.wallClock ?? Date.now,
      random: opts.random,
      sender: opts.sender,
      sink: this.withLifetimes(opts.sink),
      emit: opts.onEvent,
      log: opts.log,
      rejections: new RateLimitedLog({ clock: opts.clock, log: opts.log, subsys: "ike" }),
      counters: this.counters,
      timing: opts.timing ?? DEFAULT_TIMING,
      fragmentSize: opts.fragmentSize ?? DEFAULT_FRAGMENT_SIZE,
      ...(opts.policy ? { policy: opts.policy } : {}),
      ...(opts.exportKeys ? { exportKeys: opts.exportKeys } : {}),
      register: (sa) => this.register(sa),
      unregister: (sa) => this.unregister(sa),
      terminate: (sa, reason) => this.terminate(sa, reason),
    };
  }

  /** All live IKE SAs. */
  get sas(): IkeSa[] {
    return [...new Set(this.bySpi.values())];
  }

  get halfOpenCount(): number {
    return this.halfOpen.size;
  }

  private register(sa: IkeSa): void {
    this.bySpi.set(toHex(sa.localSpi), sa);
  }

  private unregister(sa: IkeSa): void {
    if (this.bySpi.get(toHex(sa.localSpi)) === sa) this.bySpi.delete(toHex(sa.localSpi));
    if (sa.initKey) this.halfOpen.delete(sa.initKey);
  }

  /** Ends an SA: CHILD SAs leave the data plane, keys are zeroized, the application hears why. */
  private terminate(sa: IkeSa, reason: IkeSaDownReason): void {
    if (sa.state === "dead") return;
    const wasUp = sa.state === "established" || sa.state === "deleting";
    for (const child of sa.children.splice(0)) {
      this.opts.sink.remove(sa, child);
      announceChildDown(this.ctx, sa, child, reason);
      wipeChildKeys(child);
    }
    // After an IKE SA rekey the successor still uses the virtual address (RFC 7296 §2.18).
    if (!sa.rekeyedTo && sa.leaseOwner) for (const pool of this.opts.policy?.pools ?? []) pool.release(sa.leaseOwner);
    this.unregister(sa);
    sa.destroy();
    if (!wasUp) return;
    const why = sa.rekeyedTo ? "rekeyed" : reason;
    this.counters.add(`ike_sa_down{reason="${why}"}`);
    this.opts.log.info("ike", "IKE SA down", { sa: sa.name, reason: why, idi: sa.idiHex });
    this.opts.onEvent({ event: "ike-sa-down", spiI: toHex(sa.spiI), spiR: toHex(sa.spiR), idi: sa.idiHex, reason: why });
  }

  /** Starts IKE_SA_INIT then IKE_AUTH towards `remote`; the SA reports its progress as events. */
  initiate(o: InitiateOptions): IkeSa {
    const sa = new IkeSa("initiator", this.opts.random(8), new Uint8Array(8), o.local, o.remote, this.opts.clock.now(), o.ikeProposals, o.espProposals);
    sa.idi = o.idi;
    const credentials: LocalCredentials = o.psk ? { kind: "psk", psk: o.psk.slice() } : { kind: "cert", credentials: o.certificates?.credentials ?? [] };
    sa.plan = {
      credentials, trustAnchors: o.certificates?.trustAnchors, crls: o.certificates?.crls, espProposals: o.espProposals, tsi: o.tsi, tsr: o.tsr, requestVirtualIp: o.requestVirtualIp,
      nattPorts: o.nattPorts ?? { local: NATT_PORT, remote: NATT_PORT },
    };
    this.register(sa);
    sendIkeSaInit(this.ctx, sa, o.ikeProposals, () => {
      sendIkeAuth(this.ctx, sa);
      this.watchSa(sa);
    });
    return sa;
  }

  rekeyChild(sa: IkeSa, child: ChildSa): void {
    rekeyChildSa(this.ctx, sa, child);
  }

  rekeyIke(sa: IkeSa): void {
    rekeyIkeSa(this.ctx, sa, (fresh) => this.watchSa(fresh));
  }

  /** Liveness checks and the IKE SA lifetime of an established SA. */
  private watchSa(sa: IkeSa): void {
    this.watchLiveness(sa);
    this.scheduleIkeRekey(sa);
  }

  /**
   * A liveness check now (RFC 7296 §1.4), not waiting for dpdMs of silence: for a hint that the peer
   * may have restarted (§2.21.4). No answer after the retransmissions ends the SA ("dpd-timeout").
   */
  checkLiveness(sa: IkeSa): void {
    checkLiveness(this.ctx, sa);
  }

  deleteIke(sa: IkeSa): void {
    deleteIkeSa(this.ctx, sa);
  }

  deleteChild(sa: IkeSa, child: ChildSa): void {
    deleteChildSa(this.ctx, sa, child);
  }

  /** Deletes every SA (graceful shutdown); the Deletes go out at once, their answers are not awaited. */
  shutdown(): void {
    for (const sa of this.sas) {
      if (sa.state === "established") deleteIkeSa(this.ctx, sa);
      this.terminate(sa, "shutdown");
    }
    this.liveness?.clear();
    this.ctx.rejections.flush();
  }

  /**
   * RFC 7296 §2.8: SAs are rekeyed before their lifetime ends. The original initiator of the IKE
   * SA does it on time (its peer may still rekey on its own lifetimes), so the two rarely collide.
   */
  private withLifetimes(sink: ChildSaSink): ChildSaSink {
    return {
      install: (sa, child) => {
        sink.install(sa, child);
        const after = this.ctx.timing.childRekeyMs ?? 0;
        if (after <= 0 || sa.role !== "initiator") return;
        sa.setTimer(`rekey-child-${child.spiIn}`, this.opts.clock.schedule(after, () => {
          sa.setTimer(`rekey-child-${child.spiIn}`, undefined);
          const owner = sa.rekeyedTo ?? sa;
          if (child.state === "installed" && owner.children.includes(child)) rekeyChildSa(this.ctx, owner, child);
        }));
      },
      remove: (sa, child) => sink.remove(sa, child),
      rehome: (from, to) => {
        sink.rehome(from, to);
        // The CHILD SAs moved: their lifetimes go with them.
        for (const name of [...from.timers.keys()]) {
          if (name.startsWith("rekey-child-")) to.setTimer(name, from.takeTimer(name));
        }
      },
    };
  }

  private scheduleIkeRekey(sa: IkeSa): void {
    const after = this.ctx.timing.ikeRekeyMs ?? 0;
    if (after <= 0 || sa.role !== "initiator") return;
    sa.setTimer("rekey-ike", this.opts.clock.schedule(after, () => this.rekeyIke(sa)));
  }

  /**
   * RFC 7296 §2.4: an SA that has heard nothing for a while is checked with an empty INFORMATIONAL.
   * Every dpdMs from the moment it is established, an SA looks at its silence. The ticks of all SAs
   * share one timer (FixedDelayTimers): a timer, a handle and a closure per SA cost a SeGW about
   * 600 octets per UE. A dead or rekeyed SA simply drops out at its next tick.
   */
  private watchLiveness(sa: IkeSa): void {
    const every = this.ctx.timing.dpdMs;
    if (every <= 0) return;
    this.liveness ??= new FixedDelayTimers(this.opts.clock, every, (s) => this.livenessTick(s));
    this.liveness.add(sa);
  }

  private livenessTick(sa: IkeSa): void {
    if (sa.state === "dead" || sa.rekeyedTo) return;
    if (this.opts.clock.now() - sa.lastInboundAt >= this.ctx.timing.dpdMs) checkLiveness(this.ctx, sa);
    this.liveness?.add(sa);
  }

  /** Feeds one received IKE message (without non-ESP marker) that arrived on `local` from `remote`. */
  receive(raw: Uint8Array, remote: Endpoint, local: Endpoint): void {
    const msg = decodeMessage(raw);
    if (!msg.ok) {
      // The header alone again, only to tell a bad header from a bad payload chain.
      const header = decodeIkeHeader(raw);
      if (!header.ok) return this.drop("bad-header", remote);
      if (this.opts.policy && refuseUnsupportedCriticalPayload(this.ctx, header.value, msg.error, local, remote)) return;
      return this.drop(`codec-${msg.error.code}`, remote);
    }
    const h = msg.value.header;
    const isResponse = (h.flags & HeaderFlag.RESPONSE) !== 0;
    if (h.exchangeType === 34 && !isResponse) return this.onInitRequest(h, msg.value.payloads, raw, remote, local);
    if (h.exchangeType === 34) return this.onInitResponse(h, msg.value.payloads, raw);
    const ours = (h.flags & HeaderFlag.INITIATOR) !== 0 ? h.spiR : h.spiI;
    const sa = this.bySpi.get(toHex(ours));
    if (!sa || !sa.crypto) return this.drop("unknown-spi", remote);
    if (isResponse) return this.onProtectedResponse(sa, h, msg.value, raw, remote, local);
    // RFC 7383 §2.6.1: of a retransmitted fragmented request, only fragment 1 has the response sent again.
    if (isFragment(msg.value) && fragmentNumber(msg.value) !== 1 && h.messageId !== sa.nextPeerRequestId) return this.drop("fragment-of-answered-request", remote);
    const verdict = classifyRequest(this.ctx, sa, h.messageId);
    if (verdict !== "process") return;
    const opened = openProtected(this.ctx, sa, raw, msg.value);
    if (opened.ok === "pending") return this.noteAuthenticated(sa, remote, local);
    if (!opened.ok) {
      const f = opened.failure;
      // The ICV held: an authenticated request we cannot process is answered (§2.5), not dropped.
      if (f.kind === "codec" && f.error.notifyData && f.error.code === "unsupported-critical-payload") {
        this.noteAuthenticated(sa, remote, local);
        return refuseUnsupportedCriticalPayloadInSa(this.ctx, sa, h, f.error.notifyData);
      }
      return this.drop(`sk-${f.kind}`, remote);
    }
    this.noteAuthenticated(sa, remote, local);
    const wasUp = sa.state === "established";
    dispatchRequest(this.ctx, sa, h, opened.payloads, (fresh) => this.watchSa(fresh));
    if (!wasUp && sa.state === "established") this.watchSa(sa);
    if (sa.state === "established" && sa.initKey) this.established(sa, sa.initKey);
  }

  /** A responder SA finished IKE_AUTH: it is no longer half-open, and its handshake state can go. */
  private established(sa: IkeSa, initKey: string): void {
    this.halfOpen.delete(initKey);
    sa.initKey = undefined;
    sa.setTimer("half-open", undefined);
    sa.forgetHandshake();
  }

  private onProtectedResponse(sa: IkeSa, h: IkeHeader, msg: { header: IkeHeader; payloads: readonly Payload[] }, raw: Uint8Array, remote: Endpoint, local: Endpoint): void {
    if (!sa.crypto) return;
    // A fragment of no outstanding request is not worth decrypting or storing.
    if (isFragment(msg) && refuseUnexpectedResponse(this.ctx, sa, h.messageId)) return;
    const opened = openProtected(this.ctx, sa, raw, msg);
    if (opened.ok === false) return this.drop(`sk-${opened.failure.kind}`, remote);
    this.noteAuthenticated(sa, remote, local);
    if (opened.ok === "pending") return;
    acceptResponse(this.ctx, sa, { header: h, payloads: opened.payloads, raw });
  }

  /** RFC 7296 §2.23: the peer's address and port follow its authenticated messages (NAT rebinding). */
  private noteAuthenticated(sa: IkeSa, remote: Endpoint, local: Endpoint): void {
    sa.lastInboundAt = this.opts.clock.now();
    if (!sameEndpoint(sa.remote, remote) || !sameEndpoint(sa.local, local)) {
      this.opts.log.debug("ike", "peer endpoint updated", { sa: sa.name, remote: formatEndpoint(remote) });
      sa.remote = remote;
      sa.local = local;
    }
  }

  private onInitRequest(h: IkeHeader, payloads: readonly Payload[], raw: Uint8Array, remote: Endpoint, local: Endpoint): void {
    const policy = this.opts.policy;
    if (!policy) return this.drop("not-a-responder", remote);
    const initKey = halfOpenKey(h.spiI, remote);
    const existing = this.halfOpen.get(initKey);
    if (existing) return void classifyRequest(this.ctx, existing, 0);
    const sa = handleIkeSaInitRequest(this.ctx, policy, this.cookies, this.halfOpen.size, { header: h, payloads, raw }, local, remote);
    if (!sa) return;
    this.register(sa);
    sa.initKey = initKey;
    this.halfOpen.set(sa.initKey, sa);
    sa.setTimer("half-open", this.opts.clock.schedule(this.ctx.timing.halfOpenMs, () => {
      if (sa.state === "established") return;
      this.counters.add("ike_half_open_timeouts");
      this.terminate(sa, "half-open-timeout");
    }));
  }

  private onInitResponse(h: IkeHeader, payloads: readonly Payload[], raw: Uint8Array): void {
    const sa = this.bySpi.get(toHex(h.spiI));
    if (!sa || sa.role !== "initiator" || sa.state !== "half-open") return this.drop("unexpected-init-response", undefined);
    acceptResponse(this.ctx, sa, { header: h, payloads, raw });
  }

  private drop(reason: string, remote: Endpoint | undefined): void {
    this.counters.add(`ike_dropped{reason="${reason}"}`);
    this.opts.log.debug("ike", "message dropped", { reason, remote: remote ? formatEndpoint(remote) : null });
  }
}

function halfOpenKey(spiI: Uint8Array, remote: Endpoint): string {
  return `${toHex(spiI)}|${formatEndpoint(remote)}`;
}
