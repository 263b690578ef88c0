/**
 * `lwip demo [--ues N] [--out DIR] [--json]`: the project's main job. Exits 0 when every expectation
 * of TS 33.401 clause 16 was met, 1 otherwise.
 */
import { parseArgs } from "node:util";
import { formatSummary, runDemo } from "../demo/demo.js";
import { UsageError } from "./usage-error.js";

const HELP = `usage: lwip demo [--ues N] [--workers N] [--out DIR] [--json] [--net 127.0.7]
Runs one LWIP-SeGW, one eNB and N UEs (default 4) on loopback with a development PKI, through every
procedure of TS 33.401 clause 16 (set-up, DRB add, last-DRB release, key refresh, handover, radio
link failure, WLAN loss and recovery) with traffic on several DRBs both ways, and attacks the SeGW
must stop (wrong PSK, replayed PSK, expired window, forbidden destination). The LTE air interface
is simulated; IKEv2/ESP, the control API and GTP-U are real sockets on loopback.
  --out DIR  also write DIR/trace.html (sequence diagram), DIR/lwip-demo.pcap (WLAN and backhaul,
             IKE ports written as 500/4500) and Wireshark's ikev2_decryption_table and esp_sa:
             WIRESHARK_CONFIG_DIR=DIR tshark -o esp.enable_encryption_decode:TRUE -r DIR/lwip-demo.pcap
  --workers  run the SeGW as N worker processes on 127.x.y.1, .241, .242 ... (config workers); the
             eNB gives each UE its worker's address. Not with --out (the workers' keys and
             packets stay in their processes)
  --json     print the summary as JSON instead of the table
  --net      the loopback /24 to use (first three octets)`;

export async function runDemoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ues: { type: "string" }, workers: { type: "string" }, out: { type: "string" }, json: { type: "boolean" }, net: { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP + "\n");
    return 0;
  }
  const ues = values.ues === undefined ? 4 : Number(values.ues);
  if (!Number.isInteger(ues) || ues < 1 || ues > 200) throw new UsageError("--ues must be a whole number from 1 to 200");
  const net = values.net ?? "127.0.7";
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(net)) throw new UsageError("--net must be the first three octets of a loopback /24, e.g. 127.0.7");
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 8)) throw new UsageError("--workers must be a whole number from 1 to 8");
  if (workers !== undefined && values.out !== undefined) throw new UsageError("--workers and --out cannot go together: the workers' keys and packets stay in their processes");
  const json = values.json === true;
  const summary = await runDemo({ ues, out: values.out, net, workers, progress: (line) => (json ? process.stderr : process.stdout).write(line + "\n") });
  process.stdout.write(json ? JSON.stringify(summary, null, 2) + "\n" : formatSummary(summary) + "\n");
  if (values.out) (json ? process.stderr : process.stdout).write(`wrote ${values.out}/trace.html, lwip-demo.pcap, ikev2_decryption_table, esp_sa\n`);
  return summary.ok ? 0 : 1;
}
