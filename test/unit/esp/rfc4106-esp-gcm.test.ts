// AES-GCM-ESP packets of draft-mcgrew-gcm-test-01 §4 (RFC 4106 framing, 32-bit and 64-bit ESN
// sequence numbers) through our inbound and outbound SAs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hex, toHex } from "../../../src/wire/hex.js";
import { isEspDrop } from "../../../src/esp/constants.js";
import { createInboundSa, createOutboundSa, type EspSaParams } from "../../../src/esp/sa.js";
import { PROFILE_GCM_CASES, type GcmCase } from "../../support/esp-gcm-vectors.js";

const cases = PROFILE_GCM_CASES;

/** The draft's plaintexts all carry Next Header 1, so the SA is told to accept it. */
function paramsFor(c: GcmCase): EspSaParams {
  const key = hex(c.key);
  const nonce = hex(c.nonce);
  const esn = c.seq.length === 16;
  return {
    spi: parseInt(c.spi, 16),
    encrId: 20,
    encrKeyBits: key.length === 16 ? 128 : 256,
    integId: 0,
    encrKey: new Uint8Array([...key, ...nonce.subarray(0, 4)]),
    esn,
    initialSeq: BigInt("0x" + c.seq),
    nextHeaders: [1],
    ivSource: () => nonce.subarray(4),
  };
}

test("the profile subset has 15 cases: 128/256-bit keys, 32-bit and ESN sequence numbers", () => {
  assert.equal(cases.length, 15);
  assert.ok(cases.some((c) => c.seq.length === 16) && cases.some((c) => c.seq.length === 8));
});

for (const c of cases) {
  const plaintext = hex(c.plaintext);
  const padLength = plaintext[plaintext.length - 2] ?? 0;
  const inner = plaintext.subarray(0, plaintext.length - 2 - padLength);
  const nextHeader = plaintext[plaintext.length - 1] ?? 0;

  test(`draft-mcgrew case ${c.case}: decapsulate gives the inner packet and next header`, () => {
    const sa = createInboundSa(paramsFor(c));
    const r = sa.decapsulate(hex(c.packet));
    assert.ok(!isEspDrop(r), `dropped: ${JSON.stringify(r)}`);
    assert.equal(toHex(r.innerPacket), toHex(inner));
    assert.equal(r.nextHeader, nextHeader);
    assert.equal(sa.highestSeq, BigInt("0x" + c.seq));
    assert.equal(sa.packets, 1);
    assert.equal(sa.bytes, inner.length);
  });

  test(`draft-mcgrew case ${c.case}: encapsulate with the same IV and seq reproduces the packet`, () => {
    const sa = createOutboundSa(paramsFor(c));
    const packet = sa.encapsulate(inner, nextHeader);
    assert.ok(!isEspDrop(packet));
    assert.equal(toHex(packet), c.packet);
  });

  test(`draft-mcgrew case ${c.case}: a changed ciphertext, ICV or sequence number is an icv drop`, () => {
    const seq = BigInt("0x" + c.seq);
    const seqLo = Number(seq & 0xffffffffn);
    const forgeries: Array<(p: Uint8Array) => void> = [
      (p) => (p[16] = (p[16] ?? 0) ^ 1),
      (p) => (p[p.length - 1] = (p[p.length - 1] ?? 0) ^ 0x80),
    ];
    // A later sequence number stays inside the window, so only the AAD check can refuse it.
    if (seqLo < 0xffffff00) forgeries.push((p) => new DataView(p.buffer, p.byteOffset).setUint32(4, seqLo + 0x100));
    for (const forge of forgeries) {
      const sa = createInboundSa(paramsFor(c));
      const forged = hex(c.packet);
      forge(forged);
      assert.deepEqual(sa.decapsulate(forged), { drop: "icv" });
      assert.equal(sa.drops.icv, 1);
      assert.equal(sa.highestSeq, seq - 1n, "a forged packet must not move the window");
    }
  });
}

test("ESN: the high half is authenticated, so the right packet under a wrong inferred high half fails", () => {
  const c = cases.find((x) => x.case === 1);
  assert.ok(c);
  // Packet seq 0x87654321_00000000. A receiver whose top is 0x8765431f_ffffff00, a whole
  // subspace behind, infers hi = Th + 1 = 0x87654320 (RFC 4303 Appendix A2.2, case A): the
  // packet looks new, but the GCM AAD no longer matches (the resynchronisation case of A3).
  const sa = createInboundSa({ ...paramsFor(c), initialSeq: 0x8765431f_ffffff01n });
  assert.deepEqual(sa.decapsulate(hex(c.packet)), { drop: "icv" });
});

test("default IV is the 64-bit sequence number, never repeating across the 2^32 boundary", () => {
  const key = new Uint8Array(20).fill(7);
  const base = { spi: 0x100, encrId: 20, encrKeyBits: 128 as const, integId: 0, encrKey: key, esn: true };
  const out = createOutboundSa({ ...base, initialSeq: 0xffffffffn });
  const inb = createInboundSa({ ...base, initialSeq: 0xffffffffn });
  const ivs = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const p = out.encapsulate(hex("4500"), 4);
    assert.ok(!isEspDrop(p));
    ivs.add(toHex(p.subarray(8, 16)));
    const r = inb.decapsulate(p);
    assert.ok(!isEspDrop(r));
    assert.equal(toHex(r.innerPacket), "4500");
  }
  assert.deepEqual([...ivs], ["00000000ffffffff", "0000000100000000", "0000000100000001"]);
  assert.equal(inb.highestSeq, 0x1_00000001n);
});
