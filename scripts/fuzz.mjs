#!/usr/bin/env node
// `npm run fuzz -- --minutes N [--targets a,b] [--workers W] [--seed S] [--no-coverage]`: the
// mutation fuzz campaign of test/fuzz/campaign (compiled to dist by `npm run build`). It writes
// findings to fuzz/findings/ and new corpus inputs to fuzz/corpus/; test/fuzz/fuzz-regressions
// replays both in the normal test run.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const main = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "test", "fuzz", "campaign", "main.js");
if (!existsSync(main)) {
  console.error(`${main} not found: run \`npm run build\` first`);
  process.exit(1);
}
await import(pathToFileURL(main).href);
