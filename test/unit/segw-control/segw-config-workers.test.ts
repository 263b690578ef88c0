// `workers` in `lwip segw --config`: one worker process per entry, each on its own addresses, the
// pools shared out without overlap, and the SeGW-wide limits divided between the workers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSegwConfig, type SegwConfig } from "../../../src/segw/config.js";
import { formatIp } from "../../../src/ike/traffic-selector.js";
import { workerConfig } from "../../../src/segw/workers/worker-config.js";

const BASE = `
ike: { listen: 198.18.0.1 }
pools: [198.18.64.0/18, 2001:db8:64::/64]
controlApi: { listen: 127.0.0.1, tls: { cert: a.pem, key: b.pem, ca: c.pem } }
enbs:
  - { name: alpha, certificateIdentity: alpha, lwipEndpoints: [198.18.1.1], gtpAddress: 198.18.1.2, maxUes: 1001 }
gtpu: { listen: 198.18.0.1 }
rateLimits: { ikeSaInitPerSecond: 1000, uePacketsPerSecond: 500, enbPacketsPerSecond: 9, halfOpenCookieThreshold: 0 }
`;

function parse(extra: string): SegwConfig {
  const r = parseSegwConfig(BASE + extra, "/cfg");
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return r.value;
}

function errorsOf(extra: string): string[] {
  const r = parseSegwConfig(BASE + extra, "/cfg");
  assert.ok(!r.ok, "expected the configuration to be refused");
  return r.error.message.split("\n");
}

const cidrText = (c: { address: Uint8Array; prefixLength: number }) => `${formatIp(c.address)}/${c.prefixLength}`;

test("without workers the SeGW is one process", () => {
  assert.deepEqual(parse("").workers, []);
});

test("each worker's pools are an equal, disjoint share of every pool; gtpu defaults to the worker's ike address", () => {
  const c = parse("workers: [{ ike: 198.18.0.1 }, { ike: 198.18.0.5, gtpu: 198.18.0.6 }, { ike: 198.18.0.7 }]\n");
  assert.deepEqual(c.workers.map((w) => [w.ike, w.gtpu]), [["198.18.0.1", "198.18.0.1"], ["198.18.0.5", "198.18.0.6"], ["198.18.0.7", "198.18.0.7"]]);
  assert.deepEqual(c.workers.map((w) => w.pools.map(cidrText)), [
    ["198.18.64.0/20", "2001:db8:64::/66"],
    ["198.18.80.0/20", "2001:db8:64:0:4000::/66"],
    ["198.18.96.0/20", "2001:db8:64:0:8000::/66"],
  ]);
});

test("pools given per worker are taken as they are", () => {
  const c = parse("workers: [{ ike: 198.18.0.1, pools: [10.1.0.0/24] }, { ike: 198.18.0.5, pools: [10.2.0.0/24] }]\n");
  assert.deepEqual(c.workers.map((w) => w.pools.map(cidrText)), [["10.1.0.0/24"], ["10.2.0.0/24"]]);
});

test("workers need addresses of their own and pools that do not overlap", () => {
  assert.deepEqual(errorsOf("workers: [{ ike: 198.18.0.1 }, { ike: 198.18.0.1 }]\n"), ["workers[1].ike: already used by workers[0].ike"]);
  assert.deepEqual(errorsOf("workers: [{ ike: 198.18.0.1 }, { ike: 198.18.0.5, gtpu: 198.18.0.1 }]\n"), ["workers[1].gtpu: already used by workers[0].ike"]);
  assert.deepEqual(errorsOf("workers: [{ ike: 198.18.0.1, pools: [10.0.0.0/24] }, { ike: 198.18.0.5 }]\n"), ["workers: give pools to every worker or to none"]);
  assert.deepEqual(errorsOf("workers: [{ ike: 198.18.0.1, pools: [10.0.0.0/16] }, { ike: 198.18.0.5, pools: [10.0.1.0/24] }]\n"), ["workers[1].pools[0]: overlaps workers[0].pools[0]"]);
  assert.deepEqual(errorsOf("workers: [{ ike: 0.0.0.0 }]\n"), ["workers[0].ike: must be a specific address, not 0.0.0.0 or ::"]);
  assert.deepEqual(errorsOf("workers: []\n"), ["workers: expected at least one worker"]);
});

test("a pool too small to share between the workers is refused", () => {
  const r = parseSegwConfig(BASE.replace("198.18.64.0/18", "198.18.64.0/29") + "workers: [{ ike: 198.18.0.1 }, { ike: 198.18.0.5 }, { ike: 198.18.0.6 }]\n", "/cfg");
  assert.ok(!r.ok);
  assert.deepEqual(r.error.message.split("\n"), ["pools[0]: too small to split between 3 workers"]);
});

test("a worker runs on its own addresses, with the SeGW-wide limits divided and the per-UE limits whole", () => {
  const c = parse("workers: [{ ike: 198.18.0.1 }, { ike: 198.18.0.5 }]\nmetrics: {}\n");
  const w = workerConfig(c, 1);
  assert.equal(w.ike.listen, "198.18.0.5");
  assert.deepEqual([w.gtpu.listen, w.gtpu.advertiseAddress], ["198.18.0.5", "198.18.0.5"]);
  assert.deepEqual(w.pools.map(cidrText), ["198.18.96.0/19", "2001:db8:64:0:8000::/65"]);
  assert.equal(w.rateLimits.ikeSaInitPerSecond, 500);
  assert.equal(w.rateLimits.enbPacketsPerSecond, 5, "rounded up");
  assert.equal(w.rateLimits.uePacketsPerSecond, 500, "a UE lives on one worker");
  assert.equal(w.rateLimits.halfOpenCookieThreshold, 0, "0 (cookies always) stays 0");
  assert.equal(w.enbs[0]?.maxUes, 501);
  assert.equal(w.provisioning.maxEntries, 50_000);
  assert.deepEqual([w.workers, w.metrics], [[], undefined], "a worker is one process and serves no metrics itself");
  assert.throws(() => workerConfig(c, 2), RangeError);
});
