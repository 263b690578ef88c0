// An ESP SA made with keys "share" (as the data plane makes them from a CHILD SA's KEYMAT, so that
// a SeGW does not hold a second copy of every UE's keys) works on the caller's octets in place:
// the draft-mcgrew-gcm-test-01 packets (RFC 4106 framing) come out the same, zeroizing those octets
// (their owner's job) disables the SA, and wipe() lets go of them without touching the owner's buffer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hex, toHex } from "../../../src/wire/hex.js";
import { isEspDrop } from "../../../src/esp/constants.js";
import { createInboundSa, createOutboundSa, type EspSaParams } from "../../../src/esp/sa.js";
import { PROFILE_GCM_CASES, type GcmCase } from "../../support/esp-gcm-vectors.js";

const cases = PROFILE_GCM_CASES;
const GUARD = 7;

/** key | salt at offset GUARD of a buffer whose other octets are 0xee (like one key of a KEYMAT). */
function keymatWith(c: GcmCase): { keymat: Uint8Array; keyAndSalt: Uint8Array } {
  const keyAndSalt = new Uint8Array([...hex(c.key), ...hex(c.nonce).subarray(0, 4)]);
  const keymat = new Uint8Array(GUARD + keyAndSalt.length + GUARD).fill(0xee);
  keymat.set(keyAndSalt, GUARD);
  return { keymat, keyAndSalt: keymat.subarray(GUARD, GUARD + keyAndSalt.length) };
}

function params(c: GcmCase, encrKey: Uint8Array): EspSaParams {
  const nonce = hex(c.nonce);
  return {
    spi: parseInt(c.spi, 16), encrId: 20, encrKeyBits: c.key.length === 32 ? 128 : 256, integId: 0, encrKey,
    esn: c.seq.length === 16, initialSeq: BigInt("0x" + c.seq), nextHeaders: [1], ivSource: () => nonce.subarray(4), keys: "share",
  };
}

test("the shared-key subset covers 128- and 256-bit keys", () => {
  assert.ok(cases.some((c) => c.key.length === 32) && cases.some((c) => c.key.length === 64));
});

for (const c of cases) {
  const plaintext = hex(c.plaintext);
  const padLength = plaintext[plaintext.length - 2] ?? 0;
  const inner = plaintext.subarray(0, plaintext.length - 2 - padLength);

  test(`draft-mcgrew case ${c.case} with a shared key: same packets, on the owner's octets in place`, () => {
    const a = keymatWith(c);
    const outbound = createOutboundSa(params(c, a.keyAndSalt));
    const sealed = outbound.encapsulate(inner, plaintext[plaintext.length - 1] ?? 0);
    assert.ok(!isEspDrop(sealed));
    assert.equal(toHex(sealed), c.packet.toLowerCase());

    const b = keymatWith(c);
    const inbound = createInboundSa(params(c, b.keyAndSalt));
    const opened = inbound.decapsulate(hex(c.packet));
    assert.ok(!isEspDrop(opened));
    assert.equal(toHex(opened.innerPacket), toHex(inner));

    // wipe() lets go without writing to the owner's buffer; the SA is gone.
    const before = a.keymat.slice();
    outbound.wipe();
    assert.deepEqual(a.keymat, before);
    assert.deepEqual(outbound.encapsulate(inner, 1), { drop: "bad-spi" });
  });
}

test("a shared key zeroized by its owner leaves the SA unable to open packets (no copy)", () => {
  const nonZeroKey = cases.filter((c) => hex(c.key).some((x) => x !== 0));
  assert.ok(nonZeroKey.length > 0);
  for (const c of nonZeroKey) {
    const k = keymatWith(c);
    const inbound = createInboundSa(params(c, k.keyAndSalt));
    k.keyAndSalt.fill(0);
    assert.deepEqual(inbound.decapsulate(hex(c.packet)), { drop: "icv" }, `case ${c.case}`);
  }
});

test("keys 'copy' (the default): the SA has its own key, unaffected by the caller's octets", () => {
  const c = cases[0];
  assert.ok(c);
  const k = keymatWith(c);
  const before = k.keymat.slice();
  const sa = createInboundSa({ ...params(c, k.keyAndSalt), keys: "copy" });
  k.keyAndSalt.fill(0);
  assert.ok(!isEspDrop(sa.decapsulate(hex(c.packet))));
  k.keymat.set(before);
  sa.wipe();
  assert.deepEqual(k.keymat, before);
});
