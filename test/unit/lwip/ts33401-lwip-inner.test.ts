// What the UE puts in its tunnel and takes out of it, checked against the SeGW's own code: the
// uplink inner packet passes the SeGW's policy check (TS 33.401 16.2.2: from the UE's virtual
// address, to its eNB's LWIP endpoint, GRE only, whole) and the SeGW's downlink inner header is
// read back by the UE; anything else is refused. Also the test traffic's probe packets.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkUplinkInner, innerHeaderLength, writeInnerHeader, type GreSpan } from "../../../src/segw/user-plane-ip.js";
import { decodeLwipep, encodeLwipep, EtherType } from "../../../src/lwipep/lwipep.js";
import { readDownlinkInner, uplinkInnerPacket } from "../../../src/lwip/lwip-inner.js";
import { probeSdu, readProbe } from "../../../src/lwip/traffic.js";
import { encodeIpv4 } from "../../../src/inet/ipv4.js";
import { hex } from "../../../src/wire/hex.js";

const VIP = hex("c6124001"); // 198.18.64.1
const ENB = hex("c6120101"); // 198.18.1.1
const SDU = probeSdu({ drbId: 3, direction: "uplink", seq: 7 });

test("16.2.2: the UE's uplink inner packet passes the SeGW's check and carries LWIPEP with the DRB identity", () => {
  const packet = uplinkInnerPacket(VIP, ENB, 1, 3, SDU);
  assert.ok(packet);
  const gre: GreSpan = { start: 0, end: 0 };
  assert.equal(checkUplinkInner(packet, VIP, [ENB], gre), "ok");
  const lwipep = decodeLwipep(packet.subarray(gre.start, gre.end));
  assert.ok(lwipep.ok);
  assert.equal(lwipep.value.drbId, 3);
  assert.equal(lwipep.value.protocolType, EtherType.IPV4);
  assert.deepEqual(lwipep.value.payload, SDU);
  assert.equal(checkUplinkInner(packet, VIP, [hex("c6120201")], gre), "forbidden-destination", "another eNB's endpoint is not ours");
  assert.equal(uplinkInnerPacket(VIP, ENB, 1, 3, hex("00112233")), undefined, "a non-IP SDU cannot be typed in LWIPEP");
});

test("the SeGW's downlink inner packet is read by the UE; wrong source, protocol or fragments are refused", () => {
  const lwipep = encodeLwipep({ drbId: 2, protocolType: EtherType.IPV4, payload: SDU });
  const packet = new Uint8Array(innerHeaderLength(ENB) + lwipep.length);
  writeInnerHeader(packet, ENB, VIP, lwipep.length);
  packet.set(lwipep, innerHeaderLength(ENB));
  assert.deepEqual(readDownlinkInner(packet, VIP, ENB), { drbId: 2, sdu: SDU });
  assert.equal(readDownlinkInner(packet, VIP, hex("c6120102")), "not-from-enb");
  assert.equal(readDownlinkInner(packet, hex("c6124002"), ENB), "not-from-enb");
  const udp = encodeIpv4({ src: ENB, dst: VIP, protocol: 17, ttl: 64, id: 0, payload: lwipep });
  assert.equal(readDownlinkInner(udp, VIP, ENB), "not-lwipep");
  const fragment = encodeIpv4({ src: ENB, dst: VIP, protocol: 47, ttl: 64, id: 0, flags: 0b001, payload: lwipep });
  assert.equal(readDownlinkInner(fragment, VIP, ENB), "not-lwipep");
  const noKey = encodeIpv4({ src: ENB, dst: VIP, protocol: 47, ttl: 64, id: 0, payload: hex("00000800") });
  assert.equal(readDownlinkInner(noKey, VIP, ENB), "bad-lwipep");
});

test("property: readDownlinkInner never throws", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void readDownlinkInner(b, VIP, ENB)));
});

test("probe SDUs: IPv4 protocol 253 (RFC 3692) carrying DRB, direction and sequence number", () => {
  const p = probeSdu({ drbId: 5, direction: "downlink", seq: 0xfffffffe }, 200);
  assert.equal(p.length, 200);
  assert.equal(p[9], 253);
  assert.deepEqual(readProbe(p), { drbId: 5, direction: "downlink", seq: 0xfffffffe });
  assert.equal(readProbe(encodeIpv4({ src: VIP, dst: ENB, protocol: 17, ttl: 64, id: 0, payload: new Uint8Array(8) })), undefined);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => void readProbe(b)));
});
