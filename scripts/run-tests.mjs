#!/usr/bin/env node
// Runs the compiled test files with node's built-in runner. Node 20 has no glob support in
// `node --test`, so the files are listed here. Interop tests (network namespaces, strongSwan)
// run one file at a time after the unit and exchange tests.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";

function listTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listTests(path));
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out;
}

const groups = process.argv.slice(2);
const wanted = groups.length > 0 ? groups : ["unit", "exchange", "scenarios", "fuzz", "hostile", "resilience", "interop"];
const files = wanted.flatMap((g) => listTests(join("dist", "test", g)));
if (files.length === 0) {
  console.error("no test files found under dist/test: run `npm run build` first");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
