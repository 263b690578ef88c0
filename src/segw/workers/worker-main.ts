/**
 * Entry point of one SeGW worker process (forked by primary.ts): it runs a SeGW core on its own
 * addresses and answers the primary's calls on the IPC channel. It exits when told to stop, or
 * when the channel closes (the primary is gone: its UEs would have no control API).
 */
import { createLogger } from "../../io/log.js";
import { startSegwCore, type SegwCore } from "../daemon.js";
import type { FromWorker, ToWorker, WorkerCalls, WorkerOp } from "./ipc.js";
import { workerConfig } from "./worker-config.js";

function send(m: FromWorker): void {
  process.send?.(m);
}

/** Runs one call against the core (synchronous store calls: the answer reflects the store at once). */
function answer(core: SegwCore, op: WorkerOp, args: unknown): WorkerCalls[WorkerOp]["result"] {
  const r = core.registry;
  switch (op) {
    case "provision": {
      const a = args as WorkerCalls["provision"]["args"];
      return r.provisionNow(a.enbName, a.req);
    }
    case "find": {
      const a = args as WorkerCalls["find"]["args"];
      return r.findNow(a.enbName, a.key);
    }
    case "replace": {
      const a = args as WorkerCalls["replace"]["args"];
      core.store.replaceEnbUe(a.enbName, a.enbUeXwapId, a.idi);
      return null;
    }
    case "release": {
      const a = args as WorkerCalls["release"]["args"];
      r.releaseNow(a.enbName, a.idi, a.reason);
      return null;
    }
    case "list":
      return r.listNow((args as WorkerCalls["list"]["args"]).enbName);
    case "established": {
      const idi = (args as WorkerCalls["established"]["args"]).idiHex;
      return core.node.sas.some((sa) => sa.idiHex === idi && sa.state === "established");
    }
    case "metrics":
      return core.metrics.snapshot();
    case "stats":
      return { ikeSas: core.node.sas.length, activeUes: core.sessions.size };
  }
}

let core: SegwCore | undefined;
let stopping = false;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await core?.stop();
  process.exit(code);
}

async function start(m: Extract<ToWorker, { type: "start" }>): Promise<void> {
  const config = workerConfig(m.config, m.index);
  // Each line names its worker; the rest of the line is the core's own.
  const log = createLogger(config.log.level, (line) => process.stderr.write(`{"worker":${m.index},${line.slice(1)}`));
  try {
    core = await startSegwCore(config, { log, publish: (enbName, event) => send({ type: "event", enbName, event }), worker: { index: m.index, count: m.count } });
    log.info("segw", "worker running", { ike: config.ike.listen, gtpu: config.gtpu.listen, pid: process.pid });
    send({ type: "ready", gtpuPort: core.gtpuPort });
  } catch (e) {
    send({ type: "start-failed", error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  }
}

process.on("message", (m: ToWorker) => {
  if (m.type === "start") return void start(m);
  if (m.type === "stop") return void stop(0);
  if (!core) return send({ type: "failed", id: m.id, error: "worker not started" });
  try {
    send({ type: "reply", id: m.id, value: answer(core, m.op, m.args) });
  } catch (e) {
    send({ type: "failed", id: m.id, error: e instanceof Error ? e.message : String(e) });
  }
});
process.on("disconnect", () => void stop(0));
// A service manager signals the whole process group at once: the primary stops its workers in
// order (Deletes first), and a worker that went on its own would look like a crash to it.
process.on("SIGTERM", () => undefined);
process.on("SIGINT", () => undefined);
