// What a responder keeps per UE for the UE's whole life, made compact (issue 8: 100k UEs in one
// SeGW): suites and policy selectors are shared between SAs instead of copied, a host selector
// holds one address array, an established quiet SA holds no timer, and the liveness checks of
// all SAs run on one timer (RFC 7296 §2.4) at the same moments as one timer per SA would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { IkePair, eventsOf, PSK } from "../../support/ike-pair.js";
import { IdType } from "../../../src/ike/registry.js";
import { compactSelectors, sharedSelectors, sharedSuite } from "../../../src/ike/sa/shared-state.js";
import { hostSelector, parseIp, selectorFromCidr } from "../../../src/ike/traffic-selector.js";
import type { NegotiatedSuite } from "../../../src/ike/proposal.js";
import { hex } from "../../../src/wire/hex.js";

const ip = (text: string) => parseIp(text) ?? assert.fail(text);

test("sharedSuite: one frozen object per set of algorithms, whatever SPI the proposal carried", () => {
  const suite = (spi: string, esn = false): NegotiatedSuite => ({ protocolId: 3, encrId: 20, encrKeyBits: 128, integId: 0, prfId: 0, dhGroup: 0, esn, spi: hex(spi) });
  const a = sharedSuite(suite("01020304"));
  assert.equal(sharedSuite(suite("0a0b0c0d")), a);
  assert.notEqual(sharedSuite(suite("01020304", true)), a, "ESN is part of the suite");
  assert.equal(a.spi.length, 0, "an SA keeps its SPIs in fields of its own");
  assert.equal(a.encrId, 20);
  assert.ok(Object.isFrozen(a));
});

test("sharedSelectors / compactSelectors: equal selectors are one object, a host selector one address array", () => {
  const enb = [hostSelector(ip("198.18.1.1"))];
  const shared = sharedSelectors(enb);
  assert.equal(sharedSelectors([hostSelector(ip("198.18.1.1"))]), shared, "the same eNB endpoints, one list");
  assert.deepEqual(shared, enb);
  assert.equal(shared[0]?.startAddress, shared[0]?.endAddress);
  const vip = ip("198.18.64.7");
  assert.equal(compactSelectors([hostSelector(ip("198.18.1.1"))], [[], shared]), shared, "a list equal to the policy's is the policy's list");
  const [local, remote, range] = compactSelectors([hostSelector(ip("198.18.1.1")), hostSelector(ip("198.18.64.7")), selectorFromCidr({ address: ip("10.0.0.0"), prefixLength: 8 })], [shared], vip);
  assert.equal(local, shared[0], "a selector of the policy is the policy's object");
  assert.equal(remote?.startAddress, vip, "the virtual address itself");
  assert.equal(remote?.endAddress, vip);
  assert.deepEqual([...(range?.startAddress ?? [])], [10, 0, 0, 0]);
  assert.deepEqual([...(range?.endAddress ?? [])], [10, 255, 255, 255]);
});

test("a responder's CHILD SAs share suite and selectors across UEs; an established quiet SA holds no timer", () => {
  const ids = ["ue-1", "ue-2"].map((s) => new TextEncoder().encode(s));
  const pair = new IkePair({ psks: new Map(ids.map((id) => [Buffer.from(id).toString("hex"), PSK])) });
  for (const id of ids) {
    pair.initiateWith({ psk: PSK, idi: { idType: IdType.ID_KEY_ID, data: id } });
    pair.flush();
  }
  const [a, b] = pair.sinkR.installed;
  assert.ok(a && b, "two UEs up");
  assert.equal(a.suite, b.suite, "one suite object");
  assert.equal(a.tsLocal[0], b.tsLocal[0], "our side's selector is the policy's, for both");
  assert.equal(a.tsLocal, pair.policy.localTs, "the policy's very list");
  for (const sa of pair.responder.sas) {
    const child = sa.children[0];
    assert.ok(child && sa.virtualIp);
    assert.equal(child.tsRemote[0]?.startAddress, sa.virtualIp, "the UE's side is its virtual address, not a copy");
    assert.equal(child.tsRemote[0]?.endAddress, sa.virtualIp);
    assert.equal(sa.timers.size, 0, "no timer left once IKE_AUTH is done");
    assert.equal(sa.children.length, 1);
  }
});

test("RFC 7296 §2.4: liveness ticks of many SAs share one timer and fire dpdMs after each SA came up", () => {
  const ids = ["ue-a", "ue-b", "ue-c"].map((s) => new TextEncoder().encode(s));
  const pair = new IkePair({ dpdMs: 10_000, psks: new Map(ids.map((id) => [Buffer.from(id).toString("hex"), PSK])) });
  const timersBefore = pair.clock.pending;
  for (const [i, id] of ids.entries()) {
    pair.initiateWith({ psk: PSK, idi: { idType: IdType.ID_KEY_ID, data: id } });
    pair.flush();
    if (i < ids.length - 1) pair.clock.advance(1000);
  }
  assert.equal(eventsOf(pair.eventsR, "ike-sa-up").length, 3);
  // Each node: one liveness timer for all its SAs (the initiator's also has none per SA).
  assert.equal(pair.clock.pending - timersBefore, 2, "one timer per node, not one per SA");
  pair.filter = () => false;
  // The SAs came up at t = 0, 1000, 2000: the checks follow at 10000, 11000, 12000 on each side.
  const checks = () => pair.responder.counters.get("ike_liveness_checks");
  pair.clock.advance(10_000 - 2000 - 1);
  assert.equal(checks(), 0);
  pair.clock.advance(1);
  assert.equal(checks(), 1);
  pair.clock.advance(1000);
  assert.equal(checks(), 2);
  pair.clock.advance(1000);
  assert.equal(checks(), 3);
});

test("RFC 7296 §2.8: once a rekeyed CHILD SA is deleted, its successor no longer references it", () => {
  const pair = new IkePair({ childRekeyMs: 60_000 });
  pair.initiate();
  pair.flush();
  const [oldI, oldR] = [pair.sinkI.installed[0], pair.sinkR.installed[0]];
  pair.run(60_000);
  assert.equal(eventsOf(pair.eventsR, "child-sa-rekeyed").length, 1);
  assert.ok(oldI && oldR && pair.sinkI.removed.includes(oldI) && pair.sinkR.removed.includes(oldR), "the old pair is gone on both ends");
  for (const sink of [pair.sinkI, pair.sinkR]) {
    const [fresh] = sink.active;
    assert.ok(fresh);
    assert.equal(fresh.rekeyOf, undefined, "no chain of dead records");
  }
});
