// SK payload protection (RFC 7296 §3.14, RFC 5282): seal/open round trips for every suite, the
// body layout checked with hand-composed node:crypto calls, and rejection of every kind of damage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import { hex, toHex } from "../../../src/wire/hex.js";
import { EncrId, IntegId } from "../../../src/ike/registry.js";
import { createSkCipher, type SkCipher, type SkSuite } from "../../../src/ike/crypto/sk-cipher.js";

const CBC = EncrId.ENCR_AES_CBC;
const GCM = EncrId.ENCR_AES_GCM_16;
const suites: { suite: SkSuite; encrLength: number; integLength: number; iv: number; icv: number; block: number }[] = [
  ...[128, 192, 256].flatMap((bits) =>
    [
      [IntegId.AUTH_HMAC_SHA2_256_128, 32, 16],
      [IntegId.AUTH_HMAC_SHA2_384_192, 48, 24],
      [IntegId.AUTH_HMAC_SHA2_512_256, 64, 32],
      [IntegId.AUTH_HMAC_SHA1_96, 20, 12],
    ].map(([integId = 0, integLength = 0, icv = 0]) => ({
      suite: { encrId: CBC, encrKeyBits: bits, integId },
      encrLength: bits / 8,
      integLength,
      iv: 16,
      icv,
      block: 16,
    })),
  ),
  ...[128, 192, 256].map((bits) => ({
    suite: { encrId: GCM, encrKeyBits: bits, integId: IntegId.NONE },
    encrLength: bits / 8 + 4,
    integLength: 0,
    iv: 8,
    icv: 16,
    block: 1,
  })),
];

const aad = hex("0011223344556677" + "8899aabbccddeeff" + "2e20230800000001000000500000" + "0034");
const key = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (seed + 7 * i) & 0xff);
const name = (s: SkSuite): string => `encr ${s.encrId}/${s.encrKeyBits} integ ${s.integId}`;

function make(s: (typeof suites)[number]): SkCipher {
  const sk = createSkCipher(s.suite, key(s.encrLength, 1), s.integLength === 0 ? undefined : key(s.integLength, 2));
  assert.ok(sk, name(s.suite));
  return sk;
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  const i = at < 0 ? out.length + at : at;
  out[i] = (out[i] ?? 0) ^ 0x01;
  return out;
}

test("seal -> open round trip; bodyLength() is exactly the sealed length; IV/ICV/block sizes", () => {
  for (const s of suites) {
    const sk = make(s);
    assert.equal(sk.ivLength, s.iv);
    assert.equal(sk.icvLength, s.icv);
    assert.equal(sk.blockLength, s.block);
    for (const n of [0, 1, 14, 15, 16, 17, 31, 100, 1000]) {
      const inner = key(n, n);
      const body = sk.seal(aad, inner);
      assert.equal(body.length, sk.bodyLength(n), `${name(s.suite)} inner ${n}`);
      assert.equal((body.length - s.iv - s.icv) % s.block, 0);
      const opened = sk.open(aad, body);
      assert.ok(opened, `${name(s.suite)} inner ${n}`);
      assert.equal(toHex(opened), toHex(inner));
    }
  }
});

test("open() returns undefined for a damaged ICV, ciphertext, IV, aad, or a truncated/extended/empty body", () => {
  for (const s of suites) {
    const sk = make(s);
    const body = sk.seal(aad, key(40, 3));
    const damaged: [string, Uint8Array, Uint8Array][] = [
      ["ICV", aad, flip(body, -1)],
      ["ciphertext", aad, flip(body, s.iv)],
      ["IV", aad, flip(body, 0)],
      ["aad", flip(aad, 5), body],
      ["truncated by 1", aad, body.subarray(0, body.length - 1)],
      ["truncated by a block", aad, body.subarray(0, body.length - 16)],
      ["one octet appended", aad, new Uint8Array([...body, 0])],
      ["IV and ICV only", aad, new Uint8Array([...body.subarray(0, s.iv), ...body.subarray(body.length - s.icv)])],
      ["empty", aad, new Uint8Array(0)],
    ];
    for (const [what, a, b] of damaged) assert.equal(sk.open(a, b), undefined, `${name(s.suite)}: ${what}`);
  }
});

test("cross-check AES-CBC + HMAC-SHA2-256-128 layout by hand: IV | AES-CBC(inner | pad | padlen) | HMAC(SK_a, aad | IV | ct)[0..16]", () => {
  const SK_e = key(16, 1);
  const SK_a = key(32, 2);
  const sk = createSkCipher({ encrId: CBC, encrKeyBits: 128, integId: IntegId.AUTH_HMAC_SHA2_256_128 }, SK_e, SK_a);
  assert.ok(sk);
  const inner = key(20, 9);
  const body = sk.seal(aad, inner);
  const iv = body.subarray(0, 16);
  const ct = body.subarray(16, body.length - 16);
  const icv = createHmac("sha256", SK_a).update(aad).update(iv).update(ct).digest().subarray(0, 16);
  assert.equal(toHex(body.subarray(body.length - 16)), icv.toString("hex"));
  const d = createDecipheriv("aes-128-cbc", SK_e, iv).setAutoPadding(false);
  const plain = Buffer.concat([d.update(ct), d.final()]);
  // 20 + 11 padding + 1 = 32: minimal padding, Pad Length 11.
  assert.equal(plain.length, 32);
  assert.equal(plain[31], 11);
  assert.equal(plain.subarray(0, 20).toString("hex"), toHex(inner));
});

test("cross-check AES-GCM-16-256 layout by hand: nonce = salt | IV, AAD = aad, body = IV | ct | 16-octet tag", () => {
  const material = key(36, 4);
  const sk = createSkCipher({ encrId: GCM, encrKeyBits: 256, integId: IntegId.NONE }, material, undefined);
  assert.ok(sk);
  const inner = key(21, 5);
  const body = sk.seal(aad, inner);
  const iv = body.subarray(0, 8);
  const d = createDecipheriv("aes-256-gcm", material.subarray(0, 32), Buffer.concat([material.subarray(32), iv]), { authTagLength: 16 });
  d.setAAD(aad);
  d.setAuthTag(body.subarray(body.length - 16));
  const plain = Buffer.concat([d.update(body.subarray(8, body.length - 16)), d.final()]);
  assert.equal(plain.toString("hex"), toHex(inner) + "00", "inner | Pad Length 0");
});

/** An AES-CBC-128 + HMAC-SHA2-256-128 body with a chosen decrypted content and a valid ICV. */
function cbcBodyByHand(SK_e: Uint8Array, SK_a: Uint8Array, decrypted: Uint8Array): Uint8Array {
  const iv = key(16, 77);
  const c = createCipheriv("aes-128-cbc", SK_e, iv).setAutoPadding(false);
  const ct = Buffer.concat([c.update(decrypted), c.final()]);
  const icv = createHmac("sha256", SK_a).update(aad).update(iv).update(ct).digest().subarray(0, 16);
  return new Uint8Array(Buffer.concat([iv, ct, icv]));
}

test("padding: longer-than-minimal padding with any content is accepted; Pad Length >= decrypted length is refused", () => {
  const SK_e = key(16, 1);
  const SK_a = key(32, 2);
  const sk = createSkCipher({ encrId: CBC, encrKeyBits: 128, integId: IntegId.AUTH_HMAC_SHA2_256_128 }, SK_e, SK_a);
  assert.ok(sk);
  const long = new Uint8Array(32).fill(0xee);
  long.set(key(5, 1), 0);
  long[31] = 26; // 5 payload octets | 26 padding octets | Pad Length
  assert.equal(toHex(sk.open(aad, cbcBodyByHand(SK_e, SK_a, long)) ?? new Uint8Array([0xde, 0xad])), toHex(key(5, 1)));
  const allPadding = new Uint8Array(16);
  allPadding[15] = 15; // no payload at all: still well formed
  assert.equal(sk.open(aad, cbcBodyByHand(SK_e, SK_a, allPadding))?.length, 0);
  for (const padLength of [16, 17, 255]) {
    const bad = new Uint8Array(16);
    bad[15] = padLength;
    assert.equal(sk.open(aad, cbcBodyByHand(SK_e, SK_a, bad)), undefined, `Pad Length ${padLength}`);
  }
});

test("padding: a GCM body whose Pad Length exceeds the plaintext is refused", () => {
  const material = key(20, 4);
  const sk = createSkCipher({ encrId: GCM, encrKeyBits: 128, integId: IntegId.NONE }, material, undefined);
  assert.ok(sk);
  const iv = key(8, 3);
  const c = createCipheriv("aes-128-gcm", material.subarray(0, 16), Buffer.concat([material.subarray(16), iv]), { authTagLength: 16 });
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(Uint8Array.of(1, 2, 3)), c.final()]);
  const body = new Uint8Array(Buffer.concat([iv, ct, c.getAuthTag()]));
  assert.equal(sk.open(aad, body), undefined);
});

test("GCM IVs never repeat under one key: a 64-bit counter from a random start (RFC 5282 §3.1)", () => {
  const sk = createSkCipher({ encrId: GCM, encrKeyBits: 128, integId: IntegId.NONE }, key(20, 1), undefined);
  const other = createSkCipher({ encrId: GCM, encrKeyBits: 128, integId: IntegId.NONE }, key(20, 1), undefined);
  assert.ok(sk && other);
  const ivs = Array.from({ length: 1000 }, () => Buffer.from(sk.seal(aad, new Uint8Array(1)).subarray(0, 8)).readBigUInt64BE(0));
  assert.equal(new Set(ivs).size, ivs.length);
  for (let i = 1; i < ivs.length; i++) assert.equal(ivs[i], ((ivs[i - 1] ?? 0n) + 1n) & 0xffffffffffffffffn);
  // A second SkCipher starts elsewhere (2^-64 chance of a false failure).
  assert.notEqual(Buffer.from(other.seal(aad, new Uint8Array(1)).subarray(0, 8)).readBigUInt64BE(0), ivs[0]);
});

test("AES-CBC IVs are fresh random values", () => {
  const sk = make(suites[0] ?? assert.fail());
  const a = toHex(sk.seal(aad, new Uint8Array(3)).subarray(0, 16));
  const b = toHex(sk.seal(aad, new Uint8Array(3)).subarray(0, 16));
  assert.notEqual(a, b);
});

test("createSkCipher: unsupported or inconsistent suites give undefined; wrong key sizes throw", () => {
  const k16 = new Uint8Array(16);
  const k32 = new Uint8Array(32);
  assert.equal(createSkCipher({ encrId: GCM, encrKeyBits: 128, integId: IntegId.AUTH_HMAC_SHA2_256_128 }, new Uint8Array(20), k32), undefined);
  assert.equal(createSkCipher({ encrId: CBC, encrKeyBits: 128, integId: IntegId.NONE }, k16, undefined), undefined);
  assert.equal(createSkCipher({ encrId: EncrId.ENCR_3DES, encrKeyBits: 192, integId: IntegId.AUTH_HMAC_SHA2_256_128 }, new Uint8Array(24), k32), undefined);
  assert.equal(createSkCipher({ encrId: CBC, encrKeyBits: 100, integId: IntegId.AUTH_HMAC_SHA2_256_128 }, k16, k32), undefined);
  assert.equal(createSkCipher({ encrId: EncrId.ENCR_AES_GCM_8, encrKeyBits: 128, integId: IntegId.NONE }, new Uint8Array(20), undefined), undefined);
  assert.throws(() => createSkCipher({ encrId: CBC, encrKeyBits: 256, integId: IntegId.AUTH_HMAC_SHA2_256_128 }, k16, k32), RangeError);
  assert.throws(() => createSkCipher({ encrId: CBC, encrKeyBits: 128, integId: IntegId.AUTH_HMAC_SHA2_256_128 }, k16, k16), RangeError);
  assert.throws(() => createSkCipher({ encrId: CBC, encrKeyBits: 128, integId: IntegId.AUTH_HMAC_SHA2_256_128 }, k16, undefined), RangeError);
  assert.throws(() => createSkCipher({ encrId: GCM, encrKeyBits: 128, integId: IntegId.NONE }, k16, undefined), RangeError, "salt missing");
  assert.throws(() => createSkCipher({ encrId: GCM, encrKeyBits: 128, integId: IntegId.NONE }, new Uint8Array(20), k16), RangeError);
});

test("wipe(): the caller's keys are untouched (copied), seal() throws, open() returns undefined", () => {
  for (const s of [suites[0], suites[suites.length - 1]]) {
    assert.ok(s);
    const encrKey = key(s.encrLength, 1);
    const sk = createSkCipher(s.suite, encrKey, s.integLength === 0 ? undefined : key(s.integLength, 2));
    assert.ok(sk);
    const body = sk.seal(aad, key(10, 1));
    sk.wipe();
    assert.throws(() => sk.seal(aad, key(10, 1)), Error);
    assert.equal(sk.open(aad, body), undefined);
    assert.equal(toHex(encrKey), toHex(key(s.encrLength, 1)));
  }
});
