// Curve25519, group 31 (RFC 8031; vectors from RFC 7748 §6.1 and RFC 8031 Appendix A as carried by
// strongSwan): public values, shared secret, and the §2.3 all-zero check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { DhGroup } from "../../../src/ike/registry.js";
import { createKeyExchange, keyExchangeLength, type KeyExchange } from "../../../src/ike/crypto/dh.js";

interface X25519Case {
  origin: string;
  private_i: string;
  public_i: string;
  private_r: string;
  public_r: string;
  shared: string;
}

const cases = loadVectors<{ cases: X25519Case[] }>("ikev2-x25519-rfc7748-rfc8031.json").cases;

function create(privateKey?: Uint8Array): KeyExchange {
  const ke = createKeyExchange(DhGroup.CURVE25519, privateKey);
  assert.ok(ke);
  return ke;
}

test("RFC 7748 §6.1 / RFC 8031 App. A: public values (= KE data) and g^ir in both directions", () => {
  assert.equal(cases.length, 2);
  for (const c of cases) {
    const i = create(hex(c.private_i));
    const r = create(hex(c.private_r));
    assert.equal(toHex(i.publicValue), c.public_i, c.origin);
    assert.equal(toHex(r.publicValue), c.public_r, c.origin);
    const ir = i.computeShared(hex(c.public_r));
    const ri = r.computeShared(i.publicValue);
    assert.ok(ir.ok && ri.ok);
    if (ir.ok && ri.ok) {
      assert.equal(toHex(ir.value), c.shared, c.origin);
      assert.equal(toHex(ri.value), c.shared, c.origin);
    }
  }
  assert.equal(keyExchangeLength(DhGroup.CURVE25519), 32);
});

test("X25519: fresh key pairs agree", () => {
  const a = create();
  const b = create();
  assert.equal(a.publicValue.length, 32);
  const ab = a.computeShared(b.publicValue);
  const ba = b.computeShared(a.publicValue);
  assert.ok(ab.ok && ba.ok);
  if (ab.ok && ba.ok) assert.equal(toHex(ab.value), toHex(ba.value));
});

test("RFC 8031 §2.3: low-order peer values giving an all-zero secret, and wrong lengths, are invalid-ke", () => {
  const c = cases[0];
  assert.ok(c);
  const ke = create(hex(c.private_i));
  // 0 and 1 are points of small order (RFC 7748 §6.1 note); X25519 of them is all zero.
  const lowOrder = [new Uint8Array(32), hex("0100000000000000000000000000000000000000000000000000000000000000")];
  for (const peer of [...lowOrder, new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
    const r = ke.computeShared(peer);
    assert.equal(r.ok, false, toHex(peer));
    if (!r.ok) assert.equal(r.error.code, "invalid-ke");
  }
  assert.throws(() => createKeyExchange(DhGroup.CURVE25519, new Uint8Array(31)), RangeError);
});
