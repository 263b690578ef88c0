// `lwip demo` options: each bad value is a usage error naming the option (exit 2 in the CLI).
import { test } from "node:test";
import assert from "node:assert/strict";
import { runDemoCommand } from "../../../src/cli/demo-command.js";
import { UsageError } from "../../../src/cli/usage-error.js";

test("--workers takes 1 to 8 and does not go with --out", async () => {
  for (const bad of ["0", "9", "two", "1.5"]) await assert.rejects(runDemoCommand(["--workers", bad]), (e: unknown) => e instanceof UsageError && /--workers must be a whole number from 1 to 8/.test(e.message));
  await assert.rejects(runDemoCommand(["--workers", "2", "--out", "/tmp/x"]), (e: unknown) => e instanceof UsageError && /--workers and --out cannot go together/.test(e.message));
});
