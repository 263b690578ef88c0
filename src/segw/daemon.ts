/**
 * `lwip segw`: the LWIP-SeGW of TS 33.401 clause 16, wired from its parts. UEs reach it over
 * IKEv2/ESP (src/ike, src/dataplane); eNBs provision it over the control API and exchange their
 * UEs' LWIPEP packets with it in GTP-U (src/segw/user-plane.ts). This file only connects them:
 * startSegwCore is one SeGW process's IKE, ESP, GTP-U and store (each worker of src/segw/workers
 * runs one); startSegw adds the control API and the metrics endpoint for the one-process SeGW.
 */
import { readFileSync } from "node:fs";
import { EspTunnels, type Tunnel } from "../dataplane/esp-tunnels.js";
import type { ChildSaSink, KeyExport } from "../ike/context.js";
import { IkeNode } from "../ike/ike-node.js";
import { createRandomPool } from "../ike/crypto/random-pool.js";
import type { IkeEvent } from "../ike/events.js";
import type { ChildSa } from "../ike/sa/child-sa.js";
import type { IkeSa } from "../ike/sa/ike-sa.js";
import { systemClock, type Clock } from "../io/clock.js";
import { Counters } from "../io/counters.js";
import { createLogger, type LogFields, type Logger } from "../io/log.js";
import { RateLimitedLog } from "../io/rate-limited-log.js";
import { spiHex } from "../ike/sa/child-sa.js";
import { IkeUdpSockets } from "../io/udp.js";
import { openUdpSocket, type UdpSocket } from "../io/udp-socket.js";
import { fromHex } from "../wire/hex.js";
import type { SegwConfig } from "./config.js";
import { startControlApi, type ControlApi } from "./control-api/index.js";
import { releaseRequiredEvent, SegwEventBus, tunnelDownEvent, tunnelUpEvent, type SegwEvent } from "./control-api/events.js";
import { StoreRegistry } from "./control-api/ue-registry.js";
import { Causes } from "./control-api/xwap.js";
import { carriesCookie, isIkeSaInitRequest } from "./ike-gate.js";
import { SegwMetrics, startMetricsServer, type MetricsServer } from "./metrics.js";
import { ProvisioningStore, type ProvisioningEntry, type ReleaseReason } from "./provisioning-store.js";
import { IkeSaInitLimiter } from "./rate-limit.js";
import { enbSelectors, segwResponderPolicy } from "./responder-policy.js";
import { BoundUeSession, UeSessions } from "./ue-sessions.js";
import { SegwUserPlane } from "./user-plane.js";
import { NdsIpZb } from "./nds-ip.js";
import { formatEndpoint, type Endpoint } from "../ike/endpoint.js";
import { GTPU_UDP_PORT } from "../gtpu/constants.js";

/** One SeGW process's IKE, ESP, GTP-U and provisioning store: the whole SeGW but its control API and metrics endpoint. */
export interface SegwCore {
  readonly node: IkeNode;
  readonly store: ProvisioningStore;
  readonly sessions: UeSessions;
  readonly counters: Counters;
  readonly metrics: SegwMetrics;
  readonly userPlane: SegwUserPlane;
  /** Log of dropped packets (ESP, user plane, GTP-U, IKE_SA_INIT gate), rate-limited per reason. */
  readonly dropLog: RateLimitedLog;
  /** The control API's view of the store. */
  readonly registry: StoreRegistry;
  readonly gtpuPort: number;
  /** Graceful stop: Delete to every UE, then close every socket. */
  stop(): Promise<void>;
}

/** The one-process SeGW: the core, its control API and its metrics endpoint. */
export interface Segw extends SegwCore {
  readonly controlApiPort: number;
  /** Graceful stop: Delete to every UE, then close every socket and server. */
  stop(): Promise<void>;
}

export interface SegwDeps {
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Debugging only (the demo's --out): every IKE and ESP key, for Wireshark's decryption tables. */
  readonly exportKeys?: (k: KeyExport) => void;
}

export interface SegwCoreDeps extends SegwDeps {
  /** Where the core's events for an eNB go (the control API's event bus, here or in the primary process). */
  readonly publish: (enbName: string, event: SegwEvent) => void;
  /** Worker `index` of `count`: the share of WT UE XwAP IDs this store allocates. */
  readonly worker?: { readonly index: number; readonly count: number };
}

/** Milliseconds a stop waits for the Deletes to leave before closing sockets. */
const STOP_GRACE_MS = 200;

interface Io {
  ike?: IkeUdpSockets;
  /** NDS/IP built in, with the backhaul on another address than the UEs' side: IKE/ESP for the eNBs there. */
  backhaulIke?: IkeUdpSockets;
  gtpu?: UdpSocket;
}

/**
 * Starts the one-process SeGW (config.workers empty; src/segw/workers runs the others).
 * @throws Error if a socket cannot be bound or a TLS file is unusable.
 */
export async function startSegw(config: SegwConfig, deps: SegwDeps = {}): Promise<Segw> {
  const log = deps.log ?? createLogger(config.log.level);
  const bus = new SegwEventBus();
  const core = await startSegwCore(config, { ...deps, log, publish: (enb, e) => bus.publish(enb, e) });
  let api: ControlApi | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    api = await startControlApi({
      listen: config.controlApi.listen,
      port: config.controlApi.port,
      tls: readTls(config),
      enbs: controlApiEnbs(config),
      registry: core.registry, events: bus, log, counters: core.counters,
    });
    metricsServer = config.metrics ? await startMetricsServer(config.metrics.listen, config.metrics.port, core.metrics) : undefined;
  } catch (e) {
    // Nothing may keep running (and keep the process alive) after a failed start.
    await api?.close();
    await core.stop();
    throw e;
  }
  const controlApi = api;
  log.info("segw", "LWIP-SeGW running", { ike: config.ike.listen, controlApiPort: controlApi.port, gtpuPort: core.gtpuPort, enbs: config.enbs.map((e) => e.name) });
  return {
    ...core,
    controlApiPort: controlApi.port,
    async stop() {
      await core.stop();
      await controlApi.close();
      await metricsServer?.close();
    },
  };
}

/** The control API's TLS credentials (PEM texts). */
export function readTls(config: SegwConfig): { cert: string; key: string; ca: string; crl?: string } {
  const t = config.controlApi.tls;
  return {
    cert: readFileSync(t.cert, "utf8"), key: readFileSync(t.key, "utf8"), ca: readFileSync(t.ca, "utf8"),
    ...(t.crl === undefined ? {} : { crl: readFileSync(t.crl, "utf8") }),
  };
}

/** The configured eNBs as the control API identifies them. */
export function controlApiEnbs(config: SegwConfig): { name: string; certificateIdentity: string; gtpAddress: string }[] {
  return config.enbs.map((e) => ({ name: e.name, certificateIdentity: e.certificateIdentity, gtpAddress: e.gtpAddress }));
}

/** Starts one SeGW process's core. @throws Error if a socket cannot be bound. */
export async function startSegwCore(config: SegwConfig, deps: SegwCoreDeps): Promise<SegwCore> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? createLogger(config.log.level);
  const counters = new Counters();
  // The store indexes entries by our TEID already: sessions are found through it (no second index per UE).
  const sessions = new UeSessions((teid) => store.byGtpTeid(teid)?.idiHex);
  const io: Io = {};
  const bus = { publish: deps.publish };
  const enbs = new Map(config.enbs.map((e) => [e.name, e]));
  const r = config.rateLimits;
  const userPlane = new SegwUserPlane({
    uplinkPerUe: { packets: { perSecond: r.uePacketsPerSecond, burst: r.uePacketsPerSecond }, bytes: { perSecond: r.ueBytesPerSecond, burst: r.ueBytesPerSecond } },
    uplinkPerEnb: { packets: { perSecond: r.enbPacketsPerSecond, burst: r.enbPacketsPerSecond }, bytes: { perSecond: r.enbBytesPerSecond, burst: r.enbBytesPerSecond } },
    now: () => clock.now(),
  });
  const store: ProvisioningStore = new ProvisioningStore({
    clock, log, counters,
    releaseRequiredSeconds: config.provisioning.releaseRequiredSeconds,
    defaultWindowSeconds: config.provisioning.windowSeconds,
    maxWindowSeconds: config.provisioning.maxWindowSeconds,
    maxEntries: config.provisioning.maxEntries,
    maxEntriesPerEnb: new Map(config.enbs.flatMap((e) => (e.maxUes === undefined ? [] : [[e.name, e.maxUes] as const]))),
    onRelease: (entry, reason) => releaseTunnel(entry, reason),
    ...(deps.worker ? { wtUeXwapIdShare: deps.worker } : {}),
  });
  const registry = new StoreRegistry(store, { gtpu: config.gtpu.advertiseAddress, ip: deps.worker ? config.ike.listen : undefined });
  const metrics = new SegwMetrics({ counters, activeUes: () => sessions.size, provisioningEntries: () => store.size });
  const dropLog = new RateLimitedLog({ clock, log, subsys: "segw" });
  /** A refused packet: counted by reason, and logged rate-limited with identifiers only (never its contents). */
  function refusePacket(reason: string, fields?: () => LogFields): void {
    metrics.drop(reason);
    dropLog.note(reason, "packet dropped", fields);
  }

  const tunnels = new EspTunnels({
    sendEsp: (p, to, local) => ikeSocketsFor(local).sendEsp(p, to),
    deliver: (p, t) => fromTunnel(p, t),
    // The SA's selectors are the first policy check (TS 33.401 16.2.2); its drops count with the user plane's.
    onDrop: (reason, spi, remote) => refusePacket(`esp-${reason}`, () => ({ spi: spi === undefined ? null : spiHex(spi), remote: formatEndpoint(remote) })),
  }, counters);
  const zb = config.gtpu.ndsIp === "builtin" ? new NdsIpZb(config, tunnels) : undefined;
  const sink: ChildSaSink = {
    install: (sa, child) => {
      tunnels.install(sa, child);
      if (!zb?.noteInstalled(sa)) bindSession(sa, child);
    },
    remove: (sa, child) => {
      tunnels.remove(sa, child);
      if (sa.children.length === 0) zb?.forget(sa);
    },
    rehome: (from, to) => {
      tunnels.rehome(from, to);
      sessions.rehome(from, to);
      zb?.rehome(from, to);
    },
  };
  const node = new IkeNode({
    clock, log, counters, sink,
    // SPIs, nonces, IVs: a handshake asks several times, and each getrandom costs as much as 4 KiB.
    random: createRandomPool(),
    sender: { send: (m, local, remote) => ikeSocketsFor(local)?.sendIke(m, local, remote) },
    onEvent: (e) => onIkeEvent(e),
    policy: { ...segwResponderPolicy(config, store, metrics), ...(zb ? { certificates: zb.certificates() } : {}) },
    timing: { retransmitMs: [1000, 2000, 4000, 8000], halfOpenMs: config.ike.halfOpenSeconds * 1000, dpdMs: config.ike.dpdSeconds * 1000 },
    fragmentSize: config.ike.fragmentSize,
    ...(deps.exportKeys ? { exportKeys: deps.exportKeys } : {}),
  });

  /** Each eNB's LWIP endpoint addresses, one array for all its UEs' bindings. */
  const lwipEndpointsOf = new Map(config.enbs.map((e) => [e.name, enbSelectors(e).map((s) => s.startAddress)]));

  /** A UE's CHILD SA is up: bind its inner address to its eNB's GTP tunnels (TS 36.464: one up, one down per UE). */
  function bindSession(sa: IkeSa, child: ChildSa): void {
    const idi = sa.idiHex;
    const entry = idi === null ? undefined : store.getByIdiHex(idi);
    const enb = entry ? enbs.get(entry.enbName) : undefined;
    const tep = entry?.enbGtpTunnelEndpoint;
    if (!entry || !enb || !sa.virtualIp || idi === null) return;
    if (child.rekeyOf && sessions.get(idi)) return;
    sessions.add(new BoundUeSession(sa, {
      idi,
      virtualIp: sa.virtualIp,
      enbName: enb.name,
      enbLwipEndpoints: lwipEndpointsOf.get(enb.name) ?? [],
      enbGtp: { address: tep?.transportLayerAddress ?? enb.gtpAddress, port: GTPU_UDP_PORT, teid: tep ? u32(tep.gtpTeid) : 0 },
      segwTeid: u32(entry.segwGtpTeid),
    }));
    bus.publish(enb.name, tunnelUpEvent(entry));
  }

  function onIkeEvent(e: IkeEvent): void {
    if (e.event !== "ike-sa-down" || e.idi === null || e.reason === "rekeyed") return;
    const session = sessions.remove(e.idi);
    if (session) userPlane.releaseUe(session.binding);
    const entry = store.get(fromHex(e.idi) ?? new Uint8Array(0));
    // Without a session, the entry is this SA's only if the SA consumed its PSK and never carried a
    // tunnel (its CHILD SA refused in IKE_AUTH, e.g. FAILED_CP_REQUIRED): the eNB must provision afresh.
    const tunnelless = !session && entry?.state === "connected" && entry.tunnel?.ikeSpiI === e.spiI;
    if (!entry || (!session && !tunnelless)) return;
    if (session?.releasedByEnb || e.reason === "shutdown") {
      bus.publish(entry.enbName, tunnelDownEvent(entry, e.reason));
      return;
    }
    // The tunnel ended without the eNB asking (UE-side delete, liveness failure): LWIP RELEASE REQUIRED (TS 36.463).
    const cause = e.reason === "dpd-timeout" || e.reason === "retransmit-timeout" ? Causes.radioConnectionLost : Causes.radioUnspecified;
    const marked = store.markReleaseRequired(entry.idi, cause);
    bus.publish(entry.enbName, releaseRequiredEvent(marked ?? entry, cause, e.reason));
  }

  /** The store let go of an entry: delete the UE's SAs with a Delete notification (eNB release, replacement, shutdown). */
  function releaseTunnel(entry: ProvisioningEntry, reason: ReleaseReason): void {
    const idi = Buffer.from(entry.idi).toString("hex");
    const session = sessions.get(idi);
    log.info("segw", "UE released", { idi, enb: entry.enbName, reason });
    // 16.2.2 NOTE: the PSK and the IDi are gone; the eNB hears it, or it would wait for this UE for ever.
    if (reason === "window-expired") return bus.publish(entry.enbName, tunnelDownEvent(entry, reason));
    if (!session) return;
    // Released now: no more forwarding for this UE while the Delete is on its way (the UE may be unreachable).
    sessions.remove(idi);
    userPlane.releaseUe(session.binding);
    session.releasedByEnb = true;
    node.deleteIke(session.sa);
    // The entry is gone already, so the SA's end cannot report it later: tell the eNB now.
    bus.publish(entry.enbName, tunnelDownEvent(entry, reason));
  }

  /** A packet out of a tunnel: GTP-U from an eNB's Zb SA, or a UE's LWIPEP. */
  function fromTunnel(packet: Uint8Array, t: Tunnel): void {
    if (!zb?.isZb(t.ikeSa)) return uplink(packet, t);
    const g = zb.receive(packet);
    if (!g) return refusePacket("zb-not-gtpu", () => ({ sa: t.ikeSa.name }));
    downlink(g.gtpu, g.from);
  }

  /** GTP-U to an eNB: inside its NDS/IP SA when built in, else as plain UDP (platform mode). */
  function sendGtpu(bytes: Uint8Array, to: Endpoint): void {
    if (!zb) return io.gtpu?.send(bytes, to);
    if (!zb.send(bytes, to)) refusePacket("no-nds-ip-sa", () => ({ to: to.address }));
  }

  function uplink(packet: Uint8Array, t: Tunnel): void {
    const idi = t.ikeSa.idiHex;
    const session = idi === null ? undefined : sessions.get(idi);
    // The log fields are built on refusal only: no allocation per forwarded packet.
    if (!session) return refusePacket("no-session", () => ({ idi, sa: t.ikeSa.name }));
    const out = userPlane.uplink(packet, session.binding);
    if (!out.ok) return refusePacket(out.drop, () => ({ idi, sa: t.ikeSa.name }));
    metrics.uplink(packet.length);
    sendGtpu(out.gtpu, out.to);
  }

  function downlink(bytes: Uint8Array, from: { address: string; port: number }): void {
    const r = userPlane.downlink(bytes, (teid) => sessions.bindingByTeid(teid), from.address);
    if (!r.ok) return refusePacket(r.drop, () => ({ from: from.address }));
    if (r.kind === "reply") return sendGtpu(r.reply, from);
    if (r.kind === "signalling") return log.info("segw", "GTP-U signalling", { kind: r.message.kind, from: from.address });
    const session = sessions.get(r.ue.idi);
    if (!session || !tunnels.send(session.sa, r.innerPacket)) return refusePacket("no-tunnel", () => ({ idi: r.ue.idi }));
    metrics.downlink(r.innerPacket.length);
  }

  const initLimiter = new IkeSaInitLimiter<string>({
    perSource: { packets: { perSecond: r.ikeSaInitPerSourcePerSecond, burst: r.ikeSaInitPerSourcePerSecond } },
    overall: { packets: { perSecond: r.ikeSaInitPerSecond, burst: r.ikeSaInitPerSecond } },
    maxSources: 65536,
  }, clock.now());
  const ikeHandlers = {
    onIke: (m: Uint8Array, remote: Endpoint, local: Endpoint) => {
      if (isIkeSaInitRequest(m)) {
        const now = clock.now();
        // In cookie mode the engine answers statelessly; a cookie retry is verified before any DH.
        const cheap = carriesCookie(m) || node.halfOpenCount >= r.halfOpenCookieThreshold;
        const allowed = cheap ? initLimiter.allowPerSourceOnly(remote.address, m.length, now) : initLimiter.allow(remote.address, m.length, now);
        if (!allowed) return refusePacket("ike-sa-init-rate", () => ({ remote: remote.address }));
        if (node.halfOpenCount >= r.halfOpenMax) return refusePacket("half-open-max", () => ({ remote: remote.address }));
      }
      node.receive(m, remote, local);
    },
    onEsp: (p: Uint8Array, spi: number, remote: Endpoint) => tunnels.receive(p, spi, remote),
    onInvalid: (reason: string, remote: Endpoint) => refusePacket(`udp-${reason}`, () => ({ remote: formatEndpoint(remote) })),
  };
  const ikeSockets = await IkeUdpSockets.open({ address: config.ike.listen, ikePort: config.ike.ikePort, nattPort: config.ike.nattPort }, ikeHandlers);
  io.ike = ikeSockets;
  if (zb && config.gtpu.listen !== config.ike.listen) {
    io.backhaulIke = await IkeUdpSockets.open({ address: config.gtpu.listen, ikePort: config.ike.ikePort, nattPort: config.ike.nattPort }, ikeHandlers);
  }
  /** The sockets of the address an SA runs on (the UEs' side, or the backhaul for NDS/IP peers). */
  function ikeSocketsFor(local: Endpoint): IkeUdpSockets {
    return io.backhaulIke && local.address === config.gtpu.listen ? io.backhaulIke : ikeSockets;
  }
  // With NDS/IP built in, GTP-U outside the eNBs' Zb SAs is dropped and counted (TS 33.401 16.1).
  io.gtpu = await openUdpSocket(config.gtpu.listen, config.gtpu.port, (bytes, from) => (zb ? refusePacket("gtpu-outside-nds-ip", () => ({ from: from.address })) : downlink(bytes, from)));
  if (!zb) log.warn("segw", "gtpu.ndsIp is platform: GTP-U towards the eNBs is not protected by lwip itself; NDS/IP (TS 33.210 Zb) must come from the host's IPsec", { gtpu: `${config.gtpu.listen}:${io.gtpu.local.port}` });
  return {
    node, store, sessions, counters, metrics, userPlane, dropLog, registry,
    gtpuPort: io.gtpu.local.port,
    async stop() {
      node.shutdown();
      store.releaseAll("shutdown");
      await new Promise((res) => setTimeout(res, STOP_GRACE_MS));
      io.ike?.close();
      io.backhaulIke?.close();
      io.gtpu?.close();
      dropLog.flush();
    },
  };
}

function u32(b: Uint8Array): number {
  return (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
}
