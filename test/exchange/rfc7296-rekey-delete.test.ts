import { test } from "node:test";
import assert from "node:assert/strict";
import { IkePair, eventsOf } from "../support/ike-pair.js";

function established(espI = "aes128gcm16", espR = "aes128gcm16,aes128-sha256"): IkePair {
  const pair = new IkePair({ espI, espR });
  pair.initiate();
  pair.flush();
  assert.equal(eventsOf(pair.eventsI, "child-sa-up").length, 1);
  return pair;
}

for (const side of ["initiator", "responder"] as const) {
  test(`RFC 7296 §2.8: CHILD SA rekey started by the ${side} installs new SPIs and deletes the old pair`, () => {
    const pair = established();
    const node = side === "initiator" ? pair.initiator : pair.responder;
    const sa = node.sas[0];
    const child = sa?.children[0];
    assert.ok(sa && child);
    node.rekeyChild(sa, child);
    pair.flush();
    for (const sink of [pair.sinkI, pair.sinkR]) {
      assert.equal(sink.installed.length, 2);
      assert.equal(sink.active.length, 1);
      assert.equal(sink.removed[0], sink.installed[0], "the old pair is the one removed");
    }
    const newI = pair.sinkI.active[0];
    const newR = pair.sinkR.active[0];
    assert.ok(newI && newR);
    assert.equal(newI.spiOut, newR.spiIn);
    assert.deepEqual(newI.encrOut, newR.encrIn);
    assert.equal(eventsOf(pair.eventsI, "child-sa-rekeyed").length, 1);
    assert.equal(eventsOf(pair.eventsR, "child-sa-rekeyed").length, 1);
  });
}

test("RFC 7296 §1.3.3: a CHILD SA rekey with PFS derives keys from a fresh DH exchange", () => {
  const pair = established("aes128gcm16-ecp256", "aes128gcm16-ecp256");
  const sa = pair.initiator.sas[0];
  const child = sa?.children[0];
  assert.ok(sa && child);
  pair.initiator.rekeyChild(sa, child);
  pair.flush();
  const fresh = pair.sinkI.active[0];
  assert.ok(fresh);
  assert.equal(fresh.suite.dhGroup, 19);
  assert.deepEqual(fresh.encrOut, pair.sinkR.active[0]?.encrIn);
});

for (const side of ["initiator", "responder"] as const) {
  test(`RFC 7296 §2.18: IKE SA rekey by the ${side} moves the CHILD SA to the new IKE SA and deletes the old one`, () => {
    const pair = established();
    const node = side === "initiator" ? pair.initiator : pair.responder;
    const sa = node.sas[0];
    assert.ok(sa);
    node.rekeyIke(sa);
    pair.flush();
    assert.equal(pair.initiator.sas.length, 1);
    assert.equal(pair.responder.sas.length, 1);
    const newI = pair.initiator.sas[0];
    assert.ok(newI);
    assert.notDeepEqual(newI.spiI, sa.spiI);
    assert.equal(newI.children.length, 1);
    assert.equal(pair.sinkI.removed.length, 0, "the CHILD SA survives the IKE rekey");
    assert.equal(eventsOf(pair.eventsI, "ike-sa-rekeyed").length, 1);
    // The new IKE SA works: a CHILD SA rekey goes through it.
    const child = newI.children[0];
    assert.ok(child);
    pair.initiator.rekeyChild(newI, child);
    pair.flush();
    assert.equal(eventsOf(pair.eventsR, "child-sa-rekeyed").length, 1);
  });
}

test("RFC 7296 §1.4.1: deleting the IKE SA removes every CHILD SA on both sides", () => {
  const pair = established();
  const sa = pair.initiator.sas[0];
  assert.ok(sa);
  pair.initiator.deleteIke(sa);
  pair.flush();
  assert.equal(pair.initiator.sas.length, 0);
  assert.equal(pair.responder.sas.length, 0);
  assert.equal(pair.sinkI.active.length, 0);
  assert.equal(pair.sinkR.active.length, 0);
  assert.equal(eventsOf(pair.eventsR, "ike-sa-down")[0]?.reason, "deleted-by-peer");
  assert.equal(eventsOf(pair.eventsI, "ike-sa-down")[0]?.reason, "deleted");
  assert.equal(pair.pool.leased, 0, "the virtual address went back to the pool");
});

test("RFC 7296 §2.4: after silence a liveness check goes out; with no answer the SA ends as dpd-timeout", () => {
  const pair = new IkePair({ dpdMs: 10_000 });
  pair.initiate();
  pair.flush();
  assert.equal(eventsOf(pair.eventsI, "ike-sa-up").length, 1);
  pair.filter = () => false;
  pair.clock.advance(10_000);
  assert.equal(pair.initiator.counters.get("ike_liveness_checks"), 1);
  for (let i = 0; i < 4; i++) {
    pair.clock.advance(4000);
    pair.flush();
  }
  assert.equal(eventsOf(pair.eventsI, "ike-sa-down")[0]?.reason, "dpd-timeout");
  assert.equal(pair.sinkI.active.length, 0);
});

test("RFC 7296 §2.8: the initiator rekeys its CHILD SA and IKE SA when their lifetimes end", () => {
  const pair = new IkePair({ childRekeyMs: 60_000, ikeRekeyMs: 100_000 });
  pair.initiate();
  pair.flush();
  pair.run(60_000);
  assert.equal(eventsOf(pair.eventsR, "child-sa-rekeyed").length, 1, "CHILD SA rekeyed at its lifetime");
  pair.run(40_000);
  assert.equal(eventsOf(pair.eventsR, "ike-sa-rekeyed").length, 1, "IKE SA rekeyed at its lifetime");
  pair.run(60_000);
  assert.equal(eventsOf(pair.eventsR, "child-sa-rekeyed").length, 2, "the new CHILD SA has a lifetime too, on the new IKE SA");
  assert.equal(pair.sinkI.active.length, 1);
});
