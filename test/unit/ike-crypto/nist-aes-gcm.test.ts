// The AES-GCM primitive that the SK payload (RFC 5282) uses, against NIST CAVS gcmEncryptExtIV
// vectors with 96-bit IVs. Our ICV is always the 16-octet tag; the 96/64-bit-tag cases check
// that its leading octets equal the published truncated tag, and that open() refuses short tags.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { aesGcmOpen, aesGcmSeal } from "../../../src/ike/crypto/aes-gcm.js";

interface GcmCase {
  file: string;
  Keylen: number;
  Taglen: number;
  Count: number;
  PTlen: number;
  AADlen: number;
  Key: string;
  IV: string;
  PT: string;
  AAD: string;
  CT: string;
  Tag: string;
}

const cases = loadVectors<{ cases: GcmCase[] }>("aes-gcm-nist-cavs.json").cases;
const label = (c: GcmCase): string => `${c.file} PT ${c.PTlen} AAD ${c.AADlen} Tag ${c.Taglen} Count ${c.Count}`;

test("NIST CAVS GCM encrypt: ciphertext and tag (200 cases, AES-128 and AES-256)", () => {
  assert.equal(cases.length, 200);
  for (const c of cases) {
    const { ciphertext, tag } = aesGcmSeal(hex(c.Key), hex(c.IV), hex(c.AAD), hex(c.PT));
    assert.equal(toHex(ciphertext), c.CT, label(c));
    assert.equal(tag.length, 16);
    assert.equal(toHex(tag.subarray(0, c.Taglen / 8)), c.Tag, label(c));
  }
});

test("NIST CAVS GCM decrypt with 128-bit tags: plaintext back; a flipped tag, ciphertext or AAD bit fails", () => {
  for (const c of cases.filter((x) => x.Taglen === 128)) {
    const key = hex(c.Key);
    const iv = hex(c.IV);
    const pt = aesGcmOpen(key, iv, hex(c.AAD), hex(c.CT), hex(c.Tag));
    assert.equal(pt === undefined ? "rejected" : toHex(pt), c.PT, label(c));
    const badTag = hex(c.Tag);
    badTag[15] = (badTag[15] ?? 0) ^ 0x80;
    assert.equal(aesGcmOpen(key, iv, hex(c.AAD), hex(c.CT), badTag), undefined, label(c));
    if (c.CT.length > 0) {
      const badCt = hex(c.CT);
      badCt[0] = (badCt[0] ?? 0) ^ 1;
      assert.equal(aesGcmOpen(key, iv, hex(c.AAD), badCt, hex(c.Tag)), undefined, label(c));
    }
    if (c.AAD.length > 0) {
      const badAad = hex(c.AAD);
      badAad[0] = (badAad[0] ?? 0) ^ 1;
      assert.equal(aesGcmOpen(key, iv, badAad, hex(c.CT), hex(c.Tag)), undefined, label(c));
    }
  }
});

test("aesGcmOpen refuses truncated tags even when they are the published correct prefix", () => {
  for (const c of cases.filter((x) => x.Taglen !== 128)) {
    assert.equal(aesGcmOpen(hex(c.Key), hex(c.IV), hex(c.AAD), hex(c.CT), hex(c.Tag)), undefined, label(c));
  }
});

test("aesGcmSeal: a key or nonce of the wrong size is a programmer error", () => {
  const c = cases[0];
  assert.ok(c);
  assert.throws(() => aesGcmSeal(new Uint8Array(20), hex(c.IV), new Uint8Array(0), new Uint8Array(0)), RangeError);
  assert.throws(() => aesGcmSeal(hex(c.Key), new Uint8Array(8), new Uint8Array(0), new Uint8Array(0)), RangeError);
});
