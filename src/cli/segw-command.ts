/**
 * `lwip segw --config <file.yaml>` runs the LWIP-SeGW daemon until SIGTERM/SIGINT (then deletes every
 * UE's SAs and exits 0); `lwip segw ctl ...` is the control API client.
 */
import { parseArgs } from "node:util";
import { loadSegwConfig } from "../segw/config.js";
import { startSegw } from "../segw/daemon.js";
import { startSegwWorkers } from "../segw/workers/primary.js";
import { WorkerStartError } from "../segw/workers/worker-process.js";
import { runSegwCtl } from "./segw-ctl.js";
import { UsageError } from "./usage-error.js";

const HELP = `usage: lwip segw --config <file.yaml>
       lwip segw ctl <provision|release|confirm|list|events> --api <url> --cert <pem> --key <pem> --ca <pem> ...
Runs the LWIP-SeGW (TS 33.401 clause 16). See examples/segw.yaml for the configuration and
docs/openapi.yaml for the control API. Logs are JSON lines on stderr.`;

/** What the host refused (an address not configured, a port taken, no permission), as opposed to a bug. */
function isStartFailure(e: unknown): e is Error {
  return e instanceof WorkerStartError || (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string");
}

export async function runSegw(args: string[]): Promise<number> {
  if (args[0] === "ctl") return runSegwCtl(args.slice(1));
  const { values } = parseArgs({ args, options: { config: { type: "string" }, help: { type: "boolean" } }, strict: true });
  if (values.help) {
    process.stdout.write(HELP + "\n");
    return 0;
  }
  if (!values.config) throw new UsageError("--config <file.yaml> is required (see lwip segw --help)");
  const config = loadSegwConfig(values.config);
  if (!config.ok) throw new UsageError(`${values.config}: ${config.error.message}`);
  let segw: { stop(): Promise<void> };
  try {
    // With `workers`, this process runs the control API and one process per worker runs the rest.
    segw = config.value.workers.length > 0 ? await startSegwWorkers(config.value) : await startSegw(config.value);
  } catch (e) {
    if (!isStartFailure(e)) throw e;
    process.stderr.write(`lwip segw: cannot start: ${e.message}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  await segw.stop();
  return 0;
}
