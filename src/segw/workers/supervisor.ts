/**
 * The worker processes of a multi-worker SeGW, kept running: started together, each restarted with
 * back-off when it dies (its UEs' tunnels die with it), and stopped in order. A restarted worker
 * takes new UEs only after a grace period (see RESTART_GRACE_MS).
 */
import type { Clock } from "../../io/clock.js";
import type { Counters } from "../../io/counters.js";
import type { Logger } from "../../io/log.js";
import type { SegwConfig } from "../config.js";
import type { HealthReport } from "../control-api/index.js";
import type { SegwEvent } from "../control-api/events.js";
import type { WorkerCalls, WorkerOp } from "./ipc.js";
import { WorkerProcess } from "./worker-process.js";

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

export interface SupervisorHooks {
  readonly log: Logger;
  readonly clock: Clock;
  readonly counters: Counters;
  readonly restartGraceMs?: number;
  /** A worker's event for an eNB. */
  readonly onEvent: (enbName: string, event: SegwEvent) => void;
  /** A worker died, or came back after dying: the eNBs must look again at what the SeGW holds. */
  readonly onWorkersChanged: () => void;
}

interface Slot {
  process: WorkerProcess | undefined;
  restarts: number;
  backoffMs: number;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
}

export class WorkerSupervisor {
  private readonly slots: Slot[];
  private stopping = false;

  constructor(private readonly config: SegwConfig, private readonly hooks: SupervisorHooks) {
    this.slots = config.workers.map(() => ({ process: undefined, restarts: 0, backoffMs: RESTART_FIRST_MS, startedAt: 0, timer: undefined }));
  }

  /** Starts every worker. @throws WorkerStartError once every start has settled and the started ones are stopped. */
  async start(): Promise<void> {
    // Every launch settles before a failure is reported, so that no worker still starting is left behind.
    const launched = await Promise.allSettled(this.slots.map((_, i) => this.launch(i)));
    const failed = launched.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (!failed) return;
    await this.stop();
    throw failed.reason;
  }

  /** The worker slots by index; undefined while a worker restarts. */
  readonly processes = (): readonly (WorkerProcess | undefined)[] => this.slots.map((s) => s.process);

  /** `op` on every live worker; a worker that fails or dies meanwhile is left out. */
  async callAll<K extends WorkerOp>(op: K, args: WorkerCalls[K]["args"]): Promise<WorkerCalls[K]["result"][]> {
    const calls = this.slots.flatMap((s) => (s.process?.alive ? [s.process.call(op, args).then((v) => ({ v }), () => undefined)] : []));
    return (await Promise.all(calls)).flatMap((r) => (r ? [r.v] : []));
  }

  health(): HealthReport {
    const up = this.slots.filter((s) => s.process?.alive === true).length;
    return { status: up === this.slots.length ? "ok" : up > 0 ? "degraded" : "down", workers: { up, total: this.slots.length } };
  }

  status(): WorkerStatus[] {
    return this.slots.map((s, index) => ({
      index, ike: this.config.workers[index]?.ike ?? "", gtpu: this.config.workers[index]?.gtpu ?? "",
      pid: s.process?.pid, alive: s.process?.alive ?? false, restarts: s.restarts,
    }));
  }

  /** Stops every worker (each deletes its UEs' SAs first); no restart after this. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const s of this.slots) clearTimeout(s.timer);
    await Promise.all(this.slots.map((s) => s.process?.stop()));
  }

  private async launch(index: number): Promise<void> {
    const slot = this.slots[index];
    if (!slot) return;
    slot.process = await WorkerProcess.start(this.config, index, {
      onEvent: this.hooks.onEvent,
      onExit: (code, signal) => this.lost(index, code, signal),
    });
    slot.startedAt = this.hooks.clock.now();
  }

  private lost(index: number, code: number | null, signal: NodeJS.Signals | null): void {
    const slot = this.slots[index];
    if (!slot || this.stopping) return;
    slot.process = undefined;
    this.hooks.counters.add("segw_worker_exits");
    if (this.hooks.clock.now() - slot.startedAt >= RESTART_RESET_MS) slot.backoffMs = RESTART_FIRST_MS;
    this.hooks.log.error("segw", "worker exited; its UEs' tunnels are gone, restarting it", { worker: index, code, signal: signal ?? null, restartInMs: slot.backoffMs });
    // Each eNB reconnects, lists its UEs and sets up again those that are gone.
    this.hooks.onWorkersChanged();
    slot.timer = setTimeout(() => void this.relaunch(index), slot.backoffMs);
    slot.backoffMs = Math.min(RESTART_MAX_MS, slot.backoffMs * 2);
  }

  private async relaunch(index: number): Promise<void> {
    const slot = this.slots[index];
    if (!slot || this.stopping) return;
    slot.restarts++;
    try {
      await this.launch(index);
      const graceMs = this.hooks.restartGraceMs ?? RESTART_GRACE_MS;
      if (slot.process) slot.process.newUesFrom = this.hooks.clock.now() + graceMs;
      this.hooks.log.info("segw", "worker restarted", { worker: index, pid: slot.process?.pid ?? null, newUesInMs: graceMs });
      // Again, now that it is back: each eNB checks its NDS/IP SAs, finds the one to this worker dead and sets it up anew.
      this.hooks.onWorkersChanged();
    } catch (e) {
      this.lost(index, null, null);
      this.hooks.log.error("segw", "worker restart failed", { worker: index, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
