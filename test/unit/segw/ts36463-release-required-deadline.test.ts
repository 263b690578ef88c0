// The SeGW keeps an entry in release-required (WT Initiated LWIP Release, TS 36.463: LWIP RELEASE
// REQUIRED sent, LWIP RELEASE CONFIRM awaited) only until provisioning.releaseRequiredSeconds: an eNB
// that never comes back must not hold its UEs' entries for good. Past the deadline the entry is
// dropped, logged and counted; a confirmation in time cancels the deadline. Time is a FakeClock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Counters } from "../../../src/io/counters.js";
import { createLogger } from "../../../src/io/log.js";
import { parseSegwConfig } from "../../../src/segw/config.js";
import { Causes } from "../../../src/segw/control-api/xwap.js";
import { DEFAULT_RELEASE_REQUIRED_SECONDS, ProvisioningStore, type ProvisioningEntry, type ReleaseReason } from "../../../src/segw/provisioning-store.js";
import { FakeClock } from "../../../src/sim/fake-clock.js";
import { hex } from "../../../src/wire/hex.js";

const COUNTER = "provisioning_release_required_expired";

function setup(releaseRequiredSeconds?: number) {
  const clock = new FakeClock();
  const counters = new Counters();
  const lines: string[] = [];
  const released: { entry: ProvisioningEntry; reason: ReleaseReason }[] = [];
  const store = new ProvisioningStore({
    clock, counters, log: createLogger("info", (l) => lines.push(l)),
    defaultWindowSeconds: 30, maxWindowSeconds: 300, maxEntries: 10,
    ...(releaseRequiredSeconds !== undefined ? { releaseRequiredSeconds } : {}),
    onRelease: (entry, reason) => released.push({ entry, reason }),
  });
  return { clock, counters, lines, released, store };
}

/** An entry of eNB alpha whose tunnel came up and then ended on the SeGW side (e.g. a liveness failure). */
function releaseRequiredEntry(store: ProvisioningStore, idi: string): ProvisioningEntry {
  const r = store.provision("alpha", {
    enbUeXwapId: hex("000001"), ueIdentity: hex("020000000001"), lwipPsk: new Uint8Array(32).fill(7), ikeInitiatorIdentity: hex(idi),
  });
  assert.ok(r.ok);
  assert.ok(store.markAuthenticated(hex(idi), { innerAddress: "198.18.64.1" }));
  const marked = store.markReleaseRequired(hex(idi), Causes.radioConnectionLost);
  assert.equal(marked?.state, "release-required");
  return marked;
}

test("the default deadline is 10 minutes: the entry stays until then, and is dropped, logged and counted when it passes", () => {
  assert.equal(DEFAULT_RELEASE_REQUIRED_SECONDS, 600);
  const t = setup();
  releaseRequiredEntry(t.store, "a1a1");
  t.clock.advance(600_000 - 1);
  assert.equal(t.store.get(hex("a1a1"))?.state, "release-required", "still waiting for LWIP RELEASE CONFIRM");
  assert.equal(t.counters.get(COUNTER), 0);
  t.clock.advance(1);
  assert.equal(t.store.get(hex("a1a1")), undefined);
  assert.deepEqual(t.store.list("alpha"), [], "no LWIP RELEASE REQUIRED pending for a new event stream any more");
  assert.deepEqual(t.released.map((r) => r.reason), ["release-required-expired"]);
  assert.equal(t.counters.get(COUNTER), 1);
  const warned = t.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === "warn");
  assert.equal(warned.length, 1);
  assert.equal(warned[0]?.enb, "alpha");
  assert.equal(warned[0]?.idi, "a1a1");
  assert.equal(t.clock.pending, 0, "no timer left");
});

test("the configured deadline applies; marking the entry again does not move it", () => {
  const t = setup(5);
  releaseRequiredEntry(t.store, "b2b2");
  t.clock.advance(3000);
  assert.equal(t.store.markReleaseRequired(hex("b2b2"), Causes.radioUnspecified)?.state, "release-required");
  t.clock.advance(2000);
  assert.equal(t.store.get(hex("b2b2")), undefined, "dropped 5 s after the first mark");
  assert.equal(t.counters.get(COUNTER), 1);
});

test("LWIP RELEASE CONFIRM in time cancels the deadline: released once, as confirmed, nothing counted", () => {
  const t = setup(5);
  releaseRequiredEntry(t.store, "c3c3");
  assert.equal(t.clock.pending, 1, "the deadline's timer");
  assert.ok(t.store.release("alpha", { idi: hex("c3c3") }, "release-confirmed"));
  assert.equal(t.clock.pending, 0);
  t.clock.advance(60_000);
  assert.deepEqual(t.released.map((r) => r.reason), ["release-confirmed"]);
  assert.equal(t.counters.get(COUNTER), 0);
});

test("a re-provisioned IDi (the eNB set the UE up again) is not dropped by the old entry's deadline", () => {
  const t = setup(5);
  releaseRequiredEntry(t.store, "d4d4");
  const again = t.store.provision("alpha", { enbUeXwapId: hex("000001"), ueIdentity: hex("020000000001"), lwipPsk: new Uint8Array(32).fill(9), ikeInitiatorIdentity: hex("d4d4"), windowSeconds: 60 });
  assert.ok(again.ok);
  t.clock.advance(10_000);
  assert.equal(t.store.get(hex("d4d4"))?.state, "provisioned");
  assert.equal(t.counters.get(COUNTER), 0);
});

test("a deadline below 1 s is a programmer error", () => {
  assert.throws(() => setup(0), RangeError);
});

const MINIMAL = `
ike: { listen: 198.18.0.1 }
pools: [198.18.64.0/18]
controlApi: { listen: 127.0.0.1, tls: { cert: segw.pem, key: segw-key.pem, ca: ca.pem } }
enbs:
  - { name: alpha, certificateIdentity: alpha, lwipEndpoints: [198.18.1.1], gtpAddress: 198.18.1.2 }
gtpu: { listen: 198.18.0.1 }
`;

test("provisioning.releaseRequiredSeconds: 600 by default, 1 to 86400 when set", () => {
  const parse = (extra: string) => parseSegwConfig(MINIMAL + extra, "/cfg");
  const byDefault = parse("");
  assert.ok(byDefault.ok);
  assert.equal(byDefault.value.provisioning.releaseRequiredSeconds, 600);
  const set = parse("provisioning: { releaseRequiredSeconds: 120 }\n");
  assert.ok(set.ok);
  assert.equal(set.value.provisioning.releaseRequiredSeconds, 120);
  for (const bad of ["0", "86401", "1.5"]) {
    const r = parse(`provisioning: { releaseRequiredSeconds: ${bad} }\n`);
    assert.ok(!r.ok, bad);
    assert.match(r.error.message, /^provisioning\.releaseRequiredSeconds: /);
  }
});
