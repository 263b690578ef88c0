/**
 * A loopback LWIP lab, for `lwip demo` and the scenario tests: a development PKI in a temp folder, a
 * real LWIP-SeGW (startSegw) on one loopback address, one eNB (LwipEnb) with its Xw-U socket on
 * another, and UEs in the same process, each on its own loopback address with the SeGW's
 * unprivileged IKE ports, joined to the eNB by in-process simulated air links (the only simulated
 * part). Waits are event-driven with deadlines.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDevPki } from "../pki/dev-pki.js";
import { writePkiFiles } from "../pki/write-files.js";
import { parseSegwConfig, type SegwConfig } from "../segw/config.js";
import { startSegwWorkers, type SegwWorkers } from "../segw/workers/primary.js";
import type { UeRegistry } from "../segw/control-api/ue-registry.js";
import { startSegw, type Segw } from "../segw/daemon.js";
import { silentLogger } from "../io/log.js";
import { IkeNode } from "../ike/ike-node.js";
import { IkeUdpSockets } from "../io/udp.js";
import { EspTunnels } from "../dataplane/esp-tunnels.js";
import { Counters } from "../io/counters.js";
import { systemClock } from "../io/clock.js";
import { IdType } from "../ike/registry.js";
import { selectorFromCidr } from "../ike/traffic-selector.js";
import { parseProposalList } from "../ike/proposal.js";
import type { IkeEvent } from "../ike/events.js";
import type { IkeTiming, KeyExport } from "../ike/context.js";
import { createAirLinkPair } from "../lwip/air-interface.js";
import { LwipEnb } from "../lwip/enb.js";
import { LwipUe } from "../lwip/ue.js";
import type { LwipEvent } from "../lwip/events.js";
import type { Cell } from "../lwip/air-frames.js";
import { readProbe, TrafficCounters } from "../lwip/traffic.js";

/** Addresses of one lab: `net` is the first three octets of a loopback /24 no other test file uses. */
export function labAddresses(net: string) {
  return { segw: `${net}.1`, enbGtp: `${net}.2`, ue: (i: number) => `${net}.${10 + i}`, rogue: `${net}.250`, worker: (k: number) => (k === 0 ? `${net}.1` : `${net}.${240 + k}`) };
}

/** The SeGW's IKE ports: unprivileged, the same on every UE address. */
export const IKE_PORT = 10500;
export const NATT_PORT = 14500;
export const ENB_LWIP_ENDPOINT = "198.18.1.1";
export const CELLS: readonly Cell[] = [{ physCellId: 1, dlEarfcn: 1300 }, { physCellId: 2, dlEarfcn: 1300 }];
/** A cell of another eNB: a handover there takes the UE away. */
export const FOREIGN_CELL: Cell = { physCellId: 77, dlEarfcn: 3100 };

/** Every LWIP event of the lab, in order, with waits that look at what is already there. */
export class EventLog {
  readonly events: LwipEvent[] = [];
  private waiters: { match: (e: LwipEvent) => boolean; resolve: (e: LwipEvent) => void }[] = [];

  push(e: LwipEvent): void {
    this.events.push(e);
    for (const w of this.waiters.filter((x) => x.match(e))) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(e);
    }
  }

  /** The position to wait from. */
  mark(): number {
    return this.events.length;
  }

  /** The first event at or after `from` that matches, waiting for it up to `ms`. */
  waitFor(match: (e: LwipEvent) => boolean, what: string, from = 0, ms = 5000): Promise<LwipEvent> {
    const seen = this.events.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      const waiter = { match, resolve: (e: LwipEvent) => { clearTimeout(timer); resolve(e); } };
      this.waiters.push(waiter);
    });
  }

  /** Events of `ue` from `from` on. */
  of(ue: string, from = 0): LwipEvent[] {
    return this.events.slice(from).filter((e) => e.ue === ue);
  }
}

/** Shorthand for waits: event name, node, UE. */
export function is(event: LwipEvent["event"], node: "eNB" | "UE", ue: string) {
  return (e: LwipEvent) => e.event === event && e.node === node && e.ue === ue;
}

export interface LabUe {
  readonly ue: LwipUe;
  readonly kenb: Uint8Array;
  /** Every LWIP-PSK buffer the UE derived (the UE's own, to check zeroization) and a copy taken at derivation. */
  readonly psks: { readonly buffer: Uint8Array; readonly copy: Uint8Array }[];
  readonly traffic: TrafficCounters;
}

export interface Lab extends LabAroundSegw {
  readonly segw: Segw;
}

/** A lab whose SeGW runs one worker process per address (config `workers`). */
export interface WorkersLab extends LabAroundSegw {
  readonly segw: SegwWorkers;
}

/** What the demo and tests ask of the lab's SeGW, whether one process or workers. */
export interface SegwView {
  /** An established IKE SA for this IDi (hex) at the SeGW. */
  hasEstablishedSa(idiHex: string): Promise<boolean>;
  /** The provisioning stores as the control API sees them. */
  readonly registry: UeRegistry;
  /** The Prometheus text of /metrics. */
  metricsText(): Promise<string>;
}

/** The eNB and UEs of a lab, whichever SeGW they use. */
export interface LabAroundSegw {
  readonly segwView: SegwView;
  readonly enb: LwipEnb;
  readonly log: EventLog;
  readonly enbTraffic: TrafficCounters;
  /** What the eNB received, per UE. */
  enbTrafficOf(ueId: string): TrafficCounters;
  readonly addresses: ReturnType<typeof labAddresses>;
  /** `segwIkePort`: where the UE sends IKE (another port than the SeGW's loses its handshake on the way). */
  addUe(i: number, opts?: { readonly ikeTiming?: IkeTiming; readonly segwIkePort?: number }): Promise<LabUe>;
  stop(): Promise<void>;
}

function segwYaml(a: ReturnType<typeof labAddresses>, workers: number): string {
  const list = Array.from({ length: workers }, (_, k) => `{ ike: ${a.worker(k)} }`).join(", ");
  return (workers > 0 ? `workers: [${list}]\n` : "") + `
ike: { listen: ${a.segw}, ikePort: ${IKE_PORT}, nattPort: ${NATT_PORT}, dpdSeconds: 0 }
pools: [198.18.64.0/24]
controlApi: { listen: ${a.segw}, port: 0, tls: { cert: segw.pem, key: segw-key.pem, ca: ca.pem } }
enbs:
  - { name: alpha, certificateIdentity: alpha, lwipEndpoints: [${ENB_LWIP_ENDPOINT}], gtpAddress: ${a.enbGtp} }
gtpu: { listen: ${a.segw}, port: 2152 }
log: { level: error }
`;
}

/** A SeGW on the loopback /24 `net`, its PKI files in `dir`. */
export interface SegwLab<S = Segw> {
  readonly segw: S;
  readonly dir: string;
  readonly addresses: ReturnType<typeof labAddresses>;
  pem(name: string): string;
  readonly apiUrl: string;
  stop(): Promise<void>;
}

export interface LabOptions {
  /** Debugging only (the demo's --out): every IKE and ESP key of the SeGW and the UEs. */
  readonly exportKeys?: (k: KeyExport) => void;
  /** The provisioning window the eNB asks for (the SeGW's default, 30 s, when absent). */
  readonly enbWindowSeconds?: number;
}

/** Starts a development PKI and a SeGW on the loopback /24 `net`. */
export async function startSegwLab(net: string, opts: LabOptions = {}): Promise<SegwLab> {
  return segwLabWith(net, 0, (config) => startSegw(config, { log: silentLogger, ...(opts.exportKeys ? { exportKeys: opts.exportKeys } : {}) }));
}

/** PKI and configuration in a temp folder, and the SeGW that `start` runs from them. */
async function segwLabWith<S extends { readonly controlApiPort: number; stop(): Promise<void> }>(net: string, workers: number, start: (c: SegwConfig) => Promise<S>): Promise<SegwLab<S>> {
  const addresses = labAddresses(net);
  const dir = mkdtempSync(join(tmpdir(), "lwip-lab-"));
  const segwAddresses = Array.from({ length: Math.max(1, workers) }, (_, k) => addresses.worker(k));
  const files = await createDevPki({ enbs: ["alpha"], segwName: "segw", segwAddresses, days: 1 });
  const written = writePkiFiles(dir, files, false);
  if (!written.ok) throw new Error(written.error);
  const config = parseSegwConfig(segwYaml(addresses, workers), dir);
  if (!config.ok) throw new Error(config.error.message);
  const segw = await start(config.value);
  return {
    segw, dir, addresses,
    pem: (name) => readFileSync(join(dir, name), "utf8"),
    apiUrl: `https://${addresses.segw}:${segw.controlApiPort}`,
    async stop() {
      await segw.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts PKI, SeGW and eNB on the loopback /24 `net`. */
export async function startLab(net: string, labOpts: LabOptions = {}): Promise<Lab> {
  const base = await startSegwLab(net, labOpts);
  const segw = base.segw;
  const segwView: SegwView = {
    hasEstablishedSa: (idi) => Promise.resolve(segw.node.sas.some((sa) => sa.idiHex === idi && sa.state === "established")),
    registry: segw.registry,
    metricsText: () => segw.metrics.metrics(),
  };
  return { segw, ...(await labAround(base, segwView, labOpts)) };
}

/** Starts PKI, a SeGW of `workers` worker processes (on `${net}.1`, `${net}.241`, `${net}.242`...) and the eNB. */
export async function startWorkersLab(net: string, workers: number, opts: { readonly restartGraceMs?: number } = {}): Promise<WorkersLab> {
  const base = await segwLabWith(net, workers, (config) => startSegwWorkers(config, { log: silentLogger, ...opts }));
  const segw = base.segw;
  const segwView: SegwView = { hasEstablishedSa: (idi) => segw.hasEstablishedSa(idi), registry: segw.registry, metricsText: () => segw.metrics.metrics() };
  return { segw, ...(await labAround(base, segwView, {})) };
}

async function labAround(base: SegwLab<unknown>, segwView: SegwView, labOpts: LabOptions): Promise<LabAroundSegw> {
  const { addresses, pem } = base;
  const log = new EventLog();
  const kenbs = new Map<string, Uint8Array>();
  const enbTraffic = new TrafficCounters();
  const perUe = new Map<string, TrafficCounters>();
  const enbTrafficOf = (ueId: string): TrafficCounters => {
    const c = perUe.get(ueId) ?? new TrafficCounters();
    perUe.set(ueId, c);
    return c;
  };
  const enb = await LwipEnb.start({
    controlApi: { api: base.apiUrl, cert: pem("enb-alpha.pem"), key: pem("enb-alpha-key.pem"), ca: pem("ca.pem") },
    segwAddress: addresses.segw,
    gtpAddress: addresses.enbGtp,
    // NDS/IP built in (TS 33.401 16.1): the eNB's GTP-U travels inside its own IKEv2/ESP SA with the SeGW.
    ndsIp: { ikePort: IKE_PORT, nattPort: NATT_PORT, segwIkePort: IKE_PORT, segwNattPort: NATT_PORT },
    ...(labOpts.enbWindowSeconds !== undefined ? { windowSeconds: labOpts.enbWindowSeconds } : {}),
    cells: CELLS,
    kenbFor: (id) => kenbs.get(id),
    onEvent: (e) => log.push(e),
    onSdu: (ue, drbId, sdu, path) => {
      const p = readProbe(sdu);
      if (!p) return;
      enbTraffic.received(drbId, p.direction, path);
      enbTrafficOf(ue).received(drbId, p.direction, path);
    },
  });
  const ues: LwipUe[] = [];
  return {
    segwView, enb, log, enbTraffic, enbTrafficOf, addresses,
    async addUe(i, opts = {}) {
      const ueId = `ue${i}`;
      const kenb = globalThis.crypto.getRandomValues(new Uint8Array(32));
      kenbs.set(ueId, kenb);
      const psks: LabUe["psks"][number][] = [];
      const traffic = new TrafficCounters();
      const pair = createAirLinkPair();
      enb.attach(pair.enb);
      const ue = await LwipUe.start({
        ueId, kenb, wlanMac: new Uint8Array([2, 0, 0, 0, 0, i]), link: pair.ue,
        wlanAddress: addresses.ue(i), ikePort: IKE_PORT, nattPort: NATT_PORT, segwIkePort: opts.segwIkePort ?? IKE_PORT, segwNattPort: NATT_PORT,
        ikeTiming: opts.ikeTiming ?? { retransmitMs: [500, 1000, 2000], halfOpenMs: 30_000, dpdMs: 0 },
        onEvent: (e) => log.push(e),
        ...(labOpts.exportKeys ? { exportKeys: labOpts.exportKeys } : {}),
        onPskDerived: (buffer) => psks.push({ buffer, copy: buffer.slice() }),
        onSdu: (drbId, sdu, path) => {
          const p = readProbe(sdu);
          if (p) traffic.received(drbId, p.direction, path);
        },
      });
      ues.push(ue);
      return { ue, kenb, psks, traffic };
    },
    async stop() {
      for (const ue of ues) ue.stop();
      await enb.stop();
      await base.stop();
    },
  };
}

/** An IKEv2 initiator outside the lab's UEs (an attacker, or a UE of the demo's attacks). */
export interface IkeClient {
  /** "up", or the failure's reason (e.g. AUTHENTICATION_FAILED), or "timeout". */
  readonly result: string;
  readonly virtualIp: Uint8Array | undefined;
  /** Sends an inner IP packet through the tunnel (false when there is none or the SA's selectors refuse it). */
  send(innerPacket: Uint8Array): boolean;
  /** Sends it protected with the SA but without our own selector check: what a misbehaving UE can do. */
  sendUnchecked(innerPacket: Uint8Array): boolean;
  close(): Promise<void>;
}

/** One handshake with the given IDi and PSK from `address` to the SeGW; the SA stays up until close(). */
export async function openIkeClient(address: string, segw: string, idi: Uint8Array, psk: Uint8Array): Promise<IkeClient> {
  let settle: (r: string) => void = () => {};
  const done = new Promise<string>((resolve) => (settle = resolve));
  const counters = new Counters();
  const io: { sockets?: IkeUdpSockets } = {};
  const tunnels = new EspTunnels({ sendEsp: (p, r) => io.sockets?.sendEsp(p, r), deliver: () => {} }, counters);
  const node = new IkeNode({
    clock: systemClock, random: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
    sender: { send: (m, l, r) => io.sockets?.sendIke(m, l, r) }, sink: tunnels, log: silentLogger, counters,
    timing: { retransmitMs: [300, 600], halfOpenMs: 5000, dpdMs: 0 },
    onEvent: (e: IkeEvent) => {
      if (e.event === "child-sa-up") settle("up");
      if (e.event === "ike-sa-failed") settle(e.reason);
    },
  });
  io.sockets = await IkeUdpSockets.open({ address, ikePort: IKE_PORT, nattPort: NATT_PORT }, {
    onIke: (m, r, l) => node.receive(m, r, l),
    onEsp: (p, spi, r) => tunnels.receive(p, spi, r),
  });
  const specs = (t: string, k: "ike" | "esp") => {
    const r = parseProposalList(t, k);
    if (!r.ok) throw new Error(r.error);
    return r.specs;
  };
  const any = selectorFromCidr({ address: new Uint8Array(4), prefixLength: 0 });
  const sa = node.initiate({
    local: { address, port: IKE_PORT }, remote: { address: segw, port: IKE_PORT },
    idi: { idType: IdType.ID_KEY_ID, data: idi }, psk,
    ikeProposals: specs("aes128gcm16-prfsha256-ecp256", "ike"), espProposals: specs("aes128gcm16", "esp"),
    tsi: [any], tsr: [any], requestVirtualIp: true, nattPorts: { local: NATT_PORT, remote: NATT_PORT },
  });
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve("timeout"), 5000).unref());
  const result = await Promise.race([done, timeout]);
  const sockets = io.sockets;
  return {
    result,
    virtualIp: sa.virtualIp,
    send: (packet) => tunnels.send(sa, packet),
    sendUnchecked: (packet) => {
      const t = tunnels.findOutbound(sa);
      const esp = t?.outbound.encapsulate(packet, 4);
      if (!t || !esp || !(esp instanceof Uint8Array)) return false;
      sockets.sendEsp(esp, sa.remote);
      return true;
    },
    async close() {
      node.shutdown();
      await new Promise((r) => setTimeout(r, 20));
      sockets.close();
    },
  };
}

/** One handshake attempt, then close: "up" or the failure's reason. */
export async function tryHandshake(address: string, segw: string, idi: Uint8Array, psk: Uint8Array): Promise<string> {
  const client = await openIkeClient(address, segw, idi, psk);
  await client.close();
  return client.result;
}
