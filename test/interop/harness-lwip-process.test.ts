// The harness's handling of the CLI's output contract (cli-contract.md: one JSON object per line
// and event on stdout, logs on stderr), checked with a stand-in script run inside a namespace:
// events are parsed in order, other stdout lines are flagged, waiting fails fast and with the
// collected stderr when the process exits, and SIGTERM ends it.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { topologyFor } from "./harness/fixture.js";
import { LwipProcess } from "./harness/lwip.js";
import { NAMESPACE_PREFIX, namespacesWithPrefix } from "./harness/netns.js";
import { requireInterop } from "./harness/prerequisites.js";

const STAND_IN = `
const mode = process.argv[3];
console.error("stand-in log line: " + process.argv.slice(2).join(" "));
process.stdout.write(JSON.stringify({ event: "ike-sa-up", spiI: "00112233445566aa" }) + "\\n" + "not json\\n");
if (mode === "exit") setTimeout(() => { console.log(JSON.stringify({ event: "child-sa-up" })); process.exit(3); }, 50);
if (mode === "serve") { process.on("SIGTERM", () => { console.log(JSON.stringify({ event: "ike-sa-down", reason: "deleted" })); process.exit(0); }); setInterval(() => {}, 1000); }
`;

test("LwipProcess parses JSON-lines events and reports exits with stderr", { timeout: 30_000 }, async (t) => {
  if (!requireInterop(t, { lwip: false })) return;
  const topo = await topologyFor(t);
  const cli = join(topo.workDir, "stand-in.mjs");
  writeFileSync(cli, STAND_IN);

  const exiting = LwipProcess.start(topo, topo.ue, ["exit"], cli);
  assert.equal((await exiting.waitForEvent("ike-sa-up", 5_000))["spiI"], "00112233445566aa");
  await exiting.waitForEvent((e) => e.event === "child-sa-up", 5_000);
  await assert.rejects(exiting.waitForEvent("never", 5_000), (e: Error) => /exited before event 'never'/.test(e.message) && /stand-in log line: ike exit/.test(e.message));
  assert.deepEqual(await exiting.waitForExit(1_000), { code: 3, signal: null });
  assert.deepEqual(exiting.badLines, ["not json"]);
  assert.deepEqual(exiting.events.map((e) => e.event), ["ike-sa-up", "child-sa-up"]);

  const serving = LwipProcess.start(topo, topo.segw, ["serve"], cli);
  await serving.waitForEvent("ike-sa-up", 5_000);
  const started = Date.now();
  await assert.rejects(serving.waitForEvent("never", 300), /timed out after 300 ms/);
  assert.ok(Date.now() - started < 2_000, "the timeout is bounded");
  const down = serving.waitForEvent("ike-sa-down", 5_000, 1);
  assert.deepEqual(await serving.stop(), { code: 0, signal: null });
  assert.equal((await down)["reason"], "deleted", "an event printed while exiting is still seen");
});

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
