// The IKE SA record keeps its SPIs (RFC 7296 §3.1), IDi (§3.5) and cached last response (§2.1)
// compactly, as strings, since a SeGW holds one SA per UE: what callers read must still be the
// octets they gave, as fresh copies, and a retransmitted request must get the very same bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { IkeSa } from "../../../src/ike/sa/ike-sa.js";
import { toHex } from "../../../src/wire/hex.js";
import { IkePair, SEGW, type Datagram } from "../../support/ike-pair.js";

const END = { address: "192.0.2.1", port: 500 };
const sa = (spiI: Uint8Array, spiR: Uint8Array) => new IkeSa("responder", spiI, spiR, END, END, 0, [], []);
const spi = fc.uint8Array({ minLength: 8, maxLength: 8 });

test("§3.1: spiI and spiR read back as given (any octets), as copies; an initiator learns SPIr", () => {
  fc.assert(fc.property(spi, spi, spi, (i, r, later) => {
    const s = sa(i, r);
    assert.deepEqual([s.spiI, s.spiR], [i, r]);
    s.spiI.fill(0);
    assert.deepEqual(s.spiI, i, "a copy: writing it changes nothing");
    s.spiR = later;
    assert.deepEqual([s.spiI, s.spiR, s.localSpi], [i, later, later]);
    assert.equal(s.name, `${toHex(i)}_i ${toHex(later)}_r`);
  }));
  assert.throws(() => sa(new Uint8Array(7), new Uint8Array(8)), RangeError);
  assert.throws(() => sa(new Uint8Array(8), new Uint8Array(9)), RangeError);
  assert.throws(() => { sa(new Uint8Array(8), new Uint8Array(8)).spiR = new Uint8Array(4); }, RangeError);
});

test("§3.5: the IDi reads back as given, with its hex; sharing an equal hex string keeps it", () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 255 }), fc.integer({ min: 1, max: 255 }), (data, idType) => {
    const s = sa(new Uint8Array(8), new Uint8Array(8));
    assert.equal(s.idi, undefined);
    assert.equal(s.idiHex, null);
    s.idi = { idType, data };
    assert.deepEqual(s.idi, { idType, data });
    assert.equal(s.idiHex, toHex(data));
    s.shareIdiHex("00" + toHex(data));
    assert.equal(s.idiHex, toHex(data), "an unequal string is not taken");
    s.shareIdiHex(toHex(data));
    assert.equal(s.idiHex, toHex(data));
    s.idi = undefined;
    assert.equal(s.idiHex, null);
  }));
});

test("§2.1: the cached response reads back octet for octet (short and long, any values, one datagram or RFC 7383 fragments), as a copy", () => {
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 1500 }), { minLength: 1, maxLength: 4 }), fc.nat(), (datagrams, messageId) => {
    const s = sa(new Uint8Array(8), new Uint8Array(8));
    assert.equal(s.lastResponse, undefined);
    s.lastResponse = { messageId, datagrams };
    const cached = s.lastResponse;
    assert.equal(cached?.messageId, messageId);
    assert.deepEqual(cached?.datagrams, datagrams);
    for (const d of cached?.datagrams ?? []) d.fill(1);
    assert.deepEqual(s.lastResponse?.datagrams, datagrams);
  }));
});

test("§2.1: a retransmitted IKE_AUTH request is answered with the same octets as the first time", () => {
  const pair = new IkePair({ ikeI: "aes128gcm16-prfsha256-ecp256" });
  pair.initiate();
  let authRequest: Datagram | undefined;
  const responses: Uint8Array[] = [];
  pair.filter = (d) => {
    const exchange = d.bytes[18];
    if (exchange === 35 && d.to.address === SEGW.address) authRequest ??= d;
    if (exchange === 35 && d.from.address === SEGW.address) responses.push(d.bytes);
    return true;
  };
  pair.flush();
  assert.ok(authRequest, "IKE_AUTH went out");
  assert.equal(pair.responder.sas[0]?.state, "established");
  pair.responder.receive(authRequest.bytes, authRequest.from, authRequest.to);
  pair.flush();
  assert.equal(responses.length, 2);
  assert.deepEqual(responses[1], responses[0]);
  assert.equal(pair.responder.counters.snapshot()["ike_duplicate_requests"], 1);
});
