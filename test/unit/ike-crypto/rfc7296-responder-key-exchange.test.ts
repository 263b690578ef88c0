// The responder's one-shot key exchange (RFC 7296 §1.2: KEr answers KEi in IKE_SA_INIT):
// respondToKeyExchange gives our KE data and g^ir at once. For ECP it reuses one ECDH object per
// curve, so these tests check that every call still makes a fresh key pair, that interleaved
// exchanges each agree with their own initiator, and that a refused peer value (RFC 6989) leaves
// the next exchange intact. RFC 5903 §8's vectors fix the ECP arithmetic itself (rfc5903-ecp-dh.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { createKeyExchange, keyExchangeLength, respondToKeyExchange, type KeyExchange, type ResponderKeyExchange } from "../../../src/ike/crypto/dh.js";

interface EcpCase {
  readonly group: number;
  readonly i: string;
  readonly grx: string;
  readonly gry: string;
  readonly girx: string;
}

const ecpCases = loadVectors<{ cases: EcpCase[] }>("ikev2-ecp-dh-rfc5903.json").cases;

function initiator(group: number, privateKey?: Uint8Array): KeyExchange {
  const ke = createKeyExchange(group, privateKey);
  assert.ok(ke, `group ${group}`);
  return ke;
}

function respond(group: number, peer: Uint8Array): ResponderKeyExchange {
  const r = respondToKeyExchange(group, peer);
  assert.ok(r, `group ${group}`);
  return r;
}

function sharedHex(r: { ok: true; value: Uint8Array } | { ok: false }): string {
  assert.ok(r.ok);
  return r.ok ? toHex(r.value) : "";
}

test("respondToKeyExchange: KE data of the group's length, and the same g^ir as the initiator computes", () => {
  for (const group of [14, 19, 20, 21, 31]) {
    const i = initiator(group);
    const r = respond(group, i.publicValue);
    assert.equal(r.group, group);
    assert.equal(r.publicValue.length, keyExchangeLength(group), `group ${group}`);
    assert.equal(sharedHex(r.shared), sharedHex(i.computeShared(r.publicValue)), `group ${group}`);
  }
});

test("respondToKeyExchange: RFC 5903 §8 initiator values give the vector's g^ir with the responder's public value", () => {
  for (const c of ecpCases) {
    // The responder's scalar is fresh, so g^ir is checked through the initiator's vector key.
    const i = initiator(c.group, hex(c.i));
    const r = respond(c.group, i.publicValue);
    assert.equal(sharedHex(r.shared), sharedHex(i.computeShared(r.publicValue)), `group ${c.group}`);
    assert.notEqual(toHex(r.publicValue), c.grx + c.gry, "a fresh key, not the vector's");
  }
});

test("respondToKeyExchange (ECP): each call makes a new key pair; interleaved exchanges agree pairwise", () => {
  for (const group of [19, 20, 21]) {
    const [a, b] = [initiator(group), initiator(group)];
    const ra = respond(group, a.publicValue);
    const rb = respond(group, b.publicValue);
    assert.notEqual(toHex(ra.publicValue), toHex(rb.publicValue));
    assert.notEqual(sharedHex(ra.shared), sharedHex(rb.shared));
    assert.equal(sharedHex(a.computeShared(ra.publicValue)), sharedHex(ra.shared));
    assert.equal(sharedHex(b.computeShared(rb.publicValue)), sharedHex(rb.shared));
  }
});

test("respondToKeyExchange: a bad peer value is invalid-ke (RFC 6989) and the next exchange still works", () => {
  for (const c of ecpCases) {
    const peer = hex(c.grx + c.gry);
    const offCurve = peer.slice();
    offCurve[offCurve.length - 1] = (offCurve[offCurve.length - 1] ?? 0) ^ 1;
    for (const bad of [peer.subarray(1), new Uint8Array(peer.length), offCurve]) {
      const r = respond(c.group, bad);
      assert.equal(r.shared.ok, false);
      if (!r.shared.ok) assert.equal(r.shared.error.code, "invalid-ke");
    }
    const i = initiator(c.group, hex(c.i));
    const r = respond(c.group, i.publicValue);
    assert.equal(sharedHex(r.shared), sharedHex(i.computeShared(r.publicValue)));
  }
  const modp = respond(14, new Uint8Array(256));
  assert.equal(modp.shared.ok, false, "MODP value 0");
});

test("respondToKeyExchange: no exchange for unknown or refused groups", () => {
  for (const group of [0, 1, 2, 5, 22, 32]) assert.equal(respondToKeyExchange(group, new Uint8Array(64)), undefined, `group ${group}`);
});
