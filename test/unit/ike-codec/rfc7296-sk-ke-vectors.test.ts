/**
 * Published vectors through the codec: the free5gc IKE_AUTH message (outer header and SK framing,
 * RFC 7296 §3.14; free5gc/ike ike_test.go) and the KEi/KEr payloads printed in RFC 5903 §8.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { ExchangeType, PayloadType } from "../../../src/ike/registry.js";
import { decodeMessage, decodePayloads, encodeGenericHeader, encodeMessage, encodePayloads } from "../../../src/ike/codec/message.js";

interface Free5gcCase {
  message: string;
  spi_i: string;
  spi_r: string;
}
interface Rfc5903Case {
  section: string;
  group: number;
  gix: string;
  giy: string;
  grx: string;
  gry: string;
  KEi: string;
  KEr: string;
}

const free5gc = loadVectors<{ cases: Free5gcCase[] }>("ikev2-message-sk-eap-free5gc.json");
const rfc5903 = loadVectors<{ cases: Rfc5903Case[] }>("ikev2-ecp-dh-rfc5903.json");

test("free5gc IKE_AUTH: header and the SK payload framing (RFC 7296 §3.1, §3.14)", () => {
  const c = free5gc.cases[0];
  assert.ok(c);
  const bytes = hex(c.message);
  const m = decodeMessage(bytes);
  if (!m.ok) assert.fail(m.error.message);
  const h = m.value.header;
  assert.equal(toHex(h.spiI), c.spi_i);
  assert.equal(toHex(h.spiR), c.spi_r);
  assert.equal(h.exchangeType, ExchangeType.IKE_AUTH);
  assert.equal(h.flags, 0x08); // initiator, request
  assert.equal(h.messageId, 3);
  assert.equal(h.length, 108);
  assert.equal(h.nextPayload, PayloadType.SK);
  assert.equal(m.value.payloads.length, 1);
  const sk = m.value.payloads[0];
  assert.ok(sk && sk.type === PayloadType.SK && !("unknown" in sk));
  // SK generic header 30 00 0050: inner first payload EAP (48), Payload Length 80.
  assert.equal(sk.innerFirst, PayloadType.EAP);
  assert.equal(sk.critical, false);
  assert.equal(sk.body.length, 0x50 - 4); // 16-octet IV | 48 octets AES-CBC | 12-octet ICV
  assert.equal(toHex(sk.body), c.message.slice(2 * 32));
  // The SK layer's associated data: IKE header | SK generic header, built before the body exists.
  assert.equal(toHex(encodeGenericHeader(sk.innerFirst, false, 4 + sk.body.length)), c.message.slice(56, 64));
  const { length: _l, nextPayload: _n, ...rest } = h;
  assert.equal(toHex(encodeMessage(rest, m.value.payloads)), c.message);
});

for (const c of rfc5903.cases) {
  for (const [name, payloadHex, x, y] of [
    ["KEi", c.KEi, c.gix, c.giy],
    ["KEr", c.KEr, c.grx, c.gry],
  ] as const) {
    test(`${c.section} ${name}: group ${c.group}, Key Exchange Data = x | y (RFC 5903 §7)`, () => {
      const r = decodePayloads(PayloadType.KE, hex(payloadHex));
      if (!r.ok) assert.fail(r.error.message);
      assert.deepEqual(r.value, [{ type: PayloadType.KE, critical: false, dhGroup: c.group, keyData: hex(x + y) }]);
      assert.equal(toHex(encodePayloads(r.value)), payloadHex);
    });
  }
}
