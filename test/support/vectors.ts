import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest folder above this file holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

/** Parses test/vectors/<name> (public vectors, each file naming its source). */
export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(join(repoRoot(), "test", "vectors", name), "utf8")) as T;
}
