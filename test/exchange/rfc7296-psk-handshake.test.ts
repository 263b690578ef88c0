import { test } from "node:test";
import assert from "node:assert/strict";
import { IkePair, eventsOf, IDI, PSK } from "../support/ike-pair.js";

for (const [ikeI, label] of [["aes128-sha256-modp2048", "MODP-2048 + AES-CBC/HMAC"], ["aes128gcm16-prfsha256-ecp256", "ECP-256 + AES-GCM"]] as const) {
  test(`RFC 7296 §1.2/§2.15: IKE_SA_INIT + IKE_AUTH with PSK (${label}) establishes IKE and CHILD SAs on both sides`, () => {
    const pair = new IkePair({ ikeI });
    pair.initiate();
    pair.flush();
    const upI = eventsOf(pair.eventsI, "ike-sa-up");
    const upR = eventsOf(pair.eventsR, "ike-sa-up");
    assert.equal(upI.length, 1);
    assert.equal(upR.length, 1);
    assert.equal(upI[0]?.spiI, upR[0]?.spiI);
    assert.equal(upI[0]?.spiR, upR[0]?.spiR);
    assert.equal(upR[0]?.idi, Buffer.from(IDI).toString("hex"));
    const childI = eventsOf(pair.eventsI, "child-sa-up")[0];
    const childR = eventsOf(pair.eventsR, "child-sa-up")[0];
    assert.ok(childI && childR);
    assert.equal(childI.spiIn, childR.spiOut);
    assert.equal(childI.spiOut, childR.spiIn);
    assert.equal(childI.virtualIp, "198.18.64.1");
    assert.deepEqual(childI.tsLocal, ["198.18.64.1/32"]);
    assert.deepEqual(childI.tsRemote, ["198.18.1.1/32"]);
    assert.deepEqual(childR.tsRemote, ["198.18.64.1/32"]);
    // Both ends derived the same CHILD SA keys, crosswise.
    const ci = pair.sinkI.installed[0];
    const cr = pair.sinkR.installed[0];
    assert.ok(ci && cr);
    assert.deepEqual(ci.encrOut, cr.encrIn);
    assert.deepEqual(ci.encrIn, cr.encrOut);
  });
}

test("RFC 7296 §2.15: a wrong PSK ends in AUTHENTICATION_FAILED on both sides, counted, no CHILD SA", () => {
  const pair = new IkePair();
  pair.initiate(new Uint8Array(32).fill(9));
  pair.flush();
  const failR = eventsOf(pair.eventsR, "ike-sa-failed");
  const failI = eventsOf(pair.eventsI, "ike-sa-failed");
  assert.equal(failR[0]?.reason, "AUTHENTICATION_FAILED");
  assert.equal(failR[0]?.detail, "wrong-psk");
  assert.equal(failI[0]?.reason, "AUTHENTICATION_FAILED");
  assert.equal(pair.sinkR.installed.length, 0);
  assert.equal(pair.responder.sas.length, 0);
  assert.equal(pair.responder.counters.get('ike_sa_failed{role="responder",reason="AUTHENTICATION_FAILED"}'), 1);
});

test("RFC 7296 §2.15: an unknown IDi ends in AUTHENTICATION_FAILED (indistinguishable from a wrong PSK)", () => {
  const pair = new IkePair();
  pair.initiate(PSK, new TextEncoder().encode("nobody"));
  pair.flush();
  assert.equal(eventsOf(pair.eventsR, "ike-sa-failed")[0]?.detail, "unknown-identity");
  assert.equal(eventsOf(pair.eventsI, "ike-sa-failed")[0]?.reason, "AUTHENTICATION_FAILED");
});

test("RFC 7296 §1.2: INVALID_KE_PAYLOAD makes the initiator retry with the responder's group", () => {
  const pair = new IkePair({ ikeI: "aes128gcm16-prfsha256-ecp256-modp2048", ikeR: "aes128gcm16-prfsha256-modp2048" });
  pair.initiate();
  pair.flush();
  assert.equal(eventsOf(pair.eventsI, "ike-sa-up")[0]?.dh, "MODP_2048");
  assert.equal(pair.initiator.counters.get("ike_invalid_ke_retries"), 1);
});

test("RFC 7296 §2.7: no common proposal answers NO_PROPOSAL_CHOSEN and keeps no responder state", () => {
  const pair = new IkePair({ ikeI: "aes256-sha512-ecp384", ikeR: "aes128-sha256-modp2048" });
  pair.initiate();
  pair.flush();
  assert.equal(eventsOf(pair.eventsI, "ike-sa-failed")[0]?.reason, "NO_PROPOSAL_CHOSEN");
  assert.equal(pair.responder.sas.length, 0);
});

test("RFC 7296 §2.6: above the half-open threshold the responder demands a cookie and the initiator echoes it", () => {
  const pair = new IkePair({ cookieThreshold: 0 });
  pair.initiate();
  pair.flush();
  assert.equal(pair.responder.counters.get("ike_cookie_sent"), 1);
  assert.equal(pair.responder.counters.get("ike_cookie_verified"), 1);
  assert.equal(eventsOf(pair.eventsI, "ike-sa-up").length, 1);
});

test("RFC 7296 §2.1: a lost response is retransmitted on the clock, and the duplicate request is answered from the cache", () => {
  const pair = new IkePair();
  pair.initiate();
  let dropped = 0;
  // Drop the first IKE_AUTH response (the second datagram the responder sends).
  let fromR = 0;
  pair.filter = (d) => {
    if (d.from.address !== "198.18.0.1") return true;
    fromR++;
    if (fromR === 2) {
      dropped++;
      return false;
    }
    return true;
  };
  pair.flush();
  assert.equal(dropped, 1);
  assert.equal(eventsOf(pair.eventsI, "ike-sa-up").length, 0);
  pair.clock.advance(1000);
  pair.flush();
  assert.equal(eventsOf(pair.eventsI, "ike-sa-up").length, 1);
  assert.equal(eventsOf(pair.eventsR, "ike-sa-up").length, 1, "the responder processed IKE_AUTH once");
  assert.equal(pair.responder.counters.get("ike_duplicate_requests"), 1);
});

test("RFC 7296 §2.1: with no answer at all the initiator gives up after its retransmissions", () => {
  const pair = new IkePair();
  pair.initiate();
  pair.filter = () => false;
  pair.flush();
  for (let i = 0; i < 5; i++) {
    pair.clock.advance(5000);
    pair.flush();
  }
  assert.equal(pair.initiator.sas.length, 0);
  assert.equal(pair.initiator.counters.get("ike_retransmit_timeouts"), 1);
  assert.equal(pair.clock.pending, 0, "no timer left behind");
});

test("RFC 7296 §1.2: when the responder refuses the CHILD SA of IKE_AUTH, the initiator deletes the useless IKE SA", () => {
  const pair = new IkePair({ espI: "aes256gcm16", espR: "aes128gcm16" });
  pair.initiate();
  pair.flush();
  assert.equal(eventsOf(pair.eventsI, "ike-sa-failed")[0]?.reason, "NO_PROPOSAL_CHOSEN");
  assert.equal(pair.initiator.sas.length, 0, "no IKE SA left at the initiator");
  assert.equal(pair.responder.sas.length, 0, "nor at the responder");
});
