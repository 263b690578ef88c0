/**
 * The multi-worker SeGW (config `workers`): this process runs the control API, the eNBs' event
 * streams and the metrics endpoint; each worker process runs IKE, ESP, GTP-U and a provisioning
 * store on its own UE-side and backhaul addresses (worker-main.ts). No packet crosses processes:
 * the eNB tells each UE the address of the worker that holds it (TS 36.331 ip-Address-r13,
 * TS 33.401 16.2.1), and sends its GTP-U and NDS/IP SA to that worker's backhaul address.
 *
 * A worker that dies takes its UEs' tunnels with it. The primary restarts it with back-off and
 * ends every event stream, so each eNB reconnects, lists its UEs, and sets up afresh those that
 * are gone (as after a SeGW restart, TS 33.401 16.2.1/16.2.3 with the next LWIP counter).
 */
import { systemClock, type Clock } from "../../io/clock.js";
import { Counters } from "../../io/counters.js";
import { createLogger, type Logger } from "../../io/log.js";
import type { SegwConfig } from "../config.js";
import { startControlApi, type ControlApi, type HealthReport } from "../control-api/index.js";
import { SegwEventBus } from "../control-api/events.js";
import type { UeRegistry } from "../control-api/ue-registry.js";
import { controlApiEnbs, readTls } from "../daemon.js";
import { SegwMetrics, startMetricsServer, type MetricsServer } from "../metrics.js";
import { WorkerProcess } from "./worker-process.js";
import { WorkersRegistry } from "./workers-registry.js";

const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before dying starts its back-off afresh. */
const RESTART_RESET_MS = 60_000;
/**
 * A restarted worker takes new UEs only after this long: each eNB still has its NDS/IP SA to the
 * dead worker, and finds it dead by the liveness check it runs when its event stream reopens (the
 * stream is ended again once the worker is back): about 2 s to reconnect plus 7 s of retransmissions.
 */
const RESTART_GRACE_MS = 15_000;

export interface WorkerStatus {
  readonly index: number;
  readonly ike: string;
  readonly gtpu: string;
  readonly pid: number | undefined;
  readonly alive: boolean;
  readonly restarts: number;
}

export interface SegwWorkers {
  readonly controlApiPort: number;
  readonly metricsPort: number | undefined;
  /** The control API's counters (the workers' are in metrics). */
  readonly counters: Counters;
  readonly metrics: SegwMetrics;
  /** The workers' stores as the control API uses them (benchmarks provision through it without TLS). */
  readonly registry: UeRegistry;
  workers(): WorkerStatus[];
  /** What GET /healthz says: ok, degraded (a worker is restarting), down (none running). */
  health(): HealthReport;
  /** Whether some worker holds an established IKE SA for this IDi (hex). */
  hasEstablishedSa(idiHex: string): Promise<boolean>;
  /** IKE SAs and UEs with a tunnel, all workers together. */
  stats(): Promise<{ ikeSas: number; activeUes: number }>;
  /** Graceful stop: every worker deletes its UEs' SAs and exits; then the servers close. */
  stop(): Promise<void>;
}

interface Slot {
  process: WorkerProcess | undefined;
  restarts: number;
  backoffMs: number;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
}

/** Starts the primary and every worker. @throws Error if a worker or a server cannot start. */
export async function startSegwWorkers(config: SegwConfig, deps: { readonly log?: Logger; readonly clock?: Clock; readonly restartGraceMs?: number } = {}): Promise<SegwWorkers> {
  const log = deps.log ?? createLogger(config.log.level);
  const clock = deps.clock ?? systemClock;
  const counters = new Counters();
  const bus = new SegwEventBus();
  const slots: Slot[] = config.workers.map(() => ({ process: undefined, restarts: 0, backoffMs: RESTART_FIRST_MS, startedAt: 0, timer: undefined }));
  let stopping = false;
  /** Set once the control API runs (a worker can only be lost after that). */
  let endEventStreams = (): void => undefined;

  async function launch(index: number): Promise<void> {
    const slot = slots[index];
    if (!slot) return;
    slot.process = await WorkerProcess.start(config, index, {
      onEvent: (enbName, event) => bus.publish(enbName, event),
      onExit: (code, signal) => lost(index, code, signal),
    });
    slot.startedAt = clock.now();
  }

  function lost(index: number, code: number | null, signal: NodeJS.Signals | null): void {
    const slot = slots[index];
    if (!slot || stopping) return;
    slot.process = undefined;
    counters.add("segw_worker_exits");
    if (clock.now() - slot.startedAt >= RESTART_RESET_MS) slot.backoffMs = RESTART_FIRST_MS;
    log.error("segw", "worker exited; its UEs' tunnels are gone, restarting it", { worker: index, code, signal: signal ?? null, restartInMs: slot.backoffMs });
    // Each eNB reconnects, lists its UEs and sets up again those that are gone.
    endEventStreams();
    slot.timer = setTimeout(() => void relaunch(index), slot.backoffMs);
    slot.backoffMs = Math.min(RESTART_MAX_MS, slot.backoffMs * 2);
  }

  async function relaunch(index: number): Promise<void> {
    const slot = slots[index];
    if (!slot || stopping) return;
    slot.restarts++;
    try {
      await launch(index);
      const graceMs = deps.restartGraceMs ?? RESTART_GRACE_MS;
      if (slot.process) slot.process.newUesFrom = clock.now() + graceMs;
      log.info("segw", "worker restarted", { worker: index, pid: slot.process?.pid ?? null, newUesInMs: graceMs });
      // Again, now that it is back: each eNB checks its NDS/IP SAs, finds the one to this worker dead and sets it up anew.
      endEventStreams();
    } catch (e) {
      lost(index, null, null);
      log.error("segw", "worker restart failed", { worker: index, error: e instanceof Error ? e.message : String(e) });
    }
  }

  const live = () => slots.map((s) => s.process);
  const health = (): HealthReport => {
    const up = slots.filter((s) => s.process?.alive === true).length;
    return { status: up === slots.length ? "ok" : up > 0 ? "degraded" : "down", workers: { up, total: slots.length } };
  };
  // Every launch settles before a failure is reported, so that no worker still starting is left behind.
  const launched = await Promise.allSettled(config.workers.map((_, i) => launch(i)));
  const failed = launched.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(live().map((w) => w?.stop()));
    throw failed.reason;
  }
  const metrics: SegwMetrics = new SegwMetrics({
    counters,
    workersUp: () => health().workers?.up ?? 0,
    // A worker that dies during the scrape is left out of it rather than failing it.
    beforeScrape: async (): Promise<void> => {
      const snapshots = await Promise.all(live().flatMap((w) => (w?.alive ? [w.call("metrics", null).catch(() => undefined)] : [])));
      metrics.setWorkerSnapshots(snapshots.filter((x) => x !== undefined));
    },
  });
  const registry = new WorkersRegistry(live, clock);
  let controlApi: ControlApi | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    controlApi = await startControlApi({
      listen: config.controlApi.listen, port: config.controlApi.port, tls: readTls(config), enbs: controlApiEnbs(config),
      registry, events: bus, log, counters, health,
    });
    metricsServer = config.metrics ? await startMetricsServer(config.metrics.listen, config.metrics.port, metrics) : undefined;
  } catch (e) {
    stopping = true;
    await controlApi?.close();
    await Promise.all(live().map((w) => w?.stop()));
    throw e;
  }
  const api = controlApi;
  endEventStreams = () => api.endEventStreams();
  log.info("segw", "LWIP-SeGW running", { workers: config.workers.map((w) => w.ike), controlApiPort: api.port, enbs: config.enbs.map((e) => e.name) });

  return {
    controlApiPort: api.port,
    metricsPort: metricsServer?.port,
    counters,
    metrics,
    registry,
    health,
    workers: () => slots.map((s, index) => ({
      index, ike: config.workers[index]?.ike ?? "", gtpu: config.workers[index]?.gtpu ?? "",
      pid: s.process?.pid, alive: s.process?.alive ?? false, restarts: s.restarts,
    })),
    async hasEstablishedSa(idiHex) {
      const found = await Promise.all(live().flatMap((w) => (w?.alive ? [w.call("established", { idiHex }).catch(() => false)] : [])));
      return found.includes(true);
    },
    async stats() {
      const all = await Promise.all(live().flatMap((w) => (w?.alive ? [w.call("stats", null)] : [])));
      return all.reduce((a, b) => ({ ikeSas: a.ikeSas + b.ikeSas, activeUes: a.activeUes + b.activeUes }), { ikeSas: 0, activeUes: 0 });
    },
    async stop() {
      stopping = true;
      for (const s of slots) clearTimeout(s.timer);
      await Promise.all(live().map((w) => w?.stop()));
      await api.close();
      await metricsServer?.close();
    },
  };
}
