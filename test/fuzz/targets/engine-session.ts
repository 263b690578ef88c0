/**
 * A live in-memory IKEv2 session (test/support/ike-pair.ts: our initiator as the UE, our responder
 * as the SeGW, on a fake clock) driven to one of the points where a message crosses the wire, so
 * that a fuzz input can take that message's place. The steps cover every request and response
 * either side receives: IKE_SA_INIT, IKE_AUTH, CHILD and IKE SA rekeys, deletes and liveness
 * checks, in both directions (RFC 7296 §1.2-§1.4).
 */
import { checkLiveness } from "../../../src/ike/tasks/informational.js";
import { ExchangeType, HeaderFlag } from "../../../src/ike/registry.js";
import type { IkeNode } from "../../../src/ike/ike-node.js";
import type { IkeSa } from "../../../src/ike/sa/ike-sa.js";
import type { SkCipher } from "../../../src/ike/crypto/sk-cipher.js";
import { bytesEqual } from "../../../src/wire/hex.js";
import { IkePair, SEGW, type Datagram } from "../../support/ike-pair.js";

/** The UE's and the SeGW's IKE proposals: GCM with ECP-256, or CBC + HMAC-SHA-256 with ECP-256. */
const SUITES = [
  { ike: "aes128gcm16-prfsha256-ecp256", esp: "aes128gcm16" },
  { ike: "aes128-sha256-ecp256", esp: "aes128-sha256" },
] as const;
const RESPONDER_IKE = "aes128gcm16-prfsha256-ecp256,aes128-sha256-ecp256,aes128-sha256-modp2048";
const RESPONDER_ESP = "aes128gcm16,aes128-sha256";

type Receiver = "responder" | "initiator";

interface Step {
  readonly name: string;
  readonly to: Receiver;
  readonly exchange: number;
  readonly response: boolean;
  /** Runs once the session is established, to make the message this step replaces. */
  readonly action?: (s: EngineSession) => void;
}

const INIT = ExchangeType.IKE_SA_INIT;
const AUTH = ExchangeType.IKE_AUTH;
const CREATE = ExchangeType.CREATE_CHILD_SA;
const INFO = ExchangeType.INFORMATIONAL;

/** The points a fuzz input can take over; the input's first octet picks one. */
export const ENGINE_STEPS: readonly Step[] = [
  { name: "SeGW receives IKE_SA_INIT request", to: "responder", exchange: INIT, response: false },
  { name: "UE receives IKE_SA_INIT response", to: "initiator", exchange: INIT, response: true },
  { name: "SeGW receives IKE_AUTH request", to: "responder", exchange: AUTH, response: false },
  { name: "UE receives IKE_AUTH response", to: "initiator", exchange: AUTH, response: true },
  { name: "SeGW receives CHILD SA rekey request", to: "responder", exchange: CREATE, response: false, action: (s) => s.ueRekeyChild() },
  { name: "SeGW receives IKE SA rekey request", to: "responder", exchange: CREATE, response: false, action: (s) => s.ue.rekeyIke(s.ueSa()) },
  { name: "SeGW receives CHILD SA delete", to: "responder", exchange: INFO, response: false, action: (s) => s.ueDeleteChild() },
  { name: "SeGW receives IKE SA delete", to: "responder", exchange: INFO, response: false, action: (s) => s.ue.deleteIke(s.ueSa()) },
  { name: "SeGW receives liveness check", to: "responder", exchange: INFO, response: false, action: (s) => checkLiveness(s.ue.ctx, s.ueSa()) },
  { name: "UE receives CHILD SA rekey response", to: "initiator", exchange: CREATE, response: true, action: (s) => s.ueRekeyChild() },
  { name: "UE receives IKE SA rekey response", to: "initiator", exchange: CREATE, response: true, action: (s) => s.ue.rekeyIke(s.ueSa()) },
  { name: "UE receives IKE SA delete response", to: "initiator", exchange: INFO, response: true, action: (s) => s.ue.deleteIke(s.ueSa()) },
  { name: "SeGW receives liveness response", to: "responder", exchange: INFO, response: true, action: (s) => checkLiveness(s.segw.ctx, s.segwSa()) },
  { name: "SeGW receives CHILD SA delete response", to: "responder", exchange: INFO, response: true, action: (s) => s.segwDeleteChild() },
  { name: "UE receives IKE SA delete from the SeGW", to: "initiator", exchange: INFO, response: false, action: (s) => s.segw.deleteIke(s.segwSa()) },
  { name: "UE receives CHILD SA rekey from the SeGW", to: "initiator", exchange: CREATE, response: false, action: (s) => s.segwRekeyChild() },
];

/** How a fuzz input's message is put on the wire in place of the live one. */
export interface Replacement {
  /** Keep the input's SPIs (else the live message's are written over them). */
  readonly keepSpis: boolean;
  /** Keep the input's Message ID (else the live one's). */
  readonly keepMessageId: boolean;
  /** Deliver the plaintext form as it is, without sealing its SK payload. */
  readonly unsealed: boolean;
  /** Seal without correcting the header and SK lengths. */
  readonly keepLengths: boolean;
}

const MAX_PUMPED = 200;

function isResponse(d: Datagram): boolean {
  return ((d.bytes[19] ?? 0) & HeaderFlag.RESPONSE) !== 0;
}

export class EngineSession {
  readonly pair: IkePair;

  constructor(suite: number, cookies: boolean) {
    const s = SUITES[suite % SUITES.length] ?? SUITES[0];
    this.pair = new IkePair({ ikeI: s.ike, espI: s.esp, ikeR: RESPONDER_IKE, espR: RESPONDER_ESP, cookieThreshold: cookies ? 0 : 1000 });
  }

  get ue(): IkeNode {
    return this.pair.initiator;
  }

  get segw(): IkeNode {
    return this.pair.responder;
  }

  ueSa(): IkeSa {
    return firstEstablished(this.ue);
  }

  segwSa(): IkeSa {
    return firstEstablished(this.segw);
  }

  ueRekeyChild(): void {
    const sa = this.ueSa();
    const child = sa.children[0];
    if (child) this.ue.rekeyChild(sa, child);
  }

  ueDeleteChild(): void {
    const sa = this.ueSa();
    const child = sa.children[0];
    if (child) this.ue.deleteChild(sa, child);
  }

  segwDeleteChild(): void {
    const sa = this.segwSa();
    const child = sa.children[0];
    if (child) this.segw.deleteChild(sa, child);
  }

  segwRekeyChild(): void {
    const sa = this.segwSa();
    const child = sa.children[0];
    if (child) this.segw.rekeyChild(sa, child);
  }

  receiverOf(d: Datagram): IkeNode {
    return d.to.address === SEGW.address ? this.segw : this.ue;
  }

  /** Delivers datagrams until one matching `step` is next; returns it undelivered. */
  private pumpTo(step: Step): Datagram | undefined {
    for (let n = 0; n < MAX_PUMPED; n++) {
      const d = this.pair.wire.shift();
      if (!d) return undefined;
      const to: Receiver = d.to.address === SEGW.address ? "responder" : "initiator";
      if (to === step.to && d.bytes[18] === step.exchange && isResponse(d) === step.response) return d;
      this.receiverOf(d).receive(d.bytes, d.from, d.to);
    }
    return undefined;
  }

  /** Runs the session up to `step`'s message and returns it (undelivered), or undefined if it never came. */
  reach(step: Step): Datagram | undefined {
    this.pair.initiate();
    if (!step.action) return this.pumpTo(step);
    this.pair.flush(MAX_PUMPED);
    if (this.ue.sas[0]?.state !== "established" || this.segw.sas[0]?.state !== "established") return undefined;
    step.action(this);
    return this.pumpTo(step);
  }

  /** The sender's SkCipher for a live datagram: the one the receiver will open it with. */
  senderCipher(d: Datagram): SkCipher | undefined {
    const sender = this.receiverOf(d) === this.segw ? this.ue : this.segw;
    const spiI = d.bytes.subarray(0, 8);
    const spiR = d.bytes.subarray(8, 16);
    return sender.sas.find((sa) => bytesEqual(sa.spiI, spiI) && bytesEqual(sa.spiR, spiR))?.crypto?.out;
  }

  /** Lets `ms` of fake time pass, delivering everything on the way. */
  settle(ms: number): void {
    this.pair.run(ms, 1000);
  }

  /**
   * Lets exchanges in flight finish, deletes whatever is established on either side, then lets
   * every timer run out. (Deleting while an IKE SA rekey is in flight is a finding of its own:
   * test/fuzz/ike-engine-findings.test.ts.)
   */
  tearDown(): void {
    // Retransmissions give up after 1 + 2 + 4 s (IkePair's timing), half-open SAs after 30 s.
    this.settle(8_000);
    for (const node of [this.ue, this.segw]) {
      for (const sa of node.sas) if (sa.state === "established") node.deleteIke(sa);
    }
    this.settle(40_000);
  }

  /** What is left of the session's state; empty when everything went back to the baseline. */
  leftovers(): string[] {
    const out: string[] = [];
    const describe = (who: string, node: IkeNode) => {
      for (const sa of node.sas) out.push(`${who} IKE SA ${sa.name} in state ${sa.state} with ${sa.children.length} CHILD SA(s)`);
    };
    describe("UE", this.ue);
    describe("SeGW", this.segw);
    const p = this.pair;
    if (this.segw.halfOpenCount !== 0) out.push(`SeGW half-open table holds ${this.segw.halfOpenCount}`);
    if (p.pool.leased !== 0) out.push(`address pool holds ${p.pool.leased} lease(s)`);
    if (p.sinkI.active.length !== 0) out.push(`UE data plane holds ${p.sinkI.active.length} CHILD SA(s)`);
    if (p.sinkR.active.length !== 0) out.push(`SeGW data plane holds ${p.sinkR.active.length} CHILD SA(s)`);
    if (p.clock.pending !== 0) out.push(`${p.clock.pending} timer(s) still pending`);
    return out;
  }
}

function firstEstablished(node: IkeNode): IkeSa {
  const sa = node.sas.find((s) => s.state === "established");
  if (!sa) throw new Error("no established IKE SA (the session did not come up)");
  return sa;
}
