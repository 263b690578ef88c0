// The ESP data plane over real handshakes (RFC 7296 §2.17 KEYMAT, RFC 4303 ESP): its ESP SAs work
// on the CHILD SA's own key octets rather than copies (a SeGW holds one CHILD SA per UE), so the
// record's zeroization is the only one needed and leaves no key anywhere; removing a tunnel lets
// go of the keys and leaves zeroizing them to the IKE engine, which owns the record. Also: an IKE
// SA rekey moves the tunnels to the new SA (RFC 7296 §2.18), and the removal of a rekeyed CHILD SA
// switches sending to its successor.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EspTunnels } from "../../../src/dataplane/esp-tunnels.js";
import { wipeChildKeys, type ChildSa } from "../../../src/ike/sa/child-sa.js";
import type { Endpoint } from "../../../src/ike/endpoint.js";
import { Counters } from "../../../src/io/counters.js";
import { echoRequest } from "../../../src/cli/ping.js";
import { IkePair, SEGW } from "../../support/ike-pair.js";

const zero = (b: Uint8Array) => b.every((x) => x === 0);
const keys = (c: ChildSa) => [c.encrIn, c.integIn, c.encrOut, c.integOut];

function espPair(ike: string, esp: string) {
  const wire: { packet: Uint8Array; to: Endpoint }[] = [];
  const delivered: Uint8Array[] = [];
  const io = { sendEsp: (packet: Uint8Array, to: Endpoint) => void wire.push({ packet, to }), deliver: (p: Uint8Array) => void delivered.push(p) };
  const tunnelsI = new EspTunnels(io, new Counters());
  const tunnelsR = new EspTunnels(io, new Counters());
  const pair = new IkePair({ ikeI: ike, espI: esp, sinkI: tunnelsI, sinkR: tunnelsR });
  const sa = pair.initiate();
  pair.flush();
  const deliver = () => {
    for (let d = wire.shift(); d; d = wire.shift()) {
      const spi = new DataView(d.packet.buffer, d.packet.byteOffset).getUint32(0);
      const toSegw = d.to.address === SEGW.address;
      (toSegw ? tunnelsR : tunnelsI).receive(d.packet, spi, toSegw ? { address: "198.18.0.2", port: 4500 } : { address: SEGW.address, port: 4500 });
    }
  };
  const vip = sa.virtualIp;
  assert.ok(vip);
  /** Sends one echo request UE -> SeGW and reports whether the SeGW's data plane delivered it. */
  const ping = (seq: number): boolean => {
    const before = delivered.length;
    tunnelsI.send(sa, echoRequest(vip, new Uint8Array([198, 18, 1, 1]), 1, seq));
    deliver();
    return delivered.length === before + 1;
  };
  return { pair, sa, tunnelsI, tunnelsR, ping };
}

for (const [ike, esp, label] of [
  ["aes128gcm16-prfsha256-ecp256", "aes128gcm16", "AES-GCM"],
  ["aes128-sha256-modp2048", "aes128-sha256", "AES-CBC + HMAC"],
] as const) {
  test(`RFC 4303 (${label}): ESP SAs use the CHILD SA's key octets, so zeroizing the record disables them`, () => {
    const { pair, ping } = espPair(ike, esp);
    assert.ok(ping(1), "traffic flows over the shared keys");
    const child = pair.responder.sas[0]?.children[0];
    assert.ok(child);
    wipeChildKeys(child);
    assert.equal(ping(2), false, "no copy of the keys is left in the data plane");
  });

  test(`RFC 4303 (${label}): removing a tunnel lets go of the keys; their owner zeroizes them`, () => {
    const { pair, tunnelsR, ping } = espPair(ike, esp);
    const responderSa = pair.responder.sas[0];
    const child = responderSa?.children[0];
    assert.ok(responderSa && child);
    const before = keys(child).map((k) => k.slice());
    tunnelsR.remove(responderSa, child);
    assert.equal(ping(1), false, "nothing is received any more");
    assert.deepEqual(keys(child), before, "the data plane does not write to the record's keys");
  });

  test(`RFC 7296 §2.17 (${label}): deleting the IKE SA leaves every CHILD SA key octet zero on both ends`, () => {
    const { pair, sa, tunnelsI, tunnelsR } = espPair(ike, esp);
    const children = [sa.children[0], pair.responder.sas[0]?.children[0]];
    pair.initiator.deleteIke(sa);
    pair.flush();
    assert.equal(tunnelsI.tunnels.length + tunnelsR.tunnels.length, 0, "no tunnel left");
    for (const c of children) {
      assert.ok(c);
      assert.ok(keys(c).filter((k) => k.length > 0).every(zero));
    }
  });
}

test("RFC 7296 §2.18: after an IKE SA rekey the tunnels belong to the new SA and traffic still flows", () => {
  const { pair, sa, tunnelsI, tunnelsR, ping } = espPair("aes128gcm16-prfsha256-ecp256", "aes128gcm16");
  assert.ok(ping(1));
  pair.initiator.rekeyIke(sa);
  pair.flush();
  const freshI = sa.rekeyedTo;
  const freshR = pair.responder.sas.find((s) => s.state === "established");
  assert.ok(freshI && freshR, "both ends have the new IKE SA");
  assert.deepEqual(tunnelsI.tunnels.map((t) => t.ikeSa), [freshI]);
  assert.deepEqual(tunnelsR.tunnels.map((t) => t.ikeSa), [freshR]);
  assert.equal(tunnelsI.findOutbound(sa), tunnelsI.tunnels[0], "the old SA leads to its successor's tunnel");
  assert.ok(ping(2), "the CHILD SA carries on");
});

test("RFC 7296 §2.8: the responder of a CHILD SA rekey sends with the new pair once the old one is deleted", () => {
  const { pair, tunnelsR, ping } = espPair("aes128gcm16-prfsha256-ecp256", "aes128gcm16");
  const responderSa = pair.responder.sas[0];
  const old = responderSa?.children[0];
  assert.ok(responderSa && old);
  pair.initiator.rekeyChild(pair.initiator.sas[0] ?? responderSa, pair.initiator.sas[0]?.children[0] ?? old);
  pair.flush();
  const fresh = responderSa.children.find((c) => c !== old);
  assert.ok(fresh, "the new pair is installed");
  assert.equal(responderSa.children.includes(old), false, "the initiator deleted the old pair");
  assert.equal(fresh.outboundActive, true, "its removal activated the successor");
  assert.equal(tunnelsR.findOutbound(responderSa)?.child, fresh);
  assert.ok(ping(3));
});
