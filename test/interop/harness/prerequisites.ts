// Interop tests need root, iproute2, ping, a TUN device and strongSwan (and, for the tests of
// the project's CLI, its compiled main.js). Outside CI a missing piece skips the test; in CI
// (process.env.CI set) it fails the test with the list of what is missing: interop tests must
// never silently skip there.
import { accessSync, constants, existsSync } from "node:fs";
import type { TestContext } from "node:test";
import { CHARON_BINARY } from "./charon.js";
import { lwipCliAvailable, lwipCliPath } from "./lwip.js";

function onPath(cmd: string): boolean {
  return (process.env["PATH"] ?? "").split(":").some((dir) => {
    try {
      accessSync(`${dir}/${cmd}`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** What is missing for the interop tests (empty when everything is there). */
export function missingPrerequisites(needs: { readonly lwip: boolean }): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root (network namespaces, charon)");
  if (!existsSync(CHARON_BINARY)) missing.push(`${CHARON_BINARY} (apt-get install strongswan-charon libcharon-extra-plugins libstrongswan-standard-plugins libstrongswan-extra-plugins)`);
  for (const cmd of ["ip", "ss", "swanctl", "ping", "unshare"]) if (!onPath(cmd)) missing.push(`command '${cmd}'`);
  if (!existsSync("/dev/net/tun")) missing.push("/dev/net/tun (kernel-libipsec needs a TUN device)");
  if (needs.lwip && !lwipCliAvailable()) missing.push(`the compiled CLI ${lwipCliPath()} (npm run build)`);
  return missing;
}

/** True when running under CI (the CI variable is set and not empty). */
export function inCi(): boolean {
  const ci = process.env["CI"];
  return ci !== undefined && ci !== "";
}

/**
 * Checks the prerequisites at the start of a test. Returns true when the test can run; skips
 * the test and returns false outside CI.
 * @throws Error listing what is missing when running under CI.
 */
export function requireInterop(t: TestContext, needs: { readonly lwip: boolean }): boolean {
  const missing = missingPrerequisites(needs);
  if (missing.length === 0) return true;
  const reason = `interop prerequisites missing: ${missing.join("; ")}`;
  if (inCi()) throw new Error(`${reason} (CI is set: interop tests must not be skipped)`);
  t.skip(reason);
  return false;
}
