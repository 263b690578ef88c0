/**
 * Round trips of 30 captured IKEv2 messages (test/vectors/ikev2-messages-captured-node-ikev2.json,
 * hyavari/node-ikev2 capture): decode, check the header against the file's annotations, re-encode
 * to identical bytes. One IKE_SA_INIT request is also checked field by field against its bytes
 * read per the RFC 7296 §3.3-§3.12 layouts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { ExchangeType, HeaderFlag, PayloadType } from "../../../src/ike/registry.js";
import { decodeMessage, encodeMessage, encodePayloads } from "../../../src/ike/codec/message.js";
import { decodeIkeHeader, encodeIkeHeader } from "../../../src/ike/codec/header.js";

interface CapturedCase {
  frame: number;
  exchange: keyof typeof ExchangeType;
  initiator_flag: boolean;
  response_flag: boolean;
  message_id: number;
  spi_i: string;
  spi_r: string;
  first_payload: number;
  length: number;
  udp_payload: string;
  ike_message: string;
}

const vectors = loadVectors<{ cases: CapturedCase[] }>("ikev2-messages-captured-node-ikev2.json");

test("the vector file holds the 30 captured messages", () => {
  assert.equal(vectors.cases.length, 30);
});

for (const c of vectors.cases) {
  test(`frame ${c.frame} (${c.exchange}): header matches the annotations and re-encodes identically`, () => {
    const bytes = hex(c.ike_message);
    // RFC 3948: on port 4500 the IKE message follows a 4-octet non-ESP marker.
    assert.equal(c.udp_payload, "00000000" + c.ike_message);
    const m = decodeMessage(bytes);
    if (!m.ok) assert.fail(`${m.error.code}: ${m.error.message}`);
    const h = m.value.header;
    assert.equal(h.exchangeType, ExchangeType[c.exchange]);
    assert.equal((h.flags & HeaderFlag.INITIATOR) !== 0, c.initiator_flag);
    assert.equal((h.flags & HeaderFlag.RESPONSE) !== 0, c.response_flag);
    assert.equal(h.messageId, c.message_id);
    assert.equal(toHex(h.spiI), c.spi_i);
    assert.equal(toHex(h.spiR), c.spi_r);
    assert.equal(h.nextPayload, c.first_payload);
    assert.equal(m.value.payloads[0]?.type, c.first_payload);
    assert.equal(h.length, c.length);
    assert.equal(h.length, bytes.length);
    assert.equal(h.version, 0x20);

    const header = decodeIkeHeader(bytes);
    assert.ok(header.ok);
    assert.equal(toHex(encodeIkeHeader(header.value)), c.ike_message.slice(0, 56));

    const { length: _length, nextPayload: _next, ...rest } = h;
    assert.equal(toHex(encodeMessage(rest, m.value.payloads)), c.ike_message);
    assert.equal(toHex(encodePayloads(m.value.payloads)), c.ike_message.slice(56));
  });
}

test("frame 1 IKE_SA_INIT request decodes to the fields its bytes spell out", () => {
  const frame1 = vectors.cases.find((c) => c.frame === 1);
  assert.ok(frame1);
  const m = decodeMessage(hex(frame1.ike_message));
  if (!m.ok) assert.fail(m.error.message);
  const p = m.value.payloads;
  assert.deepEqual(
    p.map((x) => x.type),
    [33, 34, 40, 43, 43, 43, 43, 41, 41, 41],
  );
  // 2200 0028 | 00 00 0024 01 01 00 03 | 03 00 000c 01 00 0014 800e 0100 | 03 00 0008 02 00 0005 | 00 00 0008 04 00 0013
  assert.deepEqual(p[0], {
    type: PayloadType.SA,
    critical: false,
    proposals: [
      {
        number: 1,
        protocolId: 1, // IKE, SPI Size 0 in IKE_SA_INIT
        spi: new Uint8Array(0),
        transforms: [
          { type: 1, id: 20, attributes: [{ type: 14, value: 256 }] }, // ENCR_AES_GCM_16, Key Length 256 (TV)
          { type: 2, id: 5, attributes: [] }, // PRF_HMAC_SHA2_256
          { type: 4, id: 19, attributes: [] }, // 256-bit random ECP group
        ],
      },
    ],
  });
  const ke = p[1];
  assert.ok(ke?.type === PayloadType.KE && !("unknown" in ke));
  assert.equal(ke.dhGroup, 19);
  assert.equal(ke.keyData.length, 64);
  assert.equal(toHex(ke.keyData).slice(0, 8), "db253178");
  const nonce = p[2];
  assert.ok(nonce?.type === PayloadType.NONCE && !("unknown" in nonce));
  assert.equal(nonce.nonce.length, 0x2c - 4);
  const lastNotify = p[9];
  assert.deepEqual(lastNotify, {
    type: PayloadType.NOTIFY,
    critical: false,
    protocolId: 0,
    spi: new Uint8Array(0),
    notifyType: 16431, // SIGNATURE_HASH_ALGORITHMS (RFC 7427)
    data: hex("0001000200030004"),
  });
});

test("frame 2 IKE_SA_INIT response carries an X.509 CERTREQ with no CA hashes", () => {
  const frame2 = vectors.cases.find((c) => c.frame === 2);
  assert.ok(frame2);
  const m = decodeMessage(hex(frame2.ike_message));
  if (!m.ok) assert.fail(m.error.message);
  // ... 2b000005 04: Next Payload VENDOR, Payload Length 5, Cert Encoding 4 (X.509 Signature)
  assert.deepEqual(m.value.payloads[3], { type: PayloadType.CERTREQ, critical: false, encoding: 4, data: new Uint8Array(0) });
});
