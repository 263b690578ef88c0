/**
 * `npm run fuzz -- [--minutes N] [--targets a,b] [--workers W] [--seed S] [--out DIR]
 *                  [--hang-seconds H] [--no-coverage]`
 *
 * A mutation fuzz campaign over every decoder and the IKE engine (targets in ../targets), guided
 * by V8 block coverage. Exit code 0 when no input failed, 1 when something was found (see the
 * listed files under DIR/findings), 2 on a usage error.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../support/vectors.js";
import { TARGETS } from "../targets/index.js";
import { runCampaign, type CampaignOptions } from "./campaign.js";

const USAGE = "usage: npm run fuzz -- [--minutes N] [--targets a,b] [--workers W] [--seed S] [--out DIR] [--hang-seconds H] [--no-coverage]";

function parse(argv: readonly string[]): CampaignOptions | string {
  const names = TARGETS.map((t) => t.name);
  const o = {
    minutes: 1, workers: Math.max(1, Math.min(2, availableParallelism())), targets: names, seed: Date.now() % 2 ** 31,
    outDir: join(repoRoot(), "fuzz"), coverage: true, hangSeconds: 15, log: (l: string) => console.log(l),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const number = Number(value);
    if (flag === "--no-coverage") {
      o.coverage = false;
      continue;
    }
    if (value === undefined) return `${flag ?? ""} needs a value`;
    i++;
    if (flag === "--minutes" && number > 0) o.minutes = number;
    else if (flag === "--workers" && Number.isInteger(number) && number > 0) o.workers = number;
    else if (flag === "--seed" && Number.isInteger(number)) o.seed = number;
    else if (flag === "--hang-seconds" && number > 0) o.hangSeconds = number;
    else if (flag === "--out") o.outDir = value;
    else if (flag === "--targets") {
      const wanted = value.split(",");
      const unknown = wanted.filter((t) => !names.includes(t));
      if (unknown.length > 0) return `unknown target ${unknown.join(",")} (targets: ${names.join(", ")})`;
      o.targets = wanted;
    } else return `bad option ${flag ?? ""} ${value}`;
  }
  return o;
}

const options = parse(process.argv.slice(2));
if (typeof options === "string") {
  console.error(`${options}\n${USAGE}`);
  process.exit(2);
}
options.log(`fuzz: ${options.minutes} min, ${options.workers} worker(s), seed ${options.seed}, coverage ${options.coverage ? "on" : "off"}, out ${options.outDir}`);
const summary = await runCampaign(options);
for (const s of summary.stats) options.log(`  ${s.target.padEnd(12)} ${String(s.execs).padStart(9)} execs  ${String(s.corpus).padStart(5)} corpus  ${String(s.features).padStart(5)} blocks`);
options.log(`corpus entries added: ${summary.corpusAdded}; findings: ${summary.findings.length} (${summary.findings.filter((f) => !f.known).length} new)`);
for (const f of summary.findings) options.log(`  ${f.known ? "known" : "NEW  "} ${f.kind} ${f.target}: ${f.file}`);
process.exit(summary.findings.length > 0 ? 1 : 0);
