/**
 * The messages between the multi-worker SeGW's primary process and its workers, over the Node IPC
 * channel with the structured-clone ("advanced") serialization, so octets travel as Uint8Array.
 * Only the primary and its own children are on this channel: a LWIP-PSK crosses it once, from the
 * control API to the worker whose store then owns it (TS 33.401 16.2.3).
 */
import type { SegwConfig } from "../config.js";
import type { SegwEvent } from "../control-api/events.js";
import type { ProvisionOutcome, UeView } from "../control-api/ue-registry.js";
import type { LwipAdditionRequest } from "../control-api/xwap.js";
import type { MetricsSnapshot } from "../metrics.js";
import type { EntryKey } from "../provisioning-store.js";

/** What the primary asks of a worker, and what each answer carries. */
export interface WorkerCalls {
  provision: { args: { enbName: string; req: LwipAdditionRequest }; result: ProvisionOutcome };
  find: { args: { enbName: string; key: EntryKey }; result: UeView | undefined };
  /** After `provision` in another worker: drop this eNB's older entry for the same UE or IDi here (the store's replacement rule, across workers). */
  replace: { args: { enbName: string; enbUeXwapId: Uint8Array; idi: Uint8Array }; result: null };
  release: { args: { enbName: string; idi: Uint8Array; reason: "enb-release" | "release-confirmed" }; result: null };
  list: { args: { enbName: string }; result: UeView[] };
  metrics: { args: null; result: MetricsSnapshot };
  /** Whether this worker holds an established IKE SA for the IDi (hex). */
  established: { args: { idiHex: string }; result: boolean };
  /** IKE SAs held (operators and the benchmark's steady-state runs). */
  stats: { args: null; result: { ikeSas: number; activeUes: number } };
}

export type WorkerOp = keyof WorkerCalls;

export type ToWorker =
  | { readonly type: "start"; readonly config: SegwConfig; readonly index: number; readonly count: number }
  | { readonly type: "call"; readonly id: number; readonly op: WorkerOp; readonly args: unknown }
  | { readonly type: "stop" };

export type FromWorker =
  | { readonly type: "ready"; readonly gtpuPort: number }
  | { readonly type: "start-failed"; readonly error: string }
  | { readonly type: "reply"; readonly id: number; readonly value: unknown }
  | { readonly type: "failed"; readonly id: number; readonly error: string }
  | { readonly type: "event"; readonly enbName: string; readonly event: SegwEvent };
