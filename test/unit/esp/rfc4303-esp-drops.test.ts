// Bad input to an ESP SA (RFC 4303 §3.4): every refusal is returned, counted under its reason,
// never thrown, and leaves the SA (and other SAs) working. Sequence exhaustion (§3.3.3).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, randomBytes } from "node:crypto";
import fc from "fast-check";
import { concatBytes, hex, toHex } from "../../../src/wire/hex.js";
import { isEspDrop, MAX_ESP_PACKET_BYTES, type EspDropReason } from "../../../src/esp/constants.js";
import { createInboundSa, createOutboundSa, EspConfigError, type EspSaParams } from "../../../src/esp/sa.js";
import { InboundSaTable } from "../../../src/esp/table.js";

const SPI = 0x0a0b0c0d;
const gcmKey = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308cafebabe");
const gcm: EspSaParams = { spi: SPI, encrId: 20, encrKeyBits: 256, integId: 0, encrKey: gcmKey, esn: false };
const cbc: EspSaParams = {
  spi: SPI,
  encrId: 12,
  encrKeyBits: 128,
  integId: 12,
  encrKey: hex("0123456789abcdef0123456789abcdef"),
  integKey: new Uint8Array(32).fill(0x0b),
  esn: false,
};
const inner = hex("4500001c000000004001f9e3c0a80001c0a800020800f7ff00000000");

function u32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

/**
 * A GCM ESP packet composed by hand with node:crypto (RFC 4106), around any plaintext: lets a
 * test send authentic packets whose trailer our encapsulate would never produce.
 */
function handMadeGcm(seq: number, plaintext: Uint8Array): Uint8Array {
  const iv = randomBytes(8);
  const header = concatBytes(u32(SPI), u32(seq));
  const c = createCipheriv("aes-256-gcm", gcmKey.subarray(0, 32), concatBytes(gcmKey.subarray(32), iv));
  c.setAAD(header);
  const ct = concatBytes(c.update(plaintext), c.final());
  return concatBytes(header, iv, ct, c.getAuthTag());
}

function onlyDrop(drops: Readonly<Record<EspDropReason, number>>, reason: EspDropReason, n = 1): void {
  for (const [r, count] of Object.entries(drops)) assert.equal(count, r === reason ? n : 0, `drops.${r}`);
}

for (const [name, params] of [["GCM", gcm], ["CBC+HMAC", cbc]] as const) {
  const sealed = (): Uint8Array[] => {
    const out = createOutboundSa(params);
    return [1, 2, 3].map(() => {
      const p = out.encapsulate(inner, 4);
      assert.ok(!isEspDrop(p));
      return p;
    });
  };

  test(`${name}: truncated packets`, () => {
    const [p1] = sealed();
    assert.ok(p1);
    for (const n of [0, 1, 7, 8, 20, 33]) {
      const sa = createInboundSa(params);
      assert.deepEqual(sa.decapsulate(p1.subarray(0, n)), { drop: "truncated" }, `length ${n}`);
      onlyDrop(sa.drops, "truncated");
    }
    if (name === "CBC+HMAC") {
      const sa = createInboundSa(params);
      assert.deepEqual(sa.decapsulate(p1.subarray(0, p1.length - 1)), { drop: "truncated" }, "not whole blocks");
    }
  });

  test(`${name}: replayed, wrong-ICV, wrong-SPI and out-of-window packets`, () => {
    const [p1, p2, p3] = sealed();
    assert.ok(p1 && p2 && p3);
    const sa = createInboundSa({ ...params, replayWindow: 32 });
    assert.ok(!isEspDrop(sa.decapsulate(p2)));
    assert.deepEqual(sa.decapsulate(p2), { drop: "replay" });
    const forged = p3.slice();
    forged[forged.length - 5] = (forged[forged.length - 5] ?? 0) ^ 0x10;
    assert.deepEqual(sa.decapsulate(forged), { drop: "icv" });
    const otherSpi = p3.slice();
    otherSpi[0] = 0xee;
    assert.deepEqual(sa.decapsulate(otherSpi), { drop: "bad-spi" });
    // None of the refusals disturbed the SA: the genuine packets still go through, in any order.
    const r3 = sa.decapsulate(p3);
    assert.ok(!isEspDrop(r3));
    assert.equal(toHex(r3.innerPacket), toHex(inner));
    assert.ok(!isEspDrop(sa.decapsulate(p1)));
    assert.deepEqual(sa.drops, { ...zero(), replay: 1, icv: 1, "bad-spi": 1 });
    assert.equal(sa.packets, 3);
    const far = createOutboundSa({ ...params, initialSeq: 100n }).encapsulate(inner, 4);
    assert.ok(!isEspDrop(far));
    assert.ok(!isEspDrop(sa.decapsulate(far)));
    const old = createOutboundSa({ ...params, initialSeq: 68n }).encapsulate(inner, 4);
    assert.ok(!isEspDrop(old));
    assert.deepEqual(sa.decapsulate(old), { drop: "outside-window" });
  });

  test(`${name}: oversized packets both ways`, () => {
    const out = createOutboundSa(params);
    assert.deepEqual(out.encapsulate(new Uint8Array(MAX_ESP_PACKET_BYTES - 20), 4), { drop: "oversized" });
    onlyDrop(out.drops, "oversized");
    assert.equal(out.nextSeq, 1n, "a refused packet uses no sequence number");
    const sa = createInboundSa(params);
    assert.deepEqual(sa.decapsulate(new Uint8Array(MAX_ESP_PACKET_BYTES + 1)), { drop: "oversized" });
    const big = out.encapsulate(new Uint8Array(MAX_ESP_PACKET_BYTES - 80), 4);
    assert.ok(!isEspDrop(big) && big.length <= MAX_ESP_PACKET_BYTES);
    assert.ok(!isEspDrop(sa.decapsulate(big)));
  });

  test(`${name}: next headers the SA does not carry are refused both ways`, () => {
    const out = createOutboundSa(params);
    for (const nh of [59, 1, 256, -1, 4.5]) assert.deepEqual(out.encapsulate(inner, nh), { drop: "bad-next-header" });
    onlyDrop(out.drops, "bad-next-header", 5);
    const v6 = out.encapsulate(inner, 41);
    assert.ok(!isEspDrop(v6));
    const sa = createInboundSa(params);
    const r = sa.decapsulate(v6);
    assert.ok(!isEspDrop(r) && r.nextHeader === 41);
  });

  test(`${name}: random bytes never throw and are never accepted`, () => {
    const sa = createInboundSa(params);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, withSpi) => {
        const packet = withSpi && bytes.length >= 4 ? concatBytes(u32(SPI), bytes.subarray(4)) : bytes;
        const r = sa.decapsulate(packet);
        assert.ok(isEspDrop(r));
      }),
      { numRuns: 2000 },
    );
    assert.equal(sa.packets, 0);
  });

  test(`${name}: any change to a genuine packet is refused, never thrown`, () => {
    const [p1] = sealed();
    assert.ok(p1);
    fc.assert(
      fc.property(fc.nat({ max: p1.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const sa = createInboundSa(params);
        const forged = p1.slice();
        forged[at] = (forged[at] ?? 0) ^ xor;
        assert.ok(isEspDrop(sa.decapsulate(forged)));
        assert.ok(!isEspDrop(sa.decapsulate(p1)), "the genuine packet still passes");
      }),
      { numRuns: 300 },
    );
  });

  test(`${name}: a wiped SA refuses everything as bad-spi`, () => {
    const [p1] = sealed();
    assert.ok(p1);
    const out = createOutboundSa(params);
    const sa = createInboundSa(params);
    sa.wipe();
    out.wipe();
    assert.deepEqual(sa.decapsulate(p1), { drop: "bad-spi" });
    assert.deepEqual(out.encapsulate(inner, 4), { drop: "bad-spi" });
  });
}

function zero(): Record<EspDropReason, number> {
  return createInboundSa(gcm).drops;
}

test("padding: authentic packets with wrong padding are dropped and do not move the window", () => {
  const sa = createInboundSa(gcm);
  const cases = [
    concatBytes(inner, hex("0103"), hex("0204")), // not 1, 2
    concatBytes(inner, hex("0002"), hex("0204")),
    concatBytes(hex("01"), hex("ff04")), // Pad Length beyond the plaintext
  ];
  for (const plaintext of cases) assert.deepEqual(sa.decapsulate(handMadeGcm(1, plaintext)), { drop: "padding" });
  onlyDrop(sa.drops, "padding", 3);
  assert.equal(sa.highestSeq, 0n);
  const r = sa.decapsulate(handMadeGcm(1, concatBytes(inner, hex("0102"), hex("0204"))));
  assert.ok(!isEspDrop(r));
  assert.equal(toHex(r.innerPacket), toHex(inner));
});

test("a dummy packet (Next Header 59, RFC 4303 §2.6) is authentic: dropped, but its number is used", () => {
  const sa = createInboundSa(gcm);
  const dummy = handMadeGcm(7, hex("0102023b"));
  assert.deepEqual(sa.decapsulate(dummy), { drop: "bad-next-header" });
  assert.equal(sa.highestSeq, 7n);
  assert.deepEqual(sa.decapsulate(dummy), { drop: "replay" });
});

test("sequence exhaustion without ESN: needsRekey early, then seq-exhausted at 2^32 - 1", () => {
  const out = createOutboundSa({ ...gcm, initialSeq: 0xfffffffdn });
  const inb = createInboundSa({ ...gcm, initialSeq: 0xfffffffdn });
  assert.equal(out.needsRekey, true, "the default soft limit is 2^20 before the wrap");
  for (let i = 0; i < 3; i++) {
    const p = out.encapsulate(inner, 4);
    assert.ok(!isEspDrop(p));
    assert.ok(!isEspDrop(inb.decapsulate(p)));
  }
  assert.equal(inb.highestSeq, 0xffffffffn);
  assert.deepEqual(out.encapsulate(inner, 4), { drop: "seq-exhausted" });
  assert.deepEqual(out.encapsulate(inner, 4), { drop: "seq-exhausted" });
  onlyDrop(out.drops, "seq-exhausted", 2);
  assert.equal(out.packets, 3);
  assert.equal(out.bytes, 3 * inner.length);
});

test("sequence exhaustion with ESN at 2^64 - 1", () => {
  const out = createOutboundSa({ ...cbc, esn: true, initialSeq: (1n << 64n) - 2n });
  assert.ok(!isEspDrop(out.encapsulate(inner, 4)));
  assert.ok(!isEspDrop(out.encapsulate(inner, 4)));
  assert.deepEqual(out.encapsulate(inner, 4), { drop: "seq-exhausted" });
});

test("the soft limit is configurable and counts the next sequence number", () => {
  const out = createOutboundSa({ ...gcm, initialSeq: 10n, seqSoftLimit: 12n });
  assert.equal(out.needsRekey, false);
  out.encapsulate(inner, 4);
  assert.equal(out.needsRekey, false);
  out.encapsulate(inner, 4);
  assert.equal(out.nextSeq, 12n);
  assert.equal(out.needsRekey, true);
  const esn = createOutboundSa({ ...gcm, esn: true, initialSeq: 0xffffffffn, seqSoftLimit: 1n << 32n });
  assert.equal(esn.needsRekey, false);
  esn.encapsulate(inner, 4);
  assert.equal(esn.needsRekey, true, "the soft limit crosses the 32-bit boundary");
  assert.equal(createOutboundSa({ ...gcm, esn: true }).needsRekey, false);
});

test("parameters outside the profile are programmer errors", () => {
  const bad: Array<Partial<EspSaParams>> = [
    { encrId: 13 },
    { integId: 12 },
    { encrKey: new Uint8Array(32) },
    { spi: -1 },
    { spi: 2 ** 32 },
    { initialSeq: 0n },
    { initialSeq: 1n << 33n },
    { nextHeaders: [300] },
  ];
  for (const b of bad) assert.throws(() => createOutboundSa({ ...gcm, ...b }), EspConfigError, JSON.stringify(b, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v)));
  assert.throws(() => createInboundSa({ ...cbc, integKey: new Uint8Array(20) }), EspConfigError);
  assert.throws(() => createInboundSa({ ...cbc, ivSource: () => new Uint8Array(8) }), EspConfigError);
  assert.throws(() => createInboundSa({ ...gcm, replayWindow: 16 }), RangeError);
});

test("the SA table demultiplexes by SPI, counts unknown SPIs and keeps SAs apart", () => {
  const table = new InboundSaTable();
  const a = createInboundSa(gcm);
  const b = createInboundSa({ ...cbc, spi: 0x2000 });
  table.add(a);
  table.add(b);
  assert.throws(() => table.add(createInboundSa(gcm)), EspConfigError);
  const pa = createOutboundSa(gcm).encapsulate(inner, 4);
  const pb = createOutboundSa({ ...cbc, spi: 0x2000 }).encapsulate(inner, 4);
  assert.ok(!isEspDrop(pa) && !isEspDrop(pb));
  // Garbage aimed at SA b does not touch SA a.
  const garbage = concatBytes(u32(0x2000), randomBytes(60));
  const sb = table.lookup(garbage);
  assert.ok(!isEspDrop(sb));
  assert.ok(isEspDrop(sb.decapsulate(garbage)));
  for (const p of [pa, pb]) {
    const sa = table.lookup(p);
    assert.ok(!isEspDrop(sa));
    assert.ok(!isEspDrop(sa.decapsulate(p)));
  }
  assert.equal(a.packets, 1);
  assert.deepEqual(a.drops, zero());
  assert.equal(b.packets, 1);
  assert.deepEqual(table.lookup(concatBytes(u32(0x3000), randomBytes(40))), { drop: "bad-spi" });
  assert.deepEqual(table.lookup(hex("0000")), { drop: "truncated" });
  assert.equal(table.unknownSpiDrops, 2);
  assert.equal(table.delete(0x2000), true);
  assert.equal(table.delete(0x2000), false);
  assert.deepEqual(b.decapsulate(pb), { drop: "bad-spi" }, "deleting wipes the SA");
  assert.equal(table.size, 1);
  assert.equal(table.get(SPI), a);
});
