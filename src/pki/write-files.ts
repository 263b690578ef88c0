/**
 * Writes the development PKI to a folder: private keys with mode 0600, certificates 0644. Existing
 * files are never replaced unless `force`, and the check covers every file before the first is
 * written, so a refused run leaves the folder as it was.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { err, ok, type Result } from "../wire/result.js";
import type { PkiFile } from "./dev-pki.js";

const KEY_MODE = 0o600;
const CERT_MODE = 0o644;

/** Writes `files` into `dir` (created if missing); returns the paths written, or which files already exist. */
export function writePkiFiles(dir: string, files: readonly PkiFile[], force: boolean): Result<string[], string> {
  const paths = files.map((f) => join(dir, f.name));
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0 && !force) return err(`refusing to overwrite ${existing.join(", ")} (use --force)`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  files.forEach((f, i) => {
    const path = paths[i] ?? join(dir, f.name);
    const mode = f.secret ? KEY_MODE : CERT_MODE;
    // `mode` applies only when a file is created: narrow an existing one before a key goes in, and
    // set the exact mode afterwards whatever the umask.
    if (force && existsSync(path)) chmodSync(path, mode);
    writeFileSync(path, f.pem, { mode, flag: force ? "w" : "wx" });
    chmodSync(path, mode);
  });
  return ok(paths);
}
