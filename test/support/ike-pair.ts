/**
 * Two IKE nodes wired through an in-memory network on a fake clock: every datagram is queued and
 * delivered by flush(), so tests can drop, duplicate or reorder them deterministically.
 */
import { randomBytes } from "node:crypto";
import { IkeNode, type InitiateOptions } from "../../src/ike/ike-node.js";
import type { ChildSaSink, ResponderCertificates, ResponderPolicy } from "../../src/ike/context.js";
import type { Identity } from "../../src/ike/sa/ike-sa.js";
import type { Endpoint } from "../../src/ike/endpoint.js";
import type { IkeEvent } from "../../src/ike/events.js";
import type { ChildSa } from "../../src/ike/sa/child-sa.js";
import type { IkeSa } from "../../src/ike/sa/ike-sa.js";
import { AddressPool } from "../../src/ike/address-pool.js";
import { parseProposalList, type ProposalSpec } from "../../src/ike/proposal.js";
import { IdType } from "../../src/ike/registry.js";
import { parseCidr, parseIp, selectorFromCidr } from "../../src/ike/traffic-selector.js";
import { silentLogger } from "../../src/io/log.js";
import { FakeClock } from "../../src/sim/fake-clock.js";
import { bytesEqual } from "../../src/wire/hex.js";

export interface Datagram {
  readonly bytes: Uint8Array;
  readonly from: Endpoint;
  readonly to: Endpoint;
}

export class RecordingSink implements ChildSaSink {
  readonly installed: ChildSa[] = [];
  readonly removed: ChildSa[] = [];
  install(_sa: IkeSa, c: ChildSa): void {
    this.installed.push(c);
  }
  remove(_sa: IkeSa, c: ChildSa): void {
    this.removed.push(c);
  }
  rehome(): void {}
  get active(): ChildSa[] {
    return this.installed.filter((c) => !this.removed.includes(c));
  }
}

export function specs(text: string, kind: "ike" | "esp"): ProposalSpec[] {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new Error(r.error);
  return r.specs;
}

export function cidr(text: string) {
  const c = parseCidr(text);
  if (!c) throw new Error(`bad cidr ${text}`);
  return c;
}

export const UE: Endpoint = { address: "198.18.0.2", port: 500 };
export const SEGW: Endpoint = { address: "198.18.0.1", port: 500 };
export const IDI = new TextEncoder().encode("LWIP-UE-0001");
export const PSK = new Uint8Array(32).fill(7);

export interface PairOptions {
  ikeI?: string;
  ikeR?: string;
  espI?: string;
  espR?: string;
  psks?: Map<string, Uint8Array>;
  cookieThreshold?: number;
  dpdMs?: number;
  childRekeyMs?: number;
  ikeRekeyMs?: number;
  /** Data planes to use instead of the recording sinks. */
  sinkI?: ChildSaSink;
  sinkR?: ChildSaSink;
  /** Certificate authentication at the responder. */
  certificates?: ResponderCertificates;
  /** The responder's IDr. */
  localId?: Identity;
  /** RFC 7383 fragment sizes (IkeNodeOptions.fragmentSize) of the initiator and the responder. */
  fragmentSizeI?: number;
  fragmentSizeR?: number;
}

export class IkePair {
  readonly clock = new FakeClock();
  readonly wire: Datagram[] = [];
  readonly eventsI: IkeEvent[] = [];
  readonly eventsR: IkeEvent[] = [];
  readonly sinkI = new RecordingSink();
  readonly sinkR = new RecordingSink();
  readonly pool = new AddressPool(cidr("198.18.64.0/18"));
  readonly initiator: IkeNode;
  readonly responder: IkeNode;
  readonly policy: ResponderPolicy;
  /** Called on every datagram before delivery; return false to drop it. */
  filter: (d: Datagram) => boolean = () => true;

  constructor(readonly o: PairOptions = {}) {
    const random = (n: number) => new Uint8Array(randomBytes(n));
    const psks = o.psks ?? new Map([[Buffer.from(IDI).toString("hex"), PSK]]);
    this.policy = {
      ikeProposals: specs(o.ikeR ?? "aes128-sha256-modp2048,aes128gcm16-prfsha256-ecp256", "ike"),
      espProposals: specs(o.espR ?? "aes128gcm16,aes128-sha256", "esp"),
      localId: o.localId ?? { idType: IdType.ID_IPV4_ADDR, data: parseIp(SEGW.address) ?? new Uint8Array(4) },
      lookupPsk: (id) => {
        const psk = psks.get(Buffer.from(id.data).toString("hex"));
        return psk && id.idType === IdType.ID_KEY_ID ? { ok: true, psk: psk.slice() } : { ok: false, reason: "unknown-identity" };
      },
      pools: [this.pool],
      localTs: [selectorFromCidr(cidr("198.18.1.1/32"))],
      remoteTs: [selectorFromCidr(cidr("0.0.0.0/0"))],
      cookieThreshold: o.cookieThreshold ?? 1000,
      ...(o.certificates ? { certificates: o.certificates } : {}),
    };
    const sender = { send: (bytes: Uint8Array, from: Endpoint, to: Endpoint) => void this.wire.push({ bytes: bytes.slice(), from, to }) };
    const timing = { retransmitMs: [1000, 2000, 4000], halfOpenMs: 30_000, dpdMs: o.dpdMs ?? 0, childRekeyMs: o.childRekeyMs ?? 0, ikeRekeyMs: o.ikeRekeyMs ?? 0 };
    const fragmentsI = o.fragmentSizeI === undefined ? {} : { fragmentSize: o.fragmentSizeI };
    const fragmentsR = o.fragmentSizeR === undefined ? {} : { fragmentSize: o.fragmentSizeR };
    this.initiator = new IkeNode({ clock: this.clock, random, sender, sink: o.sinkI ?? this.sinkI, log: silentLogger, onEvent: (e) => this.eventsI.push(e), timing, ...fragmentsI });
    this.responder = new IkeNode({
      clock: this.clock, random, sender, sink: o.sinkR ?? this.sinkR, log: silentLogger, onEvent: (e) => this.eventsR.push(e), timing, policy: this.policy, ...fragmentsR,
    });
  }

  initiate(psk: Uint8Array = PSK, idi: Uint8Array = IDI): IkeSa {
    return this.initiateWith({ psk, idi: { idType: IdType.ID_KEY_ID, data: idi } });
  }

  /** Initiates with these options over the pair's defaults (endpoints, proposals, selectors). */
  initiateWith(o: Partial<InitiateOptions>): IkeSa {
    return this.initiator.initiate({
      local: UE,
      remote: SEGW,
      idi: { idType: IdType.ID_KEY_ID, data: IDI },
      ikeProposals: specs(this.o.ikeI ?? "aes128-sha256-modp2048", "ike"),
      espProposals: specs(this.o.espI ?? "aes128gcm16", "esp"),
      tsi: [selectorFromCidr(cidr("0.0.0.0/0"))],
      tsr: [selectorFromCidr(cidr("0.0.0.0/0"))],
      requestVirtualIp: true,
      ...o,
    });
  }

  /** Lets `ms` pass in small steps, delivering datagrams after each, as a real network would. */
  run(ms: number, stepMs = 250): void {
    for (let t = 0; t < ms; t += stepMs) {
      this.clock.advance(Math.min(stepMs, ms - t));
      this.flush();
    }
  }

  /** Delivers queued datagrams (and those they cause) until the wire is quiet; returns how many went. */
  flush(limit = 100): number {
    let n = 0;
    while (this.wire.length > 0 && n < limit) {
      const d = this.wire.shift();
      if (!d) break;
      n++;
      if (!this.filter(d)) continue;
      const target = d.to.address === SEGW.address ? this.responder : this.initiator;
      target.receive(d.bytes, d.from, d.to);
    }
    return n;
  }
}

export function eventsOf<K extends IkeEvent["event"]>(events: readonly IkeEvent[], kind: K): Extract<IkeEvent, { event: K }>[] {
  return events.filter((e) => e.event === kind) as Extract<IkeEvent, { event: K }>[];
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return bytesEqual(a, b);
}
