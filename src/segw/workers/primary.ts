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
import { WorkerSupervisor, type WorkerStatus } from "./supervisor.js";
import { WorkersRegistry } from "./workers-registry.js";

export type { WorkerStatus };

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

/** Starts the primary and every worker. @throws Error if a worker or a server cannot start. */
export async function startSegwWorkers(config: SegwConfig, deps: { readonly log?: Logger; readonly clock?: Clock; readonly restartGraceMs?: number } = {}): Promise<SegwWorkers> {
  const log = deps.log ?? createLogger(config.log.level);
  const clock = deps.clock ?? systemClock;
  const counters = new Counters();
  const bus = new SegwEventBus();
  /** Set once the control API runs (a worker can only be lost after that). */
  let endEventStreams = (): void => undefined;
  const workers = new WorkerSupervisor(config, {
    log, clock, counters, ...(deps.restartGraceMs !== undefined ? { restartGraceMs: deps.restartGraceMs } : {}),
    onEvent: (enbName, event) => bus.publish(enbName, event),
    onWorkersChanged: () => endEventStreams(),
  });
  await workers.start();
  const metrics: SegwMetrics = new SegwMetrics({
    counters,
    workersUp: () => workers.health().workers?.up ?? 0,
    // A worker that dies during the scrape is left out of it rather than failing it.
    beforeScrape: async (): Promise<void> => metrics.setWorkerSnapshots(await workers.callAll("metrics", null)),
  });
  const registry = new WorkersRegistry(workers.processes, clock);
  const servers = await startServers(config, { registry, bus, log, counters, metrics, health: () => workers.health() }).catch(async (e: unknown) => {
    await workers.stop();
    throw e;
  });
  endEventStreams = () => servers.api.endEventStreams();
  log.info("segw", "LWIP-SeGW running", { workers: config.workers.map((w) => w.ike), controlApiPort: servers.api.port, enbs: config.enbs.map((e) => e.name) });
  return {
    controlApiPort: servers.api.port,
    metricsPort: servers.metrics?.port,
    counters, metrics, registry,
    health: () => workers.health(),
    workers: () => workers.status(),
    hasEstablishedSa: async (idiHex) => (await workers.callAll("established", { idiHex })).includes(true),
    async stats() {
      const all = await workers.callAll("stats", null);
      return all.reduce((a, b) => ({ ikeSas: a.ikeSas + b.ikeSas, activeUes: a.activeUes + b.activeUes }), { ikeSas: 0, activeUes: 0 });
    },
    async stop() {
      await workers.stop();
      await servers.api.close();
      await servers.metrics?.close();
    },
  };
}

/** The primary's control API and metrics endpoint; what started is closed again if the rest fails. */
async function startServers(config: SegwConfig, o: {
  readonly registry: WorkersRegistry; readonly bus: SegwEventBus; readonly log: Logger; readonly counters: Counters;
  readonly metrics: SegwMetrics; readonly health: () => HealthReport;
}): Promise<{ api: ControlApi; metrics: MetricsServer | undefined }> {
  const api = await startControlApi({
    listen: config.controlApi.listen, port: config.controlApi.port, tls: readTls(config), enbs: controlApiEnbs(config),
    registry: o.registry, events: o.bus, log: o.log, counters: o.counters, health: o.health,
  });
  try {
    return { api, metrics: config.metrics ? await startMetricsServer(config.metrics.listen, config.metrics.port, o.metrics) : undefined };
  } catch (e) {
    await api.close();
    throw e;
  }
}
