// Key material of an IKE SA and its CHILD SA after a real handshake (RFC 7296 §2.14, §2.17): each SA
// keeps its keys packed in one buffer (one ArrayBuffer per SA rather than one per key, for a SeGW
// with 100k UEs), and deleting the SA zeroizes every octet of it on both ends, CHILD SA keys and
// SK ciphers included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { IkePair, eventsOf } from "../../support/ike-pair.js";
import type { IkeSa } from "../../../src/ike/sa/ike-sa.js";
import type { ChildSa } from "../../../src/ike/sa/child-sa.js";

const zero = (b: Uint8Array) => b.length > 0 && b.every((x) => x === 0);
const KEY_NAMES = ["SK_d", "SK_ai", "SK_ar", "SK_ei", "SK_er", "SK_pi", "SK_pr"] as const;

function keysOf(sa: IkeSa): Uint8Array[] {
  const k = sa.crypto?.keys;
  assert.ok(k, "the SA has keys");
  return KEY_NAMES.map((n) => k[n]);
}

function childKeys(c: ChildSa): Uint8Array[] {
  return [c.encrIn, c.integIn, c.encrOut, c.integOut];
}

for (const [ike, esp, label] of [
  ["aes128gcm16-prfsha256-ecp256", "aes128gcm16", "AES-GCM"],
  ["aes128-sha256-modp2048", "aes128-sha256", "AES-CBC + HMAC"],
] as const) {
  test(`RFC 7296 §2.14/§2.17 (${label}): one buffer per SA's keys, all of it zeroized when the IKE SA is deleted`, () => {
    const pair = new IkePair({ ikeI: ike, espI: esp });
    const initiatorSa = pair.initiate();
    pair.flush();
    const responderSa = pair.responder.sas[0];
    const [childI, childR] = [pair.sinkI.installed[0], pair.sinkR.installed[0]];
    assert.ok(responderSa && childI && childR, "IKE and CHILD SAs up on both ends");

    for (const sa of [initiatorSa, responderSa]) {
      const keys = keysOf(sa);
      const buffer = keys[0]?.buffer;
      assert.ok(keys.every((k) => k.buffer === buffer), "the seven keys are views of one buffer");
      assert.equal(buffer?.byteLength, keys.reduce((n, k) => n + k.length, 0), "and that buffer holds nothing else");
      assert.ok(keys.filter((k) => k.length > 0).every((k) => !zero(k)), "live keys are not zero");
    }
    for (const c of [childI, childR]) {
      const keys = childKeys(c);
      assert.ok(keys.every((k) => k.buffer === keys[0]?.buffer), "the CHILD SA's four keys are views of one buffer");
      assert.ok(!zero(c.encrIn) && !zero(c.encrOut));
    }
    // The keys read from the record are the ones in use: both ends agree crosswise.
    assert.deepEqual(childI.encrOut, childR.encrIn);
    assert.deepEqual(keysOf(initiatorSa), keysOf(responderSa));

    pair.initiator.deleteIke(initiatorSa);
    pair.flush();
    assert.equal(eventsOf(pair.eventsR, "ike-sa-down")[0]?.reason, "deleted-by-peer");
    for (const sa of [initiatorSa, responderSa]) {
      assert.equal(sa.state, "dead");
      assert.ok(keysOf(sa).filter((k) => k.length > 0).every(zero), "every IKE SA key zeroized");
      assert.throws(() => sa.crypto?.out.seal(new Uint8Array(28), new Uint8Array(1)), /after wipe/, "the SK cipher is wiped too");
    }
    for (const c of [childI, childR]) assert.ok(childKeys(c).filter((k) => k.length > 0).every(zero), "every CHILD SA key zeroized");
  });
}
