// MODP groups 14/15/16 (RFC 3526): padded public values and secrets (RFC 7296 §3.4) and rejection
// of degenerate peer values 0, 1, p-1 and values >= p (RFC 6989 §2.1). No published IKE vectors
// exist for MODP here, so agreement and the exponent-1/2 identities (g^1 = 2, y^1 = y) are used.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getDiffieHellman } from "node:crypto";
import { hex, toHex } from "../../../src/wire/hex.js";
import { DhGroup } from "../../../src/ike/registry.js";
import { createKeyExchange, keyExchangeLength, type KeyExchange } from "../../../src/ike/crypto/dh.js";

function create(group: number, privateKey?: Uint8Array): KeyExchange {
  const ke = createKeyExchange(group, privateKey);
  assert.ok(ke);
  return ke;
}

/** The RFC 3526 §3 prime as OpenSSL carries it. */
const p = new Uint8Array(getDiffieHellman("modp14").getPrime());

test("RFC 3526 §3 prime: 2048 bits, starting FFFFFFFF FFFFFFFF C90FDAA2 2168C234 and ending FFFFFFFF FFFFFFFF", () => {
  assert.equal(p.length, 256);
  assert.equal(toHex(p.subarray(0, 16)), "ffffffffffffffffc90fdaa22168c234");
  assert.equal(toHex(p.subarray(248)), "ffffffffffffffff");
});

test("MODP-2048: exponent 1 gives g = 2 left-padded to 256 octets, and y^1 = y", () => {
  const ke = create(DhGroup.MODP_2048, Uint8Array.of(1));
  assert.equal(toHex(ke.publicValue), "00".repeat(255) + "02");
  const y = new Uint8Array(256);
  y[200] = 0x5a; // a value with 200 leading zero octets: the secret must keep them
  const r = ke.computeShared(y);
  assert.ok(r.ok);
  if (r.ok) assert.equal(toHex(r.value), toHex(y));
  const two = create(DhGroup.MODP_2048, Uint8Array.of(2));
  assert.equal(toHex(two.publicValue), "00".repeat(255) + "04");
});

test("MODP-2048/3072/4096: two parties agree on a secret as long as the modulus", () => {
  for (const [group, length] of [
    [DhGroup.MODP_2048, 256],
    [DhGroup.MODP_3072, 384],
    [DhGroup.MODP_4096, 512],
  ] as const) {
    const a = create(group);
    const b = create(group);
    assert.equal(keyExchangeLength(group), length);
    assert.equal(a.publicValue.length, length);
    const ab = a.computeShared(b.publicValue);
    const ba = b.computeShared(a.publicValue);
    assert.ok(ab.ok && ba.ok);
    if (ab.ok && ba.ok) {
      assert.equal(ab.value.length, length);
      assert.equal(toHex(ab.value), toHex(ba.value));
    }
  }
});

test("MODP-2048 peer values 0, 1, p-1, p, 2^2048-1, and short/long values are invalid-ke", () => {
  const ke = create(DhGroup.MODP_2048);
  const pMinus1 = p.slice();
  pMinus1[255] = (p[255] ?? 0) - 1;
  const bad: [string, Uint8Array][] = [
    ["0", new Uint8Array(256)],
    ["1", hex("00".repeat(255) + "01")],
    ["p-1", pMinus1],
    ["p", p],
    ["2^2048-1", new Uint8Array(256).fill(0xff)],
    ["255 octets", p.subarray(1)],
    ["257 octets", new Uint8Array([0, ...hex("00".repeat(255) + "02")])],
    ["empty", new Uint8Array(0)],
  ];
  for (const [what, y] of bad) {
    const r = ke.computeShared(y);
    assert.equal(r.ok, false, what);
    if (!r.ok) {
      assert.equal(r.error.code, "invalid-ke", what);
      // Caught by our own RFC 6989 checks, not left to whatever the OpenSSL version refuses.
      assert.doesNotMatch(r.error.message, /key agreement failed/, what);
    }
  }
  // 2 and p-2 are the extremes of the valid range.
  const pMinus2 = p.slice();
  pMinus2[255] = (p[255] ?? 0) - 2;
  assert.ok(ke.computeShared(hex("00".repeat(255) + "02")).ok);
  assert.ok(ke.computeShared(pMinus2).ok);
});
