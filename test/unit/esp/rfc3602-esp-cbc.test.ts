// AES-CBC for ESP (RFC 3602 §4 test cases) through the CBC layer our SA uses, and the whole
// CBC + HMAC-SHA-256-128 SA cross-checked against hand-composed node:crypto primitives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createDecipheriv, createHmac } from "node:crypto";
import { concatBytes, hex, toHex } from "../../../src/wire/hex.js";
import { createCbcChain } from "../../../src/esp/cbc-hmac.js";
import { isEspDrop } from "../../../src/esp/constants.js";
import { espPayloadLength } from "../../../src/esp/trailer.js";
import { createInboundSa, createOutboundSa, type EspSaParams } from "../../../src/esp/sa.js";
import { loadVectors } from "../../support/vectors.js";

interface CbcCase {
  case: number;
  key: string;
  iv: string;
  plaintext?: string;
  ciphertext?: string;
  mode?: string;
  sequence_number?: number;
  spi_seq?: string;
  original_ip_header?: string;
  original_data?: string;
  next_header?: string;
  pre_encryption_data?: string;
  encrypted_data?: string;
}

const { cases } = loadVectors<{ cases: CbcCase[] }>("esp-aes-cbc-rfc3602.json");
const espCases = cases.filter((c) => c.case >= 5);
const str = (s: string | undefined): string => {
  assert.ok(s !== undefined);
  return s;
};

test("RFC 3602 cases 1-4: the CBC chain decrypts IV | ciphertext to the plaintext", () => {
  const raw = cases.filter((c) => c.case <= 4);
  assert.equal(raw.length, 4);
  for (const c of raw) {
    const chain = createCbcChain(hex(c.key));
    assert.equal(toHex(chain.decrypt(concatBytes(hex(c.iv), hex(str(c.ciphertext))))), c.plaintext, `case ${c.case}`);
  }
});

test("RFC 3602 cases 5-8: decrypting the ESP payload gives the pre-encryption data and its trailer", () => {
  assert.equal(espCases.length, 4);
  for (const c of espCases) {
    const chain = createCbcChain(hex(c.key));
    const plaintext = chain.decrypt(concatBytes(hex(c.iv), hex(str(c.encrypted_data))));
    assert.equal(toHex(plaintext), c.pre_encryption_data, `case ${c.case}`);
    // Tunnel mode carries the original header too (RFC 3602 §4 prints both parts).
    const original = c.mode === "tunnel" ? str(c.original_ip_header) + str(c.original_data) : str(c.original_data);
    assert.equal(espPayloadLength(plaintext), original.length / 2, `case ${c.case}`);
    assert.equal(plaintext[plaintext.length - 1], parseInt(str(c.next_header), 16));
  }
});

test("the chain keeps decrypting correctly packet after packet (state carried between calls)", () => {
  const chain = createCbcChain(hex(espCases[0]?.key ?? ""));
  for (const c of [...espCases, ...espCases].filter((x) => x.key === espCases[0]?.key)) {
    assert.equal(toHex(chain.decrypt(concatBytes(hex(c.iv), hex(str(c.encrypted_data))))), c.pre_encryption_data);
  }
});

test("the chain's encrypt output is standard CBC under the IV it emits", () => {
  const key = hex("0123456789abcdef0123456789abcdef");
  const chain = createCbcChain(key);
  const plaintext = hex(str(espCases[2]?.pre_encryption_data));
  for (let i = 0; i < 3; i++) {
    const out = chain.encrypt(concatBytes(new Uint8Array(16).fill(i), plaintext));
    const d = createDecipheriv("aes-128-cbc", key, out.subarray(0, 16)).setAutoPadding(false);
    assert.equal(toHex(concatBytes(d.update(out.subarray(16)), d.final())), toHex(plaintext));
  }
});

const integKey = hex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

function hmacIcv(authenticated: Uint8Array, seqHi?: number): string {
  const h = createHmac("sha256", integKey).update(authenticated);
  if (seqHi !== undefined) h.update(Buffer.from([seqHi >>> 24, (seqHi >>> 16) & 255, (seqHi >>> 8) & 255, seqHi & 255]));
  return h.digest("hex").slice(0, 32);
}

for (const c of espCases.filter((x) => x.mode === "tunnel")) {
  test(`RFC 3602 case ${c.case} plus an HMAC-SHA-256-128 ICV decapsulates to the original packet`, () => {
    const spiSeq = hex(str(c.spi_seq));
    const unauthenticated = concatBytes(spiSeq, hex(c.iv), hex(str(c.encrypted_data)));
    const packet = concatBytes(unauthenticated, hex(hmacIcv(unauthenticated)));
    const params: EspSaParams = {
      spi: new DataView(spiSeq.buffer).getUint32(0),
      encrId: 12,
      encrKeyBits: 128,
      integId: 12,
      encrKey: hex(c.key),
      integKey,
      esn: false,
    };
    const sa = createInboundSa(params);
    const r = sa.decapsulate(packet);
    assert.ok(!isEspDrop(r), JSON.stringify(r));
    assert.equal(toHex(r.innerPacket), str(c.original_ip_header) + str(c.original_data));
    assert.equal(r.nextHeader, 4);
    assert.equal(sa.highestSeq, BigInt(c.sequence_number ?? 0));
    assert.deepEqual(sa.decapsulate(packet), { drop: "replay" });
  });
}

for (const esn of [false, true]) {
  test(`encapsulate (ESN ${esn}) verifies with createHmac and decrypts with createDecipheriv`, () => {
    const encrKey = hex("90d382b410eeba7ad938c46cec1a82bf90d382b410eeba7ad938c46cec1a82bf");
    const params: EspSaParams = { spi: 0xc0ffee, encrId: 12, encrKeyBits: 256, integId: 12, encrKey, integKey, esn, initialSeq: 0xffffffffn };
    const sa = createOutboundSa(params);
    const inner = hex(str(espCases[2]?.original_ip_header) + str(espCases[2]?.original_data));
    for (const [seqHi, seqLo] of [[0, 0xffffffff], [1, 0]] as const) {
      const p = sa.encapsulate(inner, 4);
      if (!esn && seqHi === 1) {
        assert.deepEqual(p, { drop: "seq-exhausted" });
        continue;
      }
      assert.ok(!isEspDrop(p));
      assert.equal(toHex(p.subarray(0, 8)), "00c0ffee" + seqLo.toString(16).padStart(8, "0"));
      assert.equal((p.length - 8 - 16 - 16) % 16, 0);
      const icvAt = p.length - 16;
      assert.equal(toHex(p.subarray(icvAt)), hmacIcv(p.subarray(0, icvAt), esn ? seqHi : undefined));
      const d = createDecipheriv("aes-256-cbc", encrKey, p.subarray(8, 24)).setAutoPadding(false);
      const plaintext = concatBytes(d.update(p.subarray(24, icvAt)), d.final());
      assert.equal(toHex(plaintext.subarray(0, inner.length)), toHex(inner));
      // RFC 4303 §2.4 default padding 1, 2, 3, ..., then Pad Length and Next Header 4.
      const padLength = plaintext.length - inner.length - 2;
      assert.deepEqual([...plaintext.subarray(inner.length)], [...Array.from({ length: padLength }, (_, i) => i + 1), padLength, 4]);
    }
  });
}

test("CBC IVs differ from packet to packet and from SA to SA", () => {
  const params: EspSaParams = { spi: 1, encrId: 12, encrKeyBits: 128, integId: 12, encrKey: new Uint8Array(16), integKey, esn: false };
  const ivs = new Set<string>();
  for (const sa of [createOutboundSa(params), createOutboundSa(params)]) {
    for (let i = 0; i < 300; i++) {
      const p = sa.encapsulate(new Uint8Array(20), 4);
      assert.ok(!isEspDrop(p));
      ivs.add(toHex(p.subarray(8, 24)));
    }
  }
  assert.equal(ivs.size, 600);
});
