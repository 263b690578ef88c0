// ECP groups 19/20/21 (RFC 5903 §8 test vectors): KE data = x | y, g^ir = x; invalid peer values
// (wrong length, off the curve, the point at infinity) become "invalid-ke" errors (RFC 6989).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { createKeyExchange, keyExchangeLength, type KeyExchange } from "../../../src/ike/crypto/dh.js";

interface EcpCase {
  section: string;
  group: number;
  i: string;
  gix: string;
  giy: string;
  KEi: string;
  r: string;
  grx: string;
  gry: string;
  KEr: string;
  girx: string;
}

const cases = loadVectors<{ cases: EcpCase[] }>("ikev2-ecp-dh-rfc5903.json").cases;

function create(group: number, privateKey?: Uint8Array): KeyExchange {
  const ke = createKeyExchange(group, privateKey);
  assert.ok(ke, `group ${group}`);
  return ke;
}

function assertInvalid(ke: KeyExchange, peer: Uint8Array, what: string): void {
  const r = ke.computeShared(peer);
  assert.equal(r.ok, false, what);
  if (!r.ok) assert.equal(r.error.code, "invalid-ke", what);
}

test("RFC 5903 §8: public values from i and r, KE payload data, and g^ir = x of the common point", () => {
  assert.deepEqual(
    cases.map((c) => c.group),
    [19, 20, 21],
  );
  for (const c of cases) {
    const initiator = create(c.group, hex(c.i));
    const responder = create(c.group, hex(c.r));
    assert.equal(toHex(initiator.publicValue), c.gix + c.giy, c.section);
    assert.equal(toHex(responder.publicValue), c.grx + c.gry, c.section);
    // The KE payload = 4-octet generic header | group (2) | reserved (2) | KE data (RFC 7296 §3.4).
    assert.equal(toHex(initiator.publicValue), c.KEi.slice(16), c.section);
    assert.equal(toHex(responder.publicValue), c.KEr.slice(16), c.section);
    assert.equal(keyExchangeLength(c.group), initiator.publicValue.length);
    for (const r of [initiator.computeShared(responder.publicValue), responder.computeShared(hex(c.gix + c.giy))]) {
      assert.ok(r.ok);
      if (r.ok) assert.equal(toHex(r.value), c.girx, c.section);
    }
  }
});

test("ECP: freshly generated key pairs agree on a fixed-length x coordinate", () => {
  for (const [group, length] of [
    [19, 32],
    [20, 48],
    [21, 66],
  ] as const) {
    const a = create(group);
    const b = create(group);
    assert.equal(a.publicValue.length, 2 * length);
    const ab = a.computeShared(b.publicValue);
    const ba = b.computeShared(a.publicValue);
    assert.ok(ab.ok && ba.ok);
    if (ab.ok && ba.ok) {
      assert.equal(ab.value.length, length);
      assert.equal(toHex(ab.value), toHex(ba.value));
    }
  }
});

test("ECP: wrong length, off-curve point and the all-zero encoding (no point at infinity) are invalid-ke", () => {
  for (const c of cases) {
    const ke = create(c.group, hex(c.i));
    const peer = hex(c.grx + c.gry);
    assertInvalid(ke, peer.subarray(1), "one octet short");
    assertInvalid(ke, new Uint8Array([...peer, 0]), "one octet long");
    assertInvalid(ke, new Uint8Array(0), "empty");
    assertInvalid(ke, hex(c.grx), "x only");
    const offCurve = peer.slice();
    offCurve[offCurve.length - 1] = (offCurve[offCurve.length - 1] ?? 0) ^ 1;
    assertInvalid(ke, offCurve, "y with its lowest bit flipped");
    assertInvalid(ke, new Uint8Array(peer.length), "all zeros");
    // The key exchange is still usable after rejecting bad input.
    const good = ke.computeShared(peer);
    assert.ok(good.ok);
    if (good.ok) assert.equal(toHex(good.value), c.girx);
  }
});

test("KeyExchange.wipe(): later use is a programmer error", () => {
  const c = cases[0];
  assert.ok(c);
  const ke = create(c.group, hex(c.i));
  ke.wipe();
  assert.throws(() => ke.computeShared(hex(c.grx + c.gry)), Error);
});

test("unknown and refused groups have no KeyExchange", () => {
  for (const group of [0, 1, 2, 5, 22, 32]) {
    assert.equal(createKeyExchange(group), undefined, `group ${group}`);
    assert.equal(keyExchangeLength(group), undefined, `group ${group}`);
  }
});
