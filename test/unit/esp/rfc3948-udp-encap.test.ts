// RFC 3948 demultiplexing on UDP port 4500: IKE behind the non-ESP marker, ESP, NAT-keepalives.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { hex, toHex } from "../../../src/wire/hex.js";
import { isEspDrop } from "../../../src/esp/constants.js";
import { createOutboundSa } from "../../../src/esp/sa.js";
import { classifyUdp4500, NAT_KEEPALIVE, withNonEspMarker } from "../../../src/esp/udp-encap.js";
import { loadVectors } from "../../support/vectors.js";

interface Captured {
  frame: string;
  udp_payload: string;
  ike_message: string;
}

const { cases } = loadVectors<{ cases: Captured[] }>("ikev2-messages-captured-node-ikev2.json");

test("captured IKE datagrams on port 4500: the marker is stripped, the message is intact", () => {
  assert.equal(cases.length, 30);
  for (const c of cases) {
    const r = classifyUdp4500(hex(c.udp_payload));
    assert.equal(r.kind, "ike", `frame ${c.frame}`);
    assert.ok(r.kind === "ike");
    assert.equal(toHex(r.message), c.ike_message);
    assert.equal(toHex(withNonEspMarker(hex(c.ike_message))), c.udp_payload);
  }
});

test("an ESP packet is classified with its SPI", () => {
  const sa = createOutboundSa({ spi: 0xc001d00d, encrId: 20, encrKeyBits: 128, integId: 0, encrKey: new Uint8Array(20), esn: false });
  const p = sa.encapsulate(hex("45000014"), 4);
  assert.ok(!isEspDrop(p));
  const r = classifyUdp4500(p);
  assert.ok(r.kind === "esp");
  assert.equal(r.spi, 0xc001d00d);
  assert.equal(r.packet, p);
});

test("NAT-keepalive is the single octet 0xFF (RFC 3948 §2.3)", () => {
  assert.equal(toHex(NAT_KEEPALIVE), "ff");
  assert.deepEqual(classifyUdp4500(NAT_KEEPALIVE), { kind: "keepalive" });
  assert.deepEqual(classifyUdp4500(hex("fe")), { kind: "invalid", reason: "truncated" });
  assert.deepEqual(classifyUdp4500(hex("ffff")), { kind: "invalid", reason: "truncated" });
});

test("too short for what the first octets claim: invalid", () => {
  assert.deepEqual(classifyUdp4500(new Uint8Array(0)), { kind: "invalid", reason: "empty" });
  assert.deepEqual(classifyUdp4500(hex("0102030405")), { kind: "invalid", reason: "truncated" }, "ESP needs SPI and sequence");
  assert.deepEqual(classifyUdp4500(new Uint8Array(4 + 27)), { kind: "invalid", reason: "truncated" }, "IKE needs a header");
  assert.equal(classifyUdp4500(new Uint8Array(4 + 28)).kind, "ike");
});

test("property: any datagram gets exactly one classification, without throwing", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (d) => {
      const r = classifyUdp4500(d);
      const zeroMarker = d.length >= 4 && d[0] === 0 && d[1] === 0 && d[2] === 0 && d[3] === 0;
      if (r.kind === "ike") assert.ok(zeroMarker && toHex(withNonEspMarker(r.message)) === toHex(d));
      if (r.kind === "esp") assert.ok(!zeroMarker && r.spi !== 0 && d.length >= 8);
      if (r.kind === "keepalive") assert.ok(d.length === 1 && d[0] === 0xff);
    }),
    { numRuns: 3000 },
  );
});
