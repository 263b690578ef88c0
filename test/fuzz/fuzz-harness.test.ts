/**
 * The fuzz harness checks itself: mutants stay within the target's bound, the plaintext form of
 * an IKE message (targets/ike-forms.ts) seals and opens back to itself (RFC 7296 §3.14), the raw
 * ESP sealer writes packets createInboundSa accepts (RFC 4303 §3.4), and V8 block coverage tells
 * a branch taken from one not taken.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createSkCipher } from "../../src/ike/crypto/sk-cipher.js";
import { EncrId, IntegId } from "../../src/ike/registry.js";
import { createInboundSa } from "../../src/esp/sa.js";
import { isEspDrop } from "../../src/esp/constants.js";
import { toHex } from "../../src/wire/hex.js";
import { mutate } from "./campaign/mutators.js";
import { Rng } from "./campaign/rng.js";
import { BlockCoverage } from "./campaign/coverage.js";
import { IKE_CHAIN_MUTATORS, sealPlaintextForm, toPlaintextForm } from "./targets/ike-forms.js";
import { rawEspPacket, type EspKeys } from "./targets/raw-seal.js";
import { captureEngineMessages } from "./targets/ike-engine.js";
import { uplinkSample } from "./targets/user-plane.js";

test("mutants never exceed the target's maximum length, whatever the parent", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 400 }), fc.integer(), (parent, maxLength, seed) => {
      const rng = new Rng(seed);
      const out = mutate(parent, { rng, other: () => parent, dictionary: [Uint8Array.of(1, 2, 3)], maxLength }, IKE_CHAIN_MUTATORS);
      assert.ok(out.length <= maxLength);
    }),
    { numRuns: 2000 },
  );
});

test("RFC 7296 §3.14: every captured message in plaintext form seals with SK_e/SK_a and opens back to the same octets", () => {
  const key = new Uint8Array(20).fill(9);
  const suite = { encrId: EncrId.ENCR_AES_GCM_16, encrKeyBits: 128, integId: IntegId.NONE };
  const sealer = createSkCipher(suite, key, undefined);
  const opener = createSkCipher(suite, key, undefined);
  assert.ok(sealer && opener);
  const forms = captureEngineMessages().map((c) => c.plaintext).filter((m) => m[16] === 46);
  assert.ok(forms.length >= 20, "captures include protected messages");
  for (const form of forms) {
    const sealed = sealPlaintextForm(form, sealer);
    assert.ok(sealed, "a message with an SK payload seals");
    assert.equal(toHex(toPlaintextForm(sealed, opener) ?? new Uint8Array(0)), toHex(form));
  }
});

test("RFC 4303 §3.4: the raw sealer's packets decapsulate to the plaintext it was given (GCM and CBC, with ESN)", () => {
  const inner = uplinkSample();
  const gcm: EspKeys = { spi: 0x1000, gcm: true, encrKey: new Uint8Array(20).fill(1), esn: true };
  const cbc: EspKeys = { spi: 0x1001, gcm: false, encrKey: new Uint8Array(16).fill(2), integKey: new Uint8Array(32).fill(3), esn: false };
  for (const k of [gcm, cbc]) {
    const sa = createInboundSa({ spi: k.spi, encrId: k.gcm ? 20 : 12, encrKeyBits: 128, integId: k.gcm ? 0 : 12, encrKey: k.encrKey, integKey: k.integKey, esn: k.esn });
    const pad = k.gcm ? (4 - ((inner.length + 2) % 4)) % 4 : (16 - ((inner.length + 2) % 16)) % 16;
    const plaintext = Uint8Array.from([...inner, ...Array.from({ length: pad }, (_, i) => i + 1), pad, 4]);
    const out = sa.decapsulate(rawEspPacket(k, 7, 0, plaintext));
    assert.ok(!isEspDrop(out), `${k.gcm ? "GCM" : "CBC"}: ${isEspDrop(out) ? out.drop : ""}`);
    assert.equal(toHex(out.innerPacket), toHex(inner));
  }
});

test("block coverage: the block of a branch counts once its branch ran", () => {
  const coverage = new BlockCoverage((url) => url.endsWith("/campaign/rng.js"));
  const rng = new Rng(1);
  coverage.take();
  rng.below(0);
  const first = coverage.take();
  rng.below(10);
  const second = coverage.take();
  coverage.stop();
  assert.ok([...second].some((f) => !first.has(f)), "below(10) reaches code below(0) does not");
});
