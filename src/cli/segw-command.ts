/**
 * `lwip segw --config <file.yaml>` runs the LWIP-SeGW daemon until SIGTERM/SIGINT (then deletes every
 * UE's SAs and exits 0); `lwip segw ctl ...` is the control API client.
 */
import { parseArgs } from "node:util";
import { loadSegwConfig } from "../segw/config.js";
import { startSegw } from "../segw/daemon.js";
import { startSegwWorkers } from "../segw/workers/primary.js";
import { runSegwCtl } from "./segw-ctl.js";
import { UsageError } from "./usage-error.js";

const HELP = `usage: lwip segw --config <file.yaml>
       lwip segw ctl <provision|release|confirm|list|events> --api <url> --cert <pem> --key <pem> --ca <pem> ...
Runs the LWIP-SeGW (TS 33.401 clause 16). See examples/segw.yaml for the configuration and
docs/openapi.yaml for the control API. Logs are JSON lines on stderr.`;

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
  // With `workers`, this process runs the control API and one process per worker runs the rest.
  const segw = config.value.workers.length > 0 ? await startSegwWorkers(config.value) : await startSegw(config.value);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  await segw.stop();
  return 0;
}
