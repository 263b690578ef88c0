// GET /healthz reports the SeGW's own health: "ok" by default; a multi-worker SeGW says
// "degraded" (200) while a worker is down and "down" (503) when none runs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { HealthReport } from "../../../src/segw/control-api/server.js";
import { makePki, removePki, startHarness, type Harness, type Pki } from "./fixtures.js";

let pki: Pki;
let h: Harness;
let report: HealthReport = { status: "ok", workers: { up: 2, total: 2 } };

before(async () => {
  pki = await makePki();
  h = await startHarness(pki, { health: () => report });
});

after(async () => {
  await h.api.close();
  removePki(pki);
});

test("all workers running: 200 ok with the count", async () => {
  assert.deepEqual(await h.client("alpha").call("GET", "/healthz"), { status: 200, body: { status: "ok", workers: { up: 2, total: 2 } } });
});

test("a worker down: 200 degraded; none running: 503 down", async () => {
  report = { status: "degraded", workers: { up: 1, total: 2 } };
  assert.deepEqual(await h.client("alpha").call("GET", "/healthz"), { status: 200, body: report });
  report = { status: "down", workers: { up: 0, total: 2 } };
  assert.deepEqual(await h.client("alpha").call("GET", "/healthz"), { status: 503, body: report });
});
