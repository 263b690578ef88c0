import { test } from "node:test";
import assert from "node:assert/strict";
import { buildKdfInput, kdf3gpp } from "../../../src/kdf/kdf-3gpp.js";
import { deriveLwipPsk, FC_LWIP_PSK } from "../../../src/kdf/lwip-psk.js";
import { hex, toHex } from "../../../src/wire/hex.js";

const KEY_00_1F = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

test("TS 33.220 B.2.0: S = FC || P0 || L0 || P1 || L1 with 2-octet big-endian lengths", () => {
  const s = buildKdfInput(0x11, [hex("00000102"), hex("aa")]);
  assert.equal(toHex(s), "11" + "00000102" + "0004" + "aa" + "0001");
});

test("TS 33.220 B.2.0: an empty parameter still carries its length 0x0000", () => {
  assert.equal(toHex(buildKdfInput(0x10, [new Uint8Array(0)])), "100000");
});

test("TS 33.401 A.3 via the generic KDF: KeNB from KASME and UL NAS COUNT (cross-check from the brief)", () => {
  // Brief §1.4: KASME = 00..1f, UL NAS COUNT = 258 -> KeNB, S = 11 00000102 0004 (agrees with a second implementation).
  const kenb = kdf3gpp(KEY_00_1F, 0x11, [hex("00000102")]);
  assert.equal(toHex(kenb), "5df775f16633b7e14575d47423c64d2062b6c8a5f10f3db6c234cbbf4dbe3237");
});

test("TS 33.401 A.16: LWIP-PSK = KDF(KeNB, FC || counter(2) || 0x0002), 256 bits", () => {
  assert.equal(FC_LWIP_PSK, 0x1e);
  assert.equal(toHex(deriveLwipPsk(KEY_00_1F, 0x0123)), "b870389602b0611f4c63b886f434ef0b4fa53866b894e5fe3d2f1507d31d77bf");
  assert.equal(toHex(deriveLwipPsk(KEY_00_1F, 0)), "74945c26dff9bb5f8f06289c094979f547c86deca5e34f8d06efabb23ff782bf");
});

test("TS 33.401 A.16: every counter value gives a different key (freshness input)", () => {
  const seen = new Set<string>();
  for (let c = 0; c < 256; c++) seen.add(toHex(deriveLwipPsk(KEY_00_1F, c)));
  assert.equal(seen.size, 256);
});

test("LWIP-PSK refuses a KeNB that is not 32 octets and counters outside 0..65535", () => {
  assert.throws(() => deriveLwipPsk(new Uint8Array(31), 0), RangeError);
  assert.throws(() => deriveLwipPsk(KEY_00_1F, 65536), RangeError);
  assert.throws(() => deriveLwipPsk(KEY_00_1F, -1), RangeError);
  assert.throws(() => deriveLwipPsk(KEY_00_1F, 1.5), RangeError);
});
