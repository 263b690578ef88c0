/**
 * One worker process as the primary sees it: forked, started with its configuration, called with
 * a timeout, and watched. Calls to a worker that is down or does not answer fail; they never hang.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SegwConfig } from "../config.js";
import type { SegwEvent } from "../control-api/events.js";
import type { FromWorker, ToWorker, WorkerCalls, WorkerOp } from "./ipc.js";

const WORKER_MAIN = fileURLToPath(new URL("./worker-main.js", import.meta.url));
/** A store call is a map lookup: a worker that takes longer is stuck or gone. */
const CALL_TIMEOUT_MS = 5000;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5000;

/** A worker process that could not start (its sockets refused, or it exited or hung while starting). */
export class WorkerStartError extends Error {
  override readonly name = "WorkerStartError";
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export interface WorkerProcessHooks {
  readonly onEvent: (enbName: string, event: SegwEvent) => void;
  /** The process ended without being asked to (not called after stop()). */
  readonly onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export class WorkerProcess {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopping = false;
  private exited = false;
  /** Clock time from which this worker takes new UEs (set by the primary when it restarts a worker). */
  newUesFrom = 0;
  readonly exit: Promise<void>;

  private constructor(readonly index: number, private readonly child: ChildProcess, hooks: WorkerProcessHooks) {
    child.on("message", (m: FromWorker) => {
      if (m.type === "event") return hooks.onEvent(m.enbName, m.event);
      if (m.type === "reply" || m.type === "failed") this.settle(m);
    });
    this.exit = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exited = true;
        for (const p of this.pending.values()) this.fail(p, new Error(`worker ${index} exited`));
        this.pending.clear();
        if (!this.stopping) hooks.onExit(code, signal);
        resolve();
      });
    });
  }

  /** Forks worker `index` and waits until its sockets are bound. @throws WorkerStartError if it cannot start. */
  static async start(config: SegwConfig, index: number, hooks: WorkerProcessHooks): Promise<WorkerProcess> {
    const child = fork(WORKER_MAIN, [], { serialization: "advanced", execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new WorkerStartError(`worker ${index} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      const done = (e?: Error) => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        if (e) reject(e);
        else resolve();
      };
      const onMessage = (m: FromWorker) => {
        if (m.type === "ready") done();
        if (m.type === "start-failed") done(new WorkerStartError(`worker ${index}: ${m.error}`));
      };
      const onExit = (code: number | null) => done(new WorkerStartError(`worker ${index} exited with ${code} while starting`));
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
    child.send({ type: "start", config, index, count: config.workers.length } satisfies ToWorker);
    try {
      await ready;
    } catch (e) {
      child.kill("SIGKILL");
      throw e;
    }
    return new WorkerProcess(index, child, hooks);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exited && !this.stopping;
  }

  /** Calls `op` in the worker. Rejects if the worker is down, fails the call, or takes over 5 s. */
  call<K extends WorkerOp>(op: K, args: WorkerCalls[K]["args"]): Promise<WorkerCalls[K]["result"]> {
    if (!this.alive) return Promise.reject(new Error(`worker ${this.index} is down`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`worker ${this.index} did not answer ${op} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.send({ type: "call", id, op, args } satisfies ToWorker);
    });
  }

  /** Asks the worker to delete its SAs and exit; kills it if it has not within 5 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.stopping = true;
    this.child.send({ type: "stop" } satisfies ToWorker);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await this.exit;
    clearTimeout(timer);
  }

  private settle(m: Extract<FromWorker, { type: "reply" | "failed" }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.type === "reply") p.resolve(m.value);
    else p.reject(new Error(`worker ${this.index}: ${m.error}`));
  }

  private fail(p: Pending, e: Error): void {
    clearTimeout(p.timer);
    p.reject(e);
  }
}
