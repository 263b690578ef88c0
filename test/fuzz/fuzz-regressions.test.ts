/**
 * The fuzz campaign's results in the normal test run (`npm run fuzz` writes them, the repository
 * keeps them): every finding in fuzz/findings/<target>/*.json must no longer fail its target, and
 * every corpus input (seeds and inputs that reached new code, fuzz/corpus/<target>.txt) must
 * still pass every invariant of its target. Each target is described in test/fuzz/targets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/vectors.js";
import { TARGETS } from "./targets/index.js";
import type { FuzzTarget } from "./campaign/target.js";

const FUZZ_DIR = join(repoRoot(), "fuzz");

interface FindingFile {
  readonly target: string;
  readonly kind: string;
  readonly message: string;
  readonly input: string;
}

function filesIn(dir: string, ext: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).sort() : [];
}

/** The message of whatever `run` throws for `input`, or undefined when every invariant held. */
function failure(target: FuzzTarget, input: Uint8Array): string | undefined {
  try {
    target.run(input);
    return undefined;
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
}

for (const target of TARGETS) {
  for (const file of filesIn(join(FUZZ_DIR, "findings", target.name), ".json")) {
    const f = JSON.parse(readFileSync(join(FUZZ_DIR, "findings", target.name, file), "utf8")) as FindingFile;
    test(`fuzz finding ${target.name}/${file} (${f.kind}: ${f.message.split("\n")[0]?.slice(0, 100)})`, async () => {
      await target.seeds();
      assert.equal(failure(target, new Uint8Array(Buffer.from(f.input, "hex"))), undefined, `input: ${f.input}`);
    });
  }

  test(`fuzz corpus of ${target.name}: seeds and saved inputs keep every invariant`, async () => {
    const file = join(FUZZ_DIR, "corpus", `${target.name}.txt`);
    const saved = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
    const inputs = [...(await target.seeds()).map((s) => Buffer.from(s).toString("hex")), ...saved];
    const failed = inputs.flatMap((hexInput) => {
      const why = failure(target, new Uint8Array(Buffer.from(hexInput, "hex")));
      return why === undefined ? [] : [`${why} <- ${hexInput.slice(0, 120)}`];
    });
    assert.deepEqual(failed, []);
  });
}
