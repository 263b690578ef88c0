// The multi-worker SeGW's control-API registry: a UE goes to the worker its IDi picks, the same
// worker for the same IDi, the next live one while that is down; the primary's PSK copy is zeroized
// whatever happens; an entry replaced in one worker goes from the others.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { WorkersRegistry, type WorkerHandle } from "../../../src/segw/workers/workers-registry.js";
import type { WorkerCalls, WorkerOp } from "../../../src/segw/workers/ipc.js";
import type { LwipAdditionRequest } from "../../../src/segw/control-api/xwap.js";
import type { UeView } from "../../../src/segw/control-api/ue-registry.js";
import { toHex } from "../../../src/wire/hex.js";

class FakeWorker implements WorkerHandle {
  alive = true;
  fail = false;
  newUesFrom = 0;
  readonly calls: { op: WorkerOp; args: unknown; pskAtCall?: string }[] = [];
  readonly held = new Map<string, UeView>();

  constructor(readonly address: string) {}

  call<K extends WorkerOp>(op: K, args: WorkerCalls[K]["args"]): Promise<WorkerCalls[K]["result"]> {
    const a = args as Record<string, unknown>;
    const req = a["req"] as LwipAdditionRequest | undefined;
    this.calls.push({ op, args, ...(req ? { pskAtCall: toHex(req.lwipPsk) } : {}) });
    if (this.fail) return Promise.reject(new Error("gone"));
    const result = (): unknown => {
      if (op === "provision" && req) {
        const entry = { idi: req.ikeInitiatorIdentity, enbName: String(a["enbName"]), segwIpAddress: this.address } as unknown as UeView;
        this.held.set(toHex(req.ikeInitiatorIdentity), entry);
        return { ok: true, entry };
      }
      if (op === "find") return this.held.get(toHex((a["key"] as { idi: Uint8Array }).idi));
      if (op === "list") return [...this.held.values()];
      return null;
    };
    return Promise.resolve(result() as WorkerCalls[K]["result"]);
  }
}

function request(idi = randomBytes(16)): LwipAdditionRequest {
  return { enbUeXwapId: Uint8Array.of(0, 0, 1), ueIdentity: new Uint8Array(6), lwipPsk: Uint8Array.from(randomBytes(32)), ikeInitiatorIdentity: Uint8Array.from(idi) };
}

function registry(workers: FakeWorker[], now = 0): WorkersRegistry {
  return new WorkersRegistry(() => workers, { now: () => now });
}

async function workerOf(r: WorkersRegistry, req: LwipAdditionRequest): Promise<string | undefined> {
  const out = await r.provision("alpha", req);
  return out.ok ? out.entry.segwIpAddress : undefined;
}

test("the IDi picks the worker: the same IDi always the same one, and random IDis spread over all", async () => {
  const ws = [new FakeWorker("198.18.0.1"), new FakeWorker("198.18.0.5"), new FakeWorker("198.18.0.6")];
  const r = registry(ws);
  const idi = randomBytes(16);
  const first = await workerOf(r, request(idi));
  for (let i = 0; i < 5; i++) assert.equal(await workerOf(r, request(idi)), first);
  const seen = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const w = (await workerOf(r, request())) ?? "";
    seen.set(w, (seen.get(w) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), ["198.18.0.1", "198.18.0.5", "198.18.0.6"]);
  for (const n of seen.values()) assert.ok(n > 50, `each worker gets a fair share (${[...seen.values()].join(", ")})`);
});

test("a worker that is down hands its share to the next live one; none live is a resource refusal", async () => {
  const ws = [new FakeWorker("198.18.0.1"), new FakeWorker("198.18.0.5")];
  const r = registry(ws);
  const idis = Array.from({ length: 40 }, () => randomBytes(16));
  const home = await Promise.all(idis.map((idi) => workerOf(r, request(idi))));
  const onSecond = idis.filter((_, i) => home[i] === "198.18.0.5");
  assert.ok(onSecond.length > 0);
  (ws[1] as FakeWorker).alive = false;
  for (const idi of onSecond) assert.equal(await workerOf(r, request(idi)), "198.18.0.1");
  (ws[0] as FakeWorker).alive = false;
  const refused = await r.provision("alpha", request());
  assert.ok(!refused.ok);
  assert.equal(refused.cause.value, "not-enough-user-plane-processing-resources");
});

test("a restarted worker takes no new UE before its grace ends, unless no other worker runs", async () => {
  const ws = [new FakeWorker("198.18.0.1"), new FakeWorker("198.18.0.5")];
  const idis = Array.from({ length: 40 }, () => randomBytes(16));
  const home = await Promise.all(idis.map((idi) => workerOf(registry(ws, 1000), request(idi))));
  const onSecond = idis.filter((_, i) => home[i] === "198.18.0.5");
  assert.ok(onSecond.length > 0);
  (ws[1] as FakeWorker).newUesFrom = 5000;
  for (const idi of onSecond) assert.equal(await workerOf(registry(ws, 4999), request(idi)), "198.18.0.1", "in its grace: the next worker");
  for (const idi of onSecond) assert.equal(await workerOf(registry(ws, 5000), request(idi)), "198.18.0.5", "after it: its own share again");
  (ws[0] as FakeWorker).alive = false;
  for (const idi of idis) assert.equal(await workerOf(registry(ws, 4999), request(idi)), "198.18.0.5", "the only worker running takes all");
});

test("the primary's copy of the LWIP-PSK is zeroized after the worker answered, and after a failed call", async () => {
  const w = new FakeWorker("198.18.0.1");
  const r = registry([w]);
  const ok = request();
  const psk = toHex(ok.lwipPsk);
  await r.provision("alpha", ok);
  assert.equal(w.calls[0]?.pskAtCall, psk, "the worker was given the PSK");
  assert.ok(ok.lwipPsk.every((b) => b === 0));
  w.fail = true;
  const failed = request();
  const out = await r.provision("alpha", failed);
  assert.ok(!out.ok && /SeGW worker unavailable \(gone\)/.test(out.reason));
  assert.ok(failed.lwipPsk.every((b) => b === 0));
});

test("after provisioning in one worker the others drop that eNB's older entry for the UE; find and release ask every live worker", async () => {
  const ws = [new FakeWorker("198.18.0.1"), new FakeWorker("198.18.0.5")];
  const r = registry(ws);
  const req = request();
  const home = await workerOf(r, req);
  const other = ws.find((w) => w.address !== home) as FakeWorker;
  assert.deepEqual(other.calls.map((c) => c.op), ["replace"]);
  assert.deepEqual(Object.keys(other.calls[0]?.args as object).sort(), ["enbName", "enbUeXwapId", "idi"]);
  const found = await r.find("alpha", { idi: req.ikeInitiatorIdentity });
  assert.equal(found?.segwIpAddress, home);
  await r.release("alpha", req.ikeInitiatorIdentity, "enb-release");
  for (const w of ws) assert.equal(w.calls.filter((c) => c.op === "release").length, 1);
  assert.equal((await r.list("alpha")).length, 1);
});
