/**
 * Hostile traffic on the data plane of a running LWIP-SeGW. ESP (RFC 4303): replays and packets
 * below the anti-replay window (§3.4.3), bad ICVs (§3.4.4), bad padding and Next Header with a
 * valid ICV (§2.4, §2.6), truncated packets, unknown SPIs and another UE's SPI, another UE's
 * captured packet replayed from elsewhere. User plane (TS 33.401 16.1, 16.2.2): a compromised UE
 * trying to reach anything but its eNB's LWIP endpoint, or the endpoint with anything but
 * LWIPEP; GTP-U from a host that is not the UE's eNB. Each is dropped, counted and logged
 * (rate-limited per reason), nothing reaches the eNB, and the legitimate UE keeps working.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { encodeIpv4 } from "../../src/inet/ipv4.js";
import { encodeIpv6 } from "../../src/inet/ipv6.js";
import { encodeUdpPacket } from "../../src/inet/udp.js";
import { encodeIcmpEcho } from "../../src/inet/icmp.js";
import { IpProtocol } from "../../src/inet/constants.js";
import { encodeLwipep, EtherType, GRE_IP_PROTOCOL } from "../../src/lwipep/lwipep.js";
import { encodeGpdu } from "../../src/gtpu/messages.js";
import { concatBytes, hex, toHex } from "../../src/wire/hex.js";
import { spiHex } from "../../src/ike/sa/child-sa.js";
import type { ChildSa } from "../../src/ike/sa/child-sa.js";
import { ENB_LWIP, lwipepSample } from "../fuzz/targets/user-plane.js";
import { rawEspPacket, type EspKeys } from "../fuzz/targets/raw-seal.js";
import { delta, eventually, quiet, startHostileLab, type HostileLab } from "./support/lab.js";
import { legitimateUe, TestUe } from "./support/ue.js";
import { RawPeer } from "./support/attacker.js";

const PORTS = { ikePort: 35520, nattPort: 34520, apiPort: 38445, gtpuPort: 32154 };
const ENB = "127.0.0.81";
const VICTIM_TEID = 0x5001;
const MALLORY_TEID = 0x6001;
let lab: HostileLab;
let victim: TestUe;
let mallory: TestUe;

before(async () => {
  lab = await startHostileLab(PORTS, ENB);
  const text = (s: string) => new TextEncoder().encode(s);
  const [v, m] = await Promise.all([
    legitimateUe(lab, PORTS, { address: "127.0.0.82", ikePort: 36530, nattPort: 36531, idi: text("victim-esp"), psk: new Uint8Array(randomBytes(32)), teid: VICTIM_TEID }),
    legitimateUe(lab, PORTS, { address: "127.0.0.83", ikePort: 36530, nattPort: 36531, idi: text("mallory-esp"), psk: new Uint8Array(randomBytes(32)), teid: MALLORY_TEID }),
  ]);
  assert.ok(v.up && m.up && v.uplinkForwarded && m.uplinkForwarded, "both UEs are up and forwarding");
  victim = v.ue;
  mallory = m.ue;
});
after(async () => {
  victim.close();
  mallory.close();
  await lab.stop();
});

function child(ue: TestUe): ChildSa {
  const c = ue.established.children[0];
  if (!c) throw new Error("no CHILD SA");
  return c;
}

/** The keys of a UE's outbound ESP SA, to write packets with valid ICVs around any plaintext. */
function outboundKeys(ue: TestUe): EspKeys {
  const c = child(ue);
  return { spi: c.spiOut, gcm: true, encrKey: c.encrOut, esn: c.suite.esn };
}

function vipOf(ue: TestUe): Uint8Array {
  return ue.established.virtualIp ?? new Uint8Array(4);
}

/** An inner IPv4 packet from `src` with protocol and payload of the test's choosing. */
function inner(src: Uint8Array, dst: Uint8Array, protocol: number, payload: Uint8Array, flags = 0x2): Uint8Array {
  return encodeIpv4({ src, dst, protocol, ttl: 64, id: 7, flags, payload });
}

/** The UE's legitimate uplink: LWIPEP to its eNB's LWIP endpoint. */
function goodUplink(ue: TestUe, marker = 1): Uint8Array {
  return inner(vipOf(ue), ENB_LWIP, GRE_IP_PROTOCOL, lwipepSample(1, marker));
}

function trailer(payload: Uint8Array, padding: readonly number[], nextHeader: number): Uint8Array {
  return concatBytes(payload, Uint8Array.from(padding), Uint8Array.of(padding.length, nextHeader));
}

function segwSaOf(ue: TestUe) {
  const spi = ue.established.spiR;
  return lab.fx.segw.node.sas.find((s) => s.spiR.every((b, i) => b === spi[i]));
}

async function forwarded(teid: number, since: number): Promise<boolean> {
  return eventually(() => lab.gpdus.slice(since).some((g) => g.teid === teid), 2000);
}

test("RFC 4303 §3.4: replayed, stale, forged, badly padded and truncated ESP packets are dropped and counted; the other UE is unaffected", async () => {
  const keys = outboundKeys(mallory);
  const victimSa = segwSaOf(victim);
  const victimTunnel = lab.fx.segw.node.sas.length > 0 ? victimSa?.children[0] : undefined;
  assert.ok(victimSa && victimTunnel);
  const victimRemote = { ...victimSa.remote };
  const before = lab.counters();
  const drops = (reason: string) => delta(before, lab.counters(), `esp_dropped{reason="${reason}"}`);
  const good = mallory.sendInner(goodUplink(mallory, 2));
  await quiet(100);
  mallory.sendRawEsp(good);
  mallory.sendRawEsp(rawEspPacket(keys, 5000, 0, trailer(goodUplink(mallory, 3), [1, 2], 4)));
  await quiet(100);
  mallory.sendRawEsp(rawEspPacket(keys, 100, 0, trailer(goodUplink(mallory, 4), [1, 2], 4)));
  const forged = rawEspPacket(keys, 5006, 0, trailer(goodUplink(mallory, 5), [1, 2], 4));
  forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
  mallory.sendRawEsp(forged);
  mallory.sendRawEsp(rawEspPacket(keys, 5001, 0, trailer(goodUplink(mallory, 6), [9, 9], 4)));
  mallory.sendRawEsp(rawEspPacket(keys, 5002, 0, trailer(new Uint8Array(3), [], 4).map((b, i, a) => (i === a.length - 2 ? 200 : b))));
  mallory.sendRawEsp(rawEspPacket(keys, 5003, 0, trailer(goodUplink(mallory, 7), [1, 2], IpProtocol.TCP)));
  mallory.sendRawEsp(rawEspPacket(keys, 5004, 0, trailer(new Uint8Array(8), [1, 2], 59)));
  mallory.sendRawEsp(concatBytes(rawEspPacket(keys, 5005, 0, new Uint8Array(0)).subarray(0, 8), new Uint8Array(4)));
  mallory.sendRawEsp(rawEspPacket({ ...keys, spi: 0x0badf00d }, 1, 0, trailer(goodUplink(mallory, 8), [1, 2], 4)));
  // Another UE's SPI, from the compromised UE's address: its ICV cannot verify, its window must not move.
  const ikeSas = lab.fx.segw.node.sas.length;
  mallory.sendRawEsp(rawEspPacket({ ...keys, spi: victimTunnel.spiIn }, 900_000, 0, trailer(goodUplink(mallory, 9), [1, 2], 4)));
  // The other UE's own (already delivered) packet, replayed from an attacker address.
  const attacker = await RawPeer.open("127.0.3.1");
  const captured = victim.espSent.at(-1);
  assert.ok(captured, "a packet of the other UE was captured on the WLAN");
  attacker.send(captured, PORTS.nattPort);
  attacker.send(Uint8Array.of(1, 2, 3), PORTS.nattPort);
  await quiet(300);
  attacker.close();
  assert.deepEqual(
    { replay: drops("replay"), window: drops("outside-window"), icv: drops("icv"), padding: drops("padding"), nextHeader: drops("bad-next-header"), truncated: drops("truncated"), spi: drops("bad-spi") },
    { replay: 2, window: 1, icv: 2, padding: 2, nextHeader: 2, truncated: 1, spi: 1 },
    "each refused ESP packet is counted under its reason",
  );
  const metrics = await lab.fx.segw.metrics.registry.getSingleMetricAsString("lwip_segw_drops_total");
  assert.match(metrics, /reason="udp-truncated"} 1/, "a 3-octet datagram on the NAT-T port is counted");
  assert.match(metrics, /reason="esp-replay"} 2/, "ESP drops reach the Prometheus metrics");
  assert.equal(lab.fx.segw.node.sas.length, ikeSas, "no IKE SA went away");
  assert.deepEqual(victimSa.remote, victimRemote, "a replayed packet from elsewhere did not move the other UE's tunnel endpoint");
  const n = lab.gpdus.length;
  victim.sendInner(goodUplink(victim, 10));
  assert.ok(await forwarded(VICTIM_TEID, n), "the other UE's uplink still reaches its eNB");
  assert.equal(victim.counters.get('esp_dropped{reason="replay"}') + victim.counters.get('esp_dropped{reason="icv"}'), 0, "the other UE saw nothing of it");
  skipSequenceNumbers(mallory, 6000);
});

/** Moves the UE's outbound sequence number past `seq` (the packets written above by hand used numbers up to it). */
function skipSequenceNumbers(ue: TestUe, seq: number): void {
  const t = ue.tunnels.findOutbound(ue.established);
  while (t && t.outbound.nextSeq <= BigInt(seq)) t.outbound.encapsulate(new Uint8Array(20), 4);
}

/** One inner packet the compromised UE sends through its own valid ESP SA, and where the SeGW must stop it. */
interface PolicyAttack {
  readonly name: string;
  readonly packet: (vip: Uint8Array, victimVip: Uint8Array) => Uint8Array;
  /** "policy": the CHILD SA's selectors (esp_dropped{reason="policy"}); else the user plane's uplink drop reason. */
  readonly stop: "policy" | "forbidden-protocol" | "bad-lwipep" | "fragment" | "malformed-ip";
}

const ENB_OTHER_LWIP = hex("c6120201"); // 198.18.2.1, eNB bravo's LWIP endpoint
const lwipep = lwipepSample(1);

const POLICY_ATTACKS: readonly PolicyAttack[] = [
  { name: "an Internet address", stop: "policy", packet: (vip) => inner(vip, hex("08080808"), GRE_IP_PROTOCOL, lwipep) },
  { name: "another eNB's LWIP endpoint", stop: "policy", packet: (vip) => inner(vip, ENB_OTHER_LWIP, GRE_IP_PROTOCOL, lwipep) },
  { name: "its eNB's other address (GTP-U, Xw-U)", stop: "policy", packet: (vip) => inner(vip, hex("7f000051"), IpProtocol.UDP, new Uint8Array(8)) },
  { name: "the SeGW's own address", stop: "policy", packet: (vip) => inner(vip, hex("7f000001"), GRE_IP_PROTOCOL, lwipep) },
  { name: "another UE's inner address", stop: "policy", packet: (vip, other) => inner(vip, other, GRE_IP_PROTOCOL, lwipep) },
  { name: "a spoofed source (another UE's inner address)", stop: "policy", packet: (_vip, other) => inner(other, ENB_LWIP, GRE_IP_PROTOCOL, lwipep) },
  { name: "IPv6 to the eNB", stop: "policy", packet: () => encodeIpv6({ src: hex("fd000000000000000000000000000002"), dst: hex("20010db80000000000000000000000aa"), nextHeader: GRE_IP_PROTOCOL, hopLimit: 64, payload: lwipep }) },
  { name: "ICMP echo to the LWIP endpoint", stop: "forbidden-protocol", packet: (vip) => inner(vip, ENB_LWIP, IpProtocol.ICMP, encodeIcmpEcho({ type: 8, code: 0, identifier: 1, sequence: 1, data: new Uint8Array(8) })) },
  { name: "GTP-U (UDP 2152) to the LWIP endpoint", stop: "forbidden-protocol", packet: (vip) => encodeUdpPacket({ src: vip, dst: ENB_LWIP, srcPort: 2152, dstPort: 2152, payload: encodeGpdu(1, lwipep) }) },
  { name: "TCP to the LWIP endpoint", stop: "forbidden-protocol", packet: (vip) => inner(vip, ENB_LWIP, IpProtocol.TCP, new Uint8Array(20)) },
  { name: "GRE without the Key (no DRB identity)", stop: "bad-lwipep", packet: (vip) => inner(vip, ENB_LWIP, GRE_IP_PROTOCOL, Uint8Array.of(0, 0, 0x08, 0, 0x45, 0, 0, 0)) },
  { name: "GRE Key naming no DRB (0)", stop: "bad-lwipep", packet: (vip) => inner(vip, ENB_LWIP, GRE_IP_PROTOCOL, encodeLwipep({ drbId: 1, protocolType: EtherType.IPV4, payload: new Uint8Array(4) }).map((b, i) => (i >= 4 && i < 8 ? 0 : b))) },
  { name: "a fragment (MF set)", stop: "fragment", packet: (vip) => inner(vip, ENB_LWIP, GRE_IP_PROTOCOL, lwipep, 0x1) },
  { name: "an IPv4 header with a bad checksum", stop: "malformed-ip", packet: (vip) => inner(vip, ENB_LWIP, GRE_IP_PROTOCOL, lwipep).map((b, i) => (i === 10 ? b ^ 0xff : b)) },
  { name: "an IPv4 Total Length past the packet", stop: "malformed-ip", packet: (vip) => inner(vip, ENB_LWIP, GRE_IP_PROTOCOL, lwipep).map((b, i) => (i === 2 ? 0x7f : b)) },
];

test("TS 33.401 16.2.2, 16.1: a UE reaches only its eNB's LWIP endpoint, and only with LWIPEP; everything else is dropped and counted", async () => {
  const before = lab.counters();
  const upBefore = lab.uplinkDrops();
  const n = lab.gpdus.length;
  for (const a of POLICY_ATTACKS) mallory.sendInner(a.packet(vipOf(mallory), vipOf(victim)));
  await quiet(300);
  const upAfter = lab.uplinkDrops();
  const got: Record<string, number> = { policy: delta(before, lab.counters(), 'esp_dropped{reason="policy"}') };
  for (const reason of ["forbidden-protocol", "bad-lwipep", "fragment", "malformed-ip", "spoofed-source", "forbidden-destination"]) got[reason] = (upAfter[reason] ?? 0) - (upBefore[reason] ?? 0);
  const want: Record<string, number> = { policy: 0, "forbidden-protocol": 0, "bad-lwipep": 0, fragment: 0, "malformed-ip": 0, "spoofed-source": 0, "forbidden-destination": 0 };
  for (const a of POLICY_ATTACKS) want[a.stop] = (want[a.stop] ?? 0) + 1;
  assert.deepEqual(got, want, `each packet stopped where expected: ${POLICY_ATTACKS.map((a) => `${a.name} -> ${a.stop}`).join("; ")}`);
  assert.equal(lab.gpdus.length, n, "none of them reached the eNB");
  mallory.sendInner(goodUplink(mallory, 11));
  victim.sendInner(goodUplink(victim, 12));
  assert.ok(await forwarded(MALLORY_TEID, n) && await forwarded(VICTIM_TEID, n), "LWIPEP to the LWIP endpoint still goes through, for both UEs");
});

test("TS 33.401 16.1: GTP-U for a UE's TEID from a host that is not its eNB, or for no UE, is dropped and counted", async () => {
  const drops = () => ({ ...lab.fx.segw.userPlane.counters.downlinkDrops });
  const before = drops();
  const teid = segwTeidOf("victim-esp");
  const backhaul = await RawPeer.open("127.0.3.2");
  const inbound = victim.inner.length;
  backhaul.send(encodeGpdu(teid, lwipep), PORTS.gtpuPort);
  backhaul.send(encodeGpdu((teid ^ 0x5a5a5a5a) >>> 0 || 1, lwipep), PORTS.gtpuPort);
  await quiet(300);
  backhaul.close();
  const after = drops();
  assert.equal((after["wrong-enb"] ?? 0) - (before["wrong-enb"] ?? 0), 1, "a G-PDU on the UE's TEID from another host is dropped as wrong-enb");
  assert.equal((after["unknown-teid"] ?? 0) - (before["unknown-teid"] ?? 0), 1, "a G-PDU on an unknown TEID is dropped");
  assert.equal(victim.inner.length, inbound, "nothing reached the UE");
});

/** The SeGW's drop log lines for `reason` since `from`, parsed. */
function dropLines(from: number, reason: string): Record<string, unknown>[] {
  return lab.logs.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reason === reason);
}

test("each refused data-plane packet is logged with its reason and identifiers; a flood of one is logged rate-limited", async () => {
  const dropLog = lab.fx.segw.dropLog;
  // Earlier tests' intervals end here, so this test sees its own bursts from their first line.
  dropLog.flush();
  const from = lab.logs.length;
  const before = lab.counters();
  const keys = outboundKeys(mallory);
  const malloryAt = "127.0.0.83:36531";
  const good = mallory.sendInner(goodUplink(mallory, 20));
  await quiet(100);
  mallory.sendRawEsp(good);
  mallory.sendRawEsp(rawEspPacket({ ...keys, spi: 0x0badf00d }, 1, 0, trailer(goodUplink(mallory, 21), [1, 2], 4)));
  mallory.sendInner(inner(vipOf(mallory), hex("08080808"), GRE_IP_PROTOCOL, lwipep));
  mallory.sendInner(inner(vipOf(mallory), ENB_LWIP, IpProtocol.TCP, new Uint8Array(20)));
  const backhaul = await RawPeer.open("127.0.3.3");
  backhaul.send(encodeGpdu(segwTeidOf("victim-esp"), lwipep), PORTS.gtpuPort);
  await quiet(300);
  backhaul.close();
  const idi = toHex(new TextEncoder().encode("mallory-esp"));
  const line = (reason: string) => {
    const lines = dropLines(from, reason);
    assert.equal(lines.length, 1, `one line for ${reason}`);
    assert.equal(lines[0]?.msg, "packet dropped");
    return lines[0] ?? {};
  };
  assert.deepEqual(pick(line("esp-replay"), "spi", "remote"), { spi: spiHex(keys.spi), remote: malloryAt }, "a replay: the SA's SPI and the sender");
  assert.deepEqual(pick(line("esp-bad-spi"), "spi", "remote"), { spi: "0badf00d", remote: malloryAt }, "an unknown SPI: the SPI and the sender");
  assert.deepEqual(pick(line("esp-policy"), "spi", "remote"), { spi: spiHex(keys.spi), remote: malloryAt }, "outside the SA's selectors");
  assert.deepEqual(pick(line("forbidden-protocol"), "idi", "sa"), { idi, sa: segwSaOf(mallory)?.name }, "a user-plane drop names the UE and its IKE SA");
  assert.equal(line("wrong-enb").from, "127.0.3.3", "a downlink drop names the GTP-U sender");
  for (const l of lab.logs.slice(from)) for (const field of Object.keys(JSON.parse(l) as object)) assert.doesNotMatch(field, /^sk_|psk|key$|encr|integ|payload/i, "no keys and no packet contents");
  // A flood of one refusal: counted in full, logged up to the burst, then summarised once.
  const flood = 4 * dropLog.burst;
  const counted = lab.counters();
  for (let i = 0; i < flood; i++) mallory.sendRawEsp(good);
  assert.ok(await eventually(() => delta(counted, lab.counters(), 'esp_dropped{reason="replay"}') === flood, 2000), "every replay is counted");
  assert.equal(dropLines(from, "esp-replay").length, dropLog.burst, "only the burst is logged during the flood");
  dropLog.flush();
  const summary = dropLines(from, "esp-replay").at(-1);
  assert.match(String(summary?.msg), new RegExp(`^suppressed ${flood + 1 - dropLog.burst} more esp-replay in the last \\d+ s$`));
  assert.ok(delta(before, lab.counters(), 'esp_dropped{reason="replay"}') === flood + 1);
  const n = lab.gpdus.length;
  victim.sendInner(goodUplink(victim, 22));
  assert.ok(await forwarded(VICTIM_TEID, n), "the other UE's uplink still reaches its eNB");
});

/** The SeGW's downlink TEID of a UE (TS 29.281), from the provisioning store. */
function segwTeidOf(idi: string): number {
  const entry = lab.fx.segw.store.get(new TextEncoder().encode(idi));
  assert.ok(entry);
  const t = entry.segwGtpTeid;
  return (((t[0] ?? 0) << 24) | ((t[1] ?? 0) << 16) | ((t[2] ?? 0) << 8) | (t[3] ?? 0)) >>> 0;
}

function pick(o: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
