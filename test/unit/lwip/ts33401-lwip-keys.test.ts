// The AS security part of LWIP: LWIP-PSK = KDF(KeNB, LWIP counter) (TS 33.401 16.4.1, A.16),
// KeNB* for handover and KeNB refresh (A.5), and the LWIP counter rules of the spec brief §1.3
// ([M]: restart with a new KeNB, increment before each PSK, never wrap). The KDF outputs are
// checked against HMAC-SHA-256 composed here from node:crypto with the S layout of TS 33.220 B.2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { AsSecurityContext, deriveKenbStar, FC_KENB_STAR, LwipCounter } from "../../../src/lwip/as-security.js";
import { deriveLwipPsk } from "../../../src/kdf/lwip-psk.js";
import { hex } from "../../../src/wire/hex.js";

const KENB = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

function hmac(key: Uint8Array, s: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(s).digest());
}

test("A.5: KeNB* = HMAC-SHA-256(KeNB, 0x13 || PCI || 00 02 || EARFCN-DL || 00 02)", () => {
  assert.equal(FC_KENB_STAR, 0x13);
  const s = hex("13 01f7 0002 0514 0002"); // PCI 503, EARFCN-DL 1300
  assert.deepEqual(deriveKenbStar(KENB, { physCellId: 503, dlEarfcn: 1300 }), hmac(KENB, s));
  assert.notDeepEqual(deriveKenbStar(KENB, { physCellId: 1, dlEarfcn: 1300 }), deriveKenbStar(KENB, { physCellId: 2, dlEarfcn: 1300 }), "the target cell is an input");
  assert.throws(() => deriveKenbStar(KENB.subarray(1), { physCellId: 1, dlEarfcn: 1 }), RangeError);
  assert.throws(() => deriveKenbStar(KENB, { physCellId: 504, dlEarfcn: 1 }), RangeError);
});

test("16.4.1: the AS context's LWIP-PSK is KDF(KeNB, counter); after a refresh it comes from KeNB*", () => {
  const input = KENB.slice();
  const as = new AsSecurityContext(input);
  input.fill(0xee);
  // Spec brief §1.3 check value (KeNB 00..1f, counter 0x0123): S = 1E 01 23 00 02.
  assert.deepEqual(as.lwipPsk(0x0123), hex("b870389602b0611f4c63b886f434ef0b4fa53866b894e5fe3d2f1507d31d77bf"));
  assert.deepEqual(as.lwipPsk(1), hmac(KENB, hex("1e 0001 0002")));
  const cell = { physCellId: 7, dlEarfcn: 100 };
  as.refresh(cell);
  assert.deepEqual(as.lwipPsk(1), deriveLwipPsk(deriveKenbStar(KENB, cell), 1));
  assert.notDeepEqual(as.lwipPsk(1), deriveLwipPsk(KENB, 1), "the old KeNB no longer yields the PSK");
  as.wipe();
  assert.deepEqual(as.lwipPsk(1), deriveLwipPsk(new Uint8Array(32), 1), "wipe zeroizes the KeNB");
});

test("brief §1.3 [M]: the LWIP counter is incremented before each PSK, restarts with a new KeNB, and never repeats", () => {
  const c = new LwipCounter();
  assert.equal(c.current, 0);
  assert.deepEqual([c.next(), c.next(), c.next()], [1, 2, 3]);
  c.restart();
  assert.equal(c.current, 0);
  assert.equal(c.next(), 1);
});

test("brief §1.3 [M]: the LWIP counter refuses to wrap past 65535 (lwip-Counter-r13 is 0..65535): a KeNB refresh must come first", () => {
  const c = new LwipCounter();
  const seen = new Set<number>();
  for (let v = c.next(); v !== undefined; v = c.next()) seen.add(v);
  assert.equal(seen.size, 65535, "every value 1..65535 once");
  assert.equal(c.current, 65535);
  assert.equal(c.next(), undefined);
  assert.equal(c.next(), undefined, "still refused, no wrap to 0");
  c.restart();
  assert.equal(c.next(), 1);
});
