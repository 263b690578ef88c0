// The SeGW provisioning store against TS 33.401 16.2.2 / 16.2.3: window, single use, zeroization,
// replacement, per-eNB isolation. Time is a FakeClock; no I/O.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/sim/fake-clock.js";
import { ProvisioningStore, type ProvisioningEntry, type ReleaseReason } from "../../../src/segw/provisioning-store.js";
import type { LwipAdditionRequest } from "../../../src/segw/control-api/xwap.js";
import { hex, toHex } from "../../../src/wire/hex.js";

function setup(opts: { maxEntries?: number; perEnb?: Map<string, number>; random?: (n: number) => Uint8Array; tombstoneLimit?: number } = {}) {
  const clock = new FakeClock();
  const released: { entry: ProvisioningEntry; reason: ReleaseReason }[] = [];
  const store = new ProvisioningStore({
    clock,
    defaultWindowSeconds: 30,
    maxWindowSeconds: 300,
    maxEntries: opts.maxEntries ?? 100,
    ...(opts.perEnb ? { maxEntriesPerEnb: opts.perEnb } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    ...(opts.tombstoneLimit !== undefined ? { tombstoneLimit: opts.tombstoneLimit } : {}),
    onRelease: (entry, reason) => released.push({ entry, reason }),
  });
  return { clock, store, released };
}

let counter = 0;
function request(idi: string, extra: Partial<LwipAdditionRequest> = {}): LwipAdditionRequest {
  counter++;
  return {
    enbUeXwapId: new Uint8Array([0, 0, counter & 0xff]),
    ueIdentity: hex("020000000001"),
    lwipPsk: new Uint8Array(32).fill(0xa5),
    ikeInitiatorIdentity: hex(idi),
    enbGtpTunnelEndpoint: { transportLayerAddress: "198.18.1.2", gtpTeid: hex("0000abcd") },
    ...extra,
  };
}

const isZero = (b: Uint8Array) => b.every((x) => x === 0);

test("16.2.2: lookup by IDi returns a copy of the PSK inside the window", () => {
  const { store } = setup();
  const req = request("0102");
  const r = store.provision("alpha", req);
  assert.ok(r.ok);
  const found = store.lookupPsk(hex("0102"));
  assert.ok(found.ok);
  assert.deepEqual(found.psk, new Uint8Array(32).fill(0xa5));
  found.psk.fill(0);
  // The caller's copy is its own: the stored key is untouched.
  const again = store.lookupPsk(hex("0102"));
  assert.ok(again.ok && again.psk[0] === 0xa5);
  assert.deepEqual(store.lookupPsk(hex("0103")), { ok: false, reason: "unknown-identity" });
});

test("16.2.2 note: after the window the PSK is zeroized, the entry deleted, and lookup says expired-window", () => {
  const { clock, store, released } = setup();
  const req = request("aa01", { windowSeconds: 5 });
  const psk = req.lwipPsk; // the store owns this very buffer
  assert.ok(store.provision("alpha", req).ok);
  clock.advance(4999);
  assert.ok(store.lookupPsk(hex("aa01")).ok);
  clock.advance(1);
  assert.ok(isZero(psk), "PSK buffer zeroized at the end of the window");
  assert.equal(store.size, 0);
  assert.equal(store.get(hex("aa01")), undefined);
  assert.deepEqual(store.lookupPsk(hex("aa01")), { ok: false, reason: "expired-window" });
  assert.deepEqual(released.map((r) => r.reason), ["window-expired"]);
  assert.equal(clock.pending, 0);
});

test("16.2.2 note: the clock decides even before the window timer has run", () => {
  const clock = new FakeClock();
  const lateTimers = { now: () => clock.now(), schedule: () => ({ cancel() {} }) };
  const store = new ProvisioningStore({ clock: lateTimers, defaultWindowSeconds: 1, maxWindowSeconds: 10, maxEntries: 10 });
  const req = request("aa02");
  store.provision("alpha", req);
  clock.advance(1000);
  assert.deepEqual(store.lookupPsk(hex("aa02")), { ok: false, reason: "expired-window" });
  assert.ok(isZero(req.lwipPsk));
});

test("16.2.2: IKE_AUTH success deletes the PSK; a second handshake finds psk-used", () => {
  const { clock, store } = setup();
  const req = request("bb01");
  store.provision("alpha", req);
  const entry = store.markAuthenticated(hex("bb01"), { innerAddress: "198.18.64.2", ueEndpoint: "198.18.200.5:4500" });
  assert.ok(entry);
  assert.equal(entry.state, "connected");
  assert.equal(entry.tunnel?.innerAddress, "198.18.64.2");
  assert.ok(isZero(req.lwipPsk));
  assert.deepEqual(store.lookupPsk(hex("bb01")), { ok: false, reason: "psk-used" });
  // A handshake that raced the first cannot be marked authenticated too.
  assert.equal(store.markAuthenticated(hex("bb01"), {}), undefined);
  // The window no longer applies to a connected UE.
  clock.advance(3_600_000);
  assert.equal(store.get(hex("bb01"))?.state, "connected");
});

test("psk-used is remembered after the entry is released, in a bounded tombstone list", () => {
  const { store } = setup({ tombstoneLimit: 2 });
  for (const idi of ["c1", "c2", "c3"]) {
    store.provision("alpha", request(idi));
    store.markAuthenticated(hex(idi), {});
    store.release("alpha", { idi: hex(idi) }, "enb-release");
  }
  assert.deepEqual(store.lookupPsk(hex("c3")), { ok: false, reason: "psk-used" });
  assert.deepEqual(store.lookupPsk(hex("c2")), { ok: false, reason: "psk-used" });
  assert.deepEqual(store.lookupPsk(hex("c1")), { ok: false, reason: "unknown-identity" }, "oldest tombstone dropped");
});

test("re-provisioning an IDi replaces the entry, zeroizes the old PSK and calls onRelease(replaced)", () => {
  const { clock, store, released } = setup();
  const first = request("dd01");
  const a = store.provision("alpha", first);
  assert.ok(a.ok);
  const second = request("dd01", { lwipPsk: new Uint8Array(32).fill(0x11) });
  const b = store.provision("alpha", second);
  assert.ok(b.ok);
  assert.ok(isZero(first.lwipPsk));
  assert.equal(released.length, 1);
  assert.equal(released[0]?.reason, "replaced");
  assert.equal(released[0]?.entry, a.entry);
  assert.equal(store.size, 1);
  const found = store.lookupPsk(hex("dd01"));
  assert.ok(found.ok && found.psk[0] === 0x11);
  assert.notDeepEqual(b.entry.wtUeXwapId, a.entry.wtUeXwapId);
  // The old entry's window timer no longer matters.
  clock.advance(29_999);
  assert.ok(store.lookupPsk(hex("dd01")).ok);
});

test("the same eNB UE XwAP ID with a new IDi replaces that UE's entry", () => {
  const { store, released } = setup();
  store.provision("alpha", request("e1", { enbUeXwapId: hex("000777") }));
  store.provision("alpha", request("e2", { enbUeXwapId: hex("000777") }));
  assert.deepEqual(store.list("alpha").map((e) => toHex(e.idi)), ["e2"]);
  assert.deepEqual(released.map((r) => [toHex(r.entry.idi), r.reason]), [["e1", "replaced"]]);
});

test("an eNB can neither replace nor release another eNB's IDi, nor see it listed", () => {
  const { store, released } = setup();
  const reqA = request("f1");
  store.provision("alpha", reqA);
  const byB = request("f1");
  const r = store.provision("bravo", byB);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.cause.type === "radioNetwork");
  assert.ok(isZero(byB.lwipPsk), "a refused request's PSK is zeroized too");
  assert.equal(store.release("bravo", { idi: hex("f1") }, "enb-release"), undefined);
  const entry = store.get(hex("f1"));
  assert.ok(entry);
  assert.equal(store.release("bravo", { wtUeXwapId: entry.wtUeXwapId }, "enb-release"), undefined);
  assert.equal(store.getByWtUeXwapId("bravo", entry.wtUeXwapId), undefined);
  assert.deepEqual(store.list("bravo"), []);
  assert.equal(store.list("alpha").length, 1);
  assert.equal(released.length, 0);
  assert.ok(store.lookupPsk(hex("f1")).ok && !isZero(reqA.lwipPsk));
});

test("release by WT UE XwAP ID zeroizes the unused PSK, reports enb-release, and frees the TEID", () => {
  const { store, released } = setup();
  const req = request("0a0b");
  const r = store.provision("alpha", req);
  assert.ok(r.ok);
  assert.equal(store.byGtpTeid(r.entry.segwGtpTeid), r.entry);
  const gone = store.release("alpha", { wtUeXwapId: r.entry.wtUeXwapId }, "enb-release");
  assert.equal(gone, r.entry);
  assert.ok(isZero(req.lwipPsk));
  assert.deepEqual(released.map((x) => x.reason), ["enb-release"]);
  assert.equal(store.byGtpTeid(r.entry.segwGtpTeid), undefined);
  assert.deepEqual(store.lookupPsk(hex("0a0b")), { ok: false, reason: "unknown-identity" });
});

test("release required keeps the entry until the eNB confirms", () => {
  const { store, released } = setup();
  store.provision("alpha", request("0c"));
  store.markAuthenticated(hex("0c"), { innerAddress: "198.18.64.9" });
  const e = store.markReleaseRequired(hex("0c"), { type: "radioNetwork", value: "radio-connection-with-UE-lost" });
  assert.equal(e?.state, "release-required");
  assert.equal(e?.tunnel, undefined);
  assert.equal(e?.releaseCause?.value, "radio-connection-with-UE-lost");
  assert.equal(released.length, 0);
  store.release("alpha", { idi: hex("0c") }, "release-confirmed");
  assert.deepEqual(released.map((x) => x.reason), ["release-confirmed"]);
});

test("TEIDs are non-zero and unique even when the random source repeats", () => {
  const draws = [hex("00000000"), hex("00000007"), hex("00000007"), hex("00000000"), hex("00000009")];
  const { store } = setup({ random: () => draws.shift() ?? hex("ffffffff") });
  const a = store.provision("alpha", request("71"));
  const b = store.provision("alpha", request("72"));
  assert.ok(a.ok && b.ok);
  assert.equal(toHex(a.entry.segwGtpTeid), "00000007");
  assert.equal(toHex(b.entry.segwGtpTeid), "00000009");
  assert.equal(store.byGtpTeid(9)?.idi[0], 0x72);
});

test("WT UE XwAP IDs are 3 octets and unique", () => {
  const { store } = setup();
  const ids = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const r = store.provision("alpha", request(`9${i.toString(16).padStart(3, "0")}`, { enbUeXwapId: new Uint8Array([1, 0, i]) }));
    assert.ok(r.ok);
    assert.equal(r.entry.wtUeXwapId.length, 3);
    ids.add(toHex(r.entry.wtUeXwapId));
  }
  assert.equal(ids.size, 50);
});

test("capacity limits reject with a misc cause, overall and per eNB", () => {
  const { store } = setup({ maxEntries: 3, perEnb: new Map([["alpha", 2]]) });
  assert.ok(store.provision("alpha", request("a1")).ok);
  assert.ok(store.provision("alpha", request("a2")).ok);
  const third = store.provision("alpha", request("a3"));
  assert.ok(!third.ok && third.cause.type === "misc");
  // Replacing an entry does not need room.
  assert.ok(store.provision("alpha", request("a2")).ok);
  assert.ok(store.provision("bravo", request("b1")).ok);
  const full = store.provision("bravo", request("b2"));
  assert.ok(!full.ok && full.cause.value === "not-enough-user-plane-processing-resources");
});

test("malformed IEs and windows out of range are rejected with protocol causes", () => {
  const { store } = setup();
  const cases: [Partial<LwipAdditionRequest>, string][] = [
    [{ enbUeXwapId: hex("0001") }, "abstract-syntax-error-falsely-constructed-message"],
    [{ ueIdentity: hex("0200") }, "abstract-syntax-error-falsely-constructed-message"],
    [{ lwipPsk: new Uint8Array(16) }, "abstract-syntax-error-falsely-constructed-message"],
    [{ ikeInitiatorIdentity: new Uint8Array(0) }, "abstract-syntax-error-falsely-constructed-message"],
    [{ windowSeconds: 301 }, "semantic-error"],
    [{ windowSeconds: 0 }, "semantic-error"],
  ];
  for (const [extra, value] of cases) {
    const r = store.provision("alpha", request("0e", extra));
    assert.ok(!r.ok, JSON.stringify(Object.keys(extra)));
    assert.deepEqual(r.cause, { type: "protocol", value });
  }
  assert.equal(store.size, 0);
});

test("entries and listings hold no key material", () => {
  const { store } = setup();
  store.provision("alpha", request("0f"));
  const text = JSON.stringify(store.list("alpha"), (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v));
  assert.ok(!text.includes("a5a5a5a5"), text);
  assert.ok(!("psk" in (store.get(hex("0f")) ?? {})));
});

test("releaseAll zeroizes every PSK and reports each entry", () => {
  const { store, released } = setup();
  const reqs = [request("51"), request("52")];
  for (const r of reqs) store.provision("alpha", r);
  store.releaseAll("shutdown");
  assert.equal(store.size, 0);
  assert.ok(reqs.every((r) => isZero(r.lwipPsk)));
  assert.deepEqual(released.map((r) => r.reason), ["shutdown", "shutdown"]);
});
