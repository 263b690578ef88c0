/**
 * The control API's registry over the workers' stores. A UE goes to the worker chosen by its IDi
 * (the eNB chooses IDi octets at random, so this spreads UEs evenly), so the store that decides
 * about an IDi (replacement, "IDi provisioned by another eNB", single use) is normally the only one
 * that has seen it. While that worker is down or just restarted, the next live one takes its share;
 * lookups and releases therefore ask every live worker.
 */
import type { ProvisionOutcome, UeRegistry, UeView } from "../control-api/ue-registry.js";
import { Causes, type LwipAdditionRequest } from "../control-api/xwap.js";
import type { EntryKey } from "../provisioning-store.js";
import type { WorkerCalls, WorkerOp } from "./ipc.js";

/** What the registry needs of a worker (WorkerProcess; a fake in tests). */
export interface WorkerHandle {
  readonly alive: boolean;
  /** Clock time from which the worker takes new UEs (a restarted one waits for the eNBs' NDS/IP SAs to it). */
  readonly newUesFrom: number;
  call<K extends WorkerOp>(op: K, args: WorkerCalls[K]["args"]): Promise<WorkerCalls[K]["result"]>;
}

/** FNV-1a of the IDi octets: stable across restarts of the primary. */
function idiHash(idi: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of idi) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

export class WorkersRegistry implements UeRegistry {
  constructor(
    /** The worker slots, by index; undefined while a worker restarts. */
    private readonly workers: () => readonly (WorkerHandle | undefined)[],
    private readonly clock: { now(): number },
  ) {}

  now(): number {
    return this.clock.now();
  }

  private alive(): WorkerHandle[] {
    return this.workers().filter((w): w is WorkerHandle => w?.alive === true);
  }

  /**
   * The worker for an IDi: its own slot, or the next one while that is down or just restarted
   * (a restarted worker only when no other runs).
   */
  private workerFor(idi: Uint8Array): WorkerHandle | undefined {
    const slots = this.workers();
    const first = idiHash(idi) % Math.max(1, slots.length);
    const now = this.clock.now();
    const ordered = slots.map((_, k) => slots[(first + k) % slots.length]);
    return ordered.find((w) => w?.alive === true && now >= w.newUesFrom) ?? ordered.find((w) => w?.alive === true);
  }

  async provision(enbName: string, req: LwipAdditionRequest): Promise<ProvisionOutcome> {
    const worker = this.workerFor(req.ikeInitiatorIdentity);
    try {
      if (!worker) return { ok: false, cause: Causes.noResources, reason: "no SeGW worker running" };
      const outcome = await worker.call("provision", { enbName, req });
      if (outcome.ok) await Promise.allSettled(this.alive().filter((w) => w !== worker).map((w) => w.call("replace", { enbName, enbUeXwapId: req.enbUeXwapId, idi: req.ikeInitiatorIdentity })));
      return outcome;
    } catch (e) {
      return { ok: false, cause: Causes.noResources, reason: `SeGW worker unavailable (${e instanceof Error ? e.message : String(e)})` };
    } finally {
      // The worker's copy is its store's now; this process's copy goes.
      req.lwipPsk.fill(0);
    }
  }

  /** Asks every live worker: a UE provisioned while its own worker was down lives in another. */
  async find(enbName: string, key: EntryKey): Promise<UeView | undefined> {
    const found = await Promise.all(this.alive().map((w) => w.call("find", { enbName, key }).catch(() => undefined)));
    return found.find((v) => v !== undefined);
  }

  async release(enbName: string, idi: Uint8Array, reason: "enb-release" | "release-confirmed"): Promise<void> {
    await Promise.all(this.alive().map((w) => w.call("release", { enbName, idi, reason })));
  }

  async list(enbName: string): Promise<readonly UeView[]> {
    const lists = await Promise.all(this.alive().map((w) => w.call("list", { enbName }).catch(() => [])));
    return lists.flat();
  }
}
