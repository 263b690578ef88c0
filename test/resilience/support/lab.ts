/**
 * The resilience lab: the SeGW of segw.ts, one eNB (LwipEnb) and LWIP UEs (LwipUe) in this
 * process, joined by the simulated air interface, everything else real sockets on loopback. Unlike
 * the demo's lab, each UE may be given other SeGW ports (a faulty relay's), the eNB can be stopped
 * and started again, and it reaches the control API through a TCP proxy that a test can cut (an
 * eNB that vanishes without a word on Xw-C). Every SDU delivered is counted by DRB and sequence
 * number, so duplicates show. The eNB's timers (its back-off before setting a lost tunnel up again)
 * run on a counting clock of the lab's, so a test can check that none is left behind.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { EventLog } from "../../../src/demo/lab.js";
import { CELLS, IKE_PORT, NATT_PORT } from "../../../src/demo/lab.js";
import type { IkeTiming } from "../../../src/ike/context.js";
import { createAirLinkPair } from "../../../src/lwip/air-interface.js";
import { LwipEnb } from "../../../src/lwip/enb.js";
import { LwipUe } from "../../../src/lwip/ue.js";
import { readProbe } from "../../../src/lwip/traffic.js";
import type { ReestablishBackoff } from "../../../src/lwip/enb-reestablish.js";
import { CountingClock } from "./counting-clock.js";
import { startResilSegw, type ResilSegw, type ResilSegwOptions } from "./segw.js";

/** How often each probe (UE, DRB, direction, sequence number) was delivered. */
export class SduLog {
  readonly counts = new Map<string, number>();

  add(ue: string, sdu: Uint8Array): void {
    const p = readProbe(sdu);
    if (!p) return;
    const key = `${ue}/${p.drbId}/${p.direction}/${p.seq}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Distinct probes of `ue` in `direction` delivered. */
  delivered(ue: string, direction: "uplink" | "downlink"): number {
    return [...this.counts.keys()].filter((k) => k.startsWith(`${ue}/`) && k.includes(`/${direction}/`)).length;
  }

  /** Probes delivered more than once. */
  duplicates(): string[] {
    return [...this.counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
  }
}

export interface UeOptions {
  /** The SeGW's ports as the UE uses them (a relay's); the SeGW's own by default. */
  readonly segwIkePort?: number;
  readonly segwNattPort?: number;
  readonly ikeTiming?: IkeTiming;
}

/** A TCP proxy to the control API that can be cut: the eNB's Xw-C goes dark at once. */
class ApiProxy {
  private readonly conns = new Set<Socket>();
  cut = false;

  private constructor(readonly server: Server) {}

  static async open(address: string, target: () => number): Promise<ApiProxy> {
    const holder: { p?: ApiProxy } = {};
    const server = createServer((c) => {
      const p = holder.p;
      if (!p || p.cut) return void c.destroy();
      const u = connect(target(), address);
      p.conns.add(c).add(u);
      const end = () => {
        c.destroy();
        u.destroy();
        p.conns.delete(c);
        p.conns.delete(u);
      };
      c.on("error", end).on("close", end);
      u.on("error", end).on("close", end);
      c.pipe(u).pipe(c);
    });
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    return (holder.p = new ApiProxy(server));
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === "object" && a ? a.port : 0;
  }

  /** Every connection dropped, new ones refused. */
  cutOff(): void {
    this.cut = true;
    for (const s of this.conns) s.destroy();
    this.conns.clear();
  }

  close(): Promise<void> {
    this.cutOff();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export interface ResilLabOptions extends ResilSegwOptions {
  /** The eNB's back-off before setting a lost tunnel up again; its default if absent. */
  readonly reestablishBackoff?: ReestablishBackoff;
}

export interface ResilLab {
  readonly fx: ResilSegw;
  enb: LwipEnb;
  /** The clock of every eNB the lab starts: `pending` is the eNB's live timers. */
  readonly enbClock: CountingClock;
  /** The KeNB the simulated MME gave UE `ueId` (for a test that derives an LWIP-PSK itself). */
  kenbOf(ueId: string): Uint8Array | undefined;
  readonly log: EventLog;
  readonly sdus: SduLog;
  addUe(i: number, o?: UeOptions): Promise<LwipUe>;
  /** A new eNB process in place of the old one (after stopEnb or crashEnb); the old UEs are gone. */
  startEnb(): Promise<void>;
  /** Graceful eNB stop: it releases every UE at the SeGW, then closes its links and sockets. */
  stopEnb(): Promise<void>;
  /** The eNB vanishes: Xw-C is cut first, so none of its releases reach the SeGW; then it stops. */
  crashEnb(): Promise<void>;
  /** Xw-C goes dark for the running eNB (its event stream and requests fail) until restoreXw(). */
  cutXw(): void;
  restoreXw(): void;
  stop(): Promise<void>;
}

export async function startResilLab(o: ResilLabOptions): Promise<ResilLab> {
  const fx = await startResilSegw(o);
  const enbClock = new CountingClock();
  const log = new EventLog();
  const sdus = new SduLog();
  const kenbs = new Map<string, Uint8Array>();
  const ues: LwipUe[] = [];
  let proxy = await ApiProxy.open(fx.addresses.segw, () => fx.segw.controlApiPort);
  const makeEnb = () => LwipEnb.start({
    controlApi: { api: `https://${fx.addresses.segw}:${proxy.port}`, cert: fx.pem("enb-alpha.pem"), key: fx.pem("enb-alpha-key.pem"), ca: fx.pem("ca.pem") },
    segwAddress: fx.addresses.segw,
    gtpAddress: fx.addresses.enbGtp,
    ...(o.ndsIp === "builtin" ? { ndsIp: { ikePort: IKE_PORT, nattPort: NATT_PORT, segwIkePort: IKE_PORT, segwNattPort: NATT_PORT } } : {}),
    cells: CELLS,
    kenbFor: (id) => kenbs.get(id),
    clock: enbClock,
    ...(o.reestablishBackoff ? { reestablishBackoff: o.reestablishBackoff } : {}),
    onEvent: (e) => log.push(e),
    onSdu: (ue, _drb, sdu) => sdus.add(ue, sdu),
  });
  const lab: ResilLab = {
    fx, log, sdus, enbClock,
    enb: await makeEnb(),
    kenbOf: (ueId) => kenbs.get(ueId)?.slice(),
    async addUe(i, u = {}) {
      const ueId = `ue${i}`;
      const kenb = globalThis.crypto.getRandomValues(new Uint8Array(32));
      kenbs.set(ueId, kenb);
      const pair = createAirLinkPair();
      lab.enb.attach(pair.enb);
      const ue = await LwipUe.start({
        ueId, kenb, wlanMac: new Uint8Array([2, 0, 0, 0, 1, i]), link: pair.ue,
        wlanAddress: fx.addresses.ue(i), ikePort: IKE_PORT, nattPort: NATT_PORT,
        segwIkePort: u.segwIkePort ?? IKE_PORT, segwNattPort: u.segwNattPort ?? NATT_PORT,
        ikeTiming: u.ikeTiming ?? { retransmitMs: [500, 1000, 2000], halfOpenMs: 30_000, dpdMs: 0 },
        onEvent: (e) => log.push(e),
        onSdu: (_drb, sdu) => sdus.add(ueId, sdu),
      });
      ues.push(ue);
      return ue;
    },
    async startEnb() {
      if (proxy.cut) {
        await proxy.close();
        proxy = await ApiProxy.open(fx.addresses.segw, () => fx.segw.controlApiPort);
      }
      lab.enb = await makeEnb();
    },
    async stopEnb() {
      await lab.enb.stop();
    },
    async crashEnb() {
      proxy.cutOff();
      await lab.enb.stop();
    },
    cutXw() {
      proxy.cutOff();
    },
    restoreXw() {
      proxy.cut = false;
    },
    async stop() {
      for (const ue of ues) ue.stop();
      await lab.enb.stop();
      await proxy.close();
      await fx.stop();
    },
  };
  return lab;
}
