/**
 * State the IKE engine leaves behind, found by the ike-engine fuzz target's baseline check
 * (targets/engine-session.ts: after a session is torn down, no IKE SA, lease or timer may remain)
 * and reduced to plain exchanges here. Both are OPEN BUGS in src/ (the lead fixes src/); the
 * tests fail until then.
 *
 *   UE (initiator)                                SeGW (responder)
 *   HDR, SK {SA, Ni, KEi}               -->                                  (IKE SA rekey, RFC 7296 §1.3.2)
 *                                       <--       HDR, SK {SA, Nr, KEr}
 *   HDR(old), SK {D(IKE)}               -->                                  (§2.18: the old SA is deleted)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IkePair } from "../support/ike-pair.js";

test("regression (fuzz finding, fixed): an IKE SA rekey keeps the UE's inner address leased to the successor SA (RFC 7296 §2.18, §3.15.1)", () => {
  const p = new IkePair();
  const sa = p.initiate();
  p.flush();
  assert.equal(sa.state, "established");
  assert.equal(p.pool.leased, 1, "one address leased to the UE");
  p.initiator.rekeyIke(sa);
  p.run(3000);
  const successor = p.responder.sas.find((s) => s.state === "established");
  assert.ok(successor, "the successor IKE SA is up at the SeGW");
  assert.equal(p.responder.sas.length, 1, "the old IKE SA is gone");
  // terminate() releases the pool by the old SA's name (SPIs); the successor, under a new name,
  // still uses the address, which the pool would now hand to the next UE.
  assert.equal(p.pool.leased, 1, "the UE's address is still leased while its successor SA uses it");
  p.initiator.deleteIke(p.initiator.sas[0] ?? sa);
  p.run(10_000);
  assert.equal(p.pool.leased, 0, "and released when that SA ends");
});

test("regression (fuzz finding, fixed): deleting an IKE SA while its rekey is in flight deletes the successor too (RFC 7296 §1.4.1, §2.18)", () => {
  const p = new IkePair();
  const sa = p.initiate();
  p.flush();
  p.initiator.rekeyIke(sa);
  // The application releases the tunnel (e.g. LWIP release, TS 33.401 16.3) before the rekey answer arrives.
  p.initiator.deleteIke(sa);
  p.run(60_000);
  assert.deepEqual(p.initiator.sas.map((s) => s.state), [], "no IKE SA is left at the UE");
  assert.deepEqual(p.responder.sas.map((s) => s.state), [], "no IKE SA is left at the SeGW");
  assert.equal(p.sinkR.active.length, 0, "no CHILD SA is left in the SeGW's data plane");
});
