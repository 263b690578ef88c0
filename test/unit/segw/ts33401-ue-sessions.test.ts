// The SeGW's UE sessions (TS 33.401 16.2.2: a UE's inner address bound to the eNB that provisioned
// it): found by IDi, and for downlink by our GTP TEID (TS 29.281), either from an index of their own
// or through the provisioning store's (no second index per UE); a session is its own binding.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BoundUeSession, UeSessions } from "../../../src/segw/ue-sessions.js";
import { IkeSa } from "../../../src/ike/sa/ike-sa.js";
import type { UeBinding } from "../../../src/segw/user-plane.js";

const END = { address: "192.0.2.1", port: 4500 };
const newSa = () => new IkeSa("responder", new Uint8Array(8), new Uint8Array(8).fill(1), END, END, 0, [], []);

function binding(idi: string, segwTeid: number): UeBinding {
  return { idi, virtualIp: Uint8Array.of(198, 18, 0, 9), enbName: "alpha", enbLwipEndpoints: [], enbGtp: { address: "192.0.2.9", port: 2152, teid: 7 }, segwTeid };
}

test("a BoundUeSession carries the binding's fields and is its own binding", () => {
  const sa = newSa();
  const b = binding("aa", 0x80000001);
  const s = new BoundUeSession(sa, b);
  assert.equal(s.binding, s);
  assert.deepEqual({ idi: s.idi, virtualIp: s.virtualIp, enbName: s.enbName, enbLwipEndpoints: s.enbLwipEndpoints, enbGtp: s.enbGtp, segwTeid: s.segwTeid }, b);
  assert.equal(s.sa, sa);
  assert.equal(s.releasedByEnb, false);
});

for (const mode of ["own index", "store's index"] as const) {
  test(`TEID lookup through the ${mode}: only a live session with that TEID is found`, () => {
    const owners = new Map<number, string>([[0x80000001, "aa"], [5, "bb"]]);
    const sessions = mode === "own index" ? new UeSessions() : new UeSessions((teid) => owners.get(teid));
    const a = new BoundUeSession(newSa(), binding("aa", 0x80000001));
    sessions.add(a);
    assert.equal(sessions.size, 1);
    assert.equal(sessions.get("aa"), a);
    assert.equal(sessions.bindingByTeid(0x80000001), a);
    assert.equal(sessions.bindingByTeid(5), undefined, "bb has no session");
    // Re-provisioned with another TEID: the old TEID no longer leads to it.
    const a2 = new BoundUeSession(newSa(), binding("aa", 9));
    owners.set(9, "aa");
    sessions.add(a2);
    assert.equal(sessions.size, 1);
    assert.equal(sessions.bindingByTeid(0x80000001), undefined);
    assert.equal(sessions.bindingByTeid(9), a2);
    assert.equal(sessions.remove("aa"), a2);
    assert.equal(sessions.bindingByTeid(9), undefined);
    assert.equal(sessions.size, 0);
  });
}
