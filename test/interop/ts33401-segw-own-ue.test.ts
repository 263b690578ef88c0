// TS 33.401 16.2.2 with our own UE (harness/own-ue-main.ts) against the LWIP-SeGW daemon: "the
// LWIP-SeGW shall ... only allow traffic to the eNB that initiated the LWIP offload, and only to
// the interface on this eNB allowed for the LWIP offload". strongSwan cannot send outside the
// narrowed selectors, so this UE does on purpose: it encrypts packets to another address of the
// SeGW side (198.18.1.2), to another eNB's LWIP endpoint (bravo, 198.18.2.1) and from a spoofed
// source through its ESP SA, between two valid LWIPEP packets. Only the valid ones may reach the
// eNB's GTP-U stand-in; the others are dropped and counted. Downlink: only a G-PDU from the
// UE's own eNB on the UE's TEID reaches it.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { decodeGtpu, encodeGpdu } from "../../src/gtpu/messages.js";
import { EtherType, encodeLwipep } from "../../src/lwipep/lwipep.js";
import { topologyFor } from "./harness/fixture.js";
import type { JsonLine } from "./harness/json-lines.js";
import { inIpv4Prefix } from "./harness/lab-addr.js";
import { NAMESPACE_PREFIX, namespacesWithPrefix } from "./harness/netns.js";
import { startOwnUe } from "./harness/own-ue.js";
import { PacketTap, sendUdp, type TapPacket } from "./harness/packet-tap.js";
import { lwipPsk, metric, requireSegwInterop, SEGW_LAB, SegwLab, type MetricSample } from "./harness/segw-lab.js";

const IDI = Buffer.from("LWIP-UE-0101", "ascii").toString("hex");
const ENB_TEID = 0x0a0b0d01;

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const gre = (drbId: number, text: string): Uint8Array => encodeLwipep({ drbId, protocolType: EtherType.IPV4, payload: new TextEncoder().encode(text) });

function gpduPayload(p: TapPacket): string | undefined {
  const m = decodeGtpu(p.bytes);
  return m.ok && m.value.kind === "g-pdu" && m.value.header.teid === ENB_TEID ? hex(m.value.payload) : undefined;
}

/** Packets the SeGW refused for being outside the UE's selectors or policy, all reasons that concern the destination or source. */
function forbiddenDrops(s: readonly MetricSample[]): number {
  return (
    metric(s, "lwip_segw_events_total", { name: 'esp_dropped{reason="policy"}' }) +
    metric(s, "lwip_segw_drops_total", { reason: "forbidden-destination" }) +
    metric(s, "lwip_segw_drops_total", { reason: "spoofed-source" })
  );
}

test("TS 33.401 16.2.2: our own UE cannot reach another address, another eNB, or send from another source", { timeout: 90_000 }, async (t) => {
  if (!requireSegwInterop(t, { python: true })) return;
  const topo = await topologyFor(t);
  const segw = await SegwLab.start(topo);
  let stopped: Awaited<ReturnType<SegwLab["stop"]>> | undefined;
  try {
    const enb = await PacketTap.udp(topo, topo.segw, SEGW_LAB.alpha.gtpAddress, SEGW_LAB.gtpuPort);
    const psk = await lwipPsk(randomBytes(32).toString("hex"), 1);
    const ack = await segw.provision("alpha", { idi: IDI, psk, gtpTeid: ENB_TEID.toString(16).padStart(8, "0") });
    const before = await segw.metrics();
    const first = gre(1, "first valid packet");
    const last = gre(2, "valid packet after the forbidden ones");
    const sends = [
      { src: "vip", dst: SEGW_LAB.alpha.lwipEndpoint, gre: first },
      { src: "vip", dst: SEGW_LAB.alpha.gtpAddress, gre: gre(3, "to another address of the eNB side") },
      { src: "vip", dst: SEGW_LAB.bravo.lwipEndpoint, gre: gre(4, "to another eNB's LWIP endpoint") },
      { src: "198.18.127.254", dst: SEGW_LAB.alpha.lwipEndpoint, gre: gre(5, "from a spoofed source") },
      { src: "vip", dst: SEGW_LAB.alpha.lwipEndpoint, gre: last },
    ];
    const ue = startOwnUe(topo, { idi: IDI, psk, sends });
    const diag = (): string => `${segw.diagnostics()}\n${enb.proc.diagnostics(10)}\n${ue.diagnostics()}`;
    let vip = "";

    await t.test("uplink: only the two valid LWIPEP packets reach the eNB, in order, on its TEID", async () => {
      const child = await ue.waitFor((e) => e["event"] === "child-sa-up", 15_000, "our CHILD SA", 0, diag);
      vip = String(child["virtualIp"]);
      assert.ok(inIpv4Prefix(vip, SEGW_LAB.pool), `virtual IP ${vip}`);
      assert.deepEqual(child["tsRemote"], [`${SEGW_LAB.alpha.lwipEndpoint}/32`], "TSr narrowed by the SeGW");
      const sent = await ue.waitFor((e) => e["event"] === "sent-all", 5_000, "the UE to send", 0, diag);
      assert.equal(sent["count"], sends.length);
      assert.deepEqual(ue.matching((e) => e["event"] === "send-failed"), [], "every packet left the UE encrypted");
      await enb.waitForPacket((p) => gpduPayload(p) === hex(last), 10_000, "the last valid packet at the eNB", 0, diag);
      assert.deepEqual(enb.packets().map(gpduPayload), [hex(first), hex(last)], "nothing else reached the eNB's GTP-U address");
    });

    await t.test("the three forbidden packets are dropped and counted", async () => {
      const after = await segw.metrics();
      assert.equal(forbiddenDrops(after) - forbiddenDrops(before), 3, `drop counters:\n${after.filter((s) => /drop/.test(s.name + JSON.stringify(s.labels))).map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`).join("\n")}`);
      assert.equal(metric(after, "lwip_segw_packets_total", { direction: "uplink" }), 2);
    });

    await t.test("downlink: only a G-PDU from the UE's own eNB on the UE's TEID reaches it", async () => {
      const segwTeid = Number.parseInt(ack.lwipSegwGtpTunnelEndpoint.gtpTeid, 16);
      const wrongSource = gre(7, "from an address that is not the eNB's GTP-U address");
      const unknownTeid = gre(8, "on a TEID nobody has");
      const good = gre(9, "downlink to the UE");
      const send = (src: string, teid: number, payload: Uint8Array) => sendUdp(topo, topo.segw, { src, dst: SEGW_LAB.segw, port: SEGW_LAB.gtpuPort, payload: encodeGpdu(teid, payload) });
      const mark = ue.lines.length;
      await send(SEGW_LAB.alpha.lwipEndpoint, segwTeid, wrongSource);
      await send(SEGW_LAB.alpha.gtpAddress, (segwTeid ^ 0x5a5a5a5a) >>> 0, unknownTeid);
      await send(SEGW_LAB.alpha.gtpAddress, segwTeid, good);
      const got = await ue.waitFor((e) => e["event"] === "inner-packet" && e["payload"] === hex(good), 10_000, "the downlink packet at the UE", mark, diag);
      assert.equal(got["src"], SEGW_LAB.alpha.lwipEndpoint);
      assert.equal(got["dst"], vip);
      assert.equal(got["protocol"], 47);
      const inner: JsonLine[] = ue.matching((e) => e["event"] === "inner-packet", mark);
      assert.equal(inner.length, 1, `only one inner packet: ${JSON.stringify(inner)}`);
      const m = await segw.metrics();
      assert.equal(metric(m, "lwip_segw_drops_total", { reason: "wrong-enb" }), 1);
      assert.equal(metric(m, "lwip_segw_drops_total", { reason: "unknown-teid" }), 1);
    });

    await t.test("the UE's SIGTERM deletes its SA: the daemon reports LWIP RELEASE REQUIRED (deleted-by-peer)", async () => {
      const since = segw.daemon.lines.length;
      assert.deepEqual(await ue.stop(), { code: 0, signal: null }, ue.diagnostics());
      await segw.daemon.waitFor((l) => l["msg"] === "IKE SA down" && l["idi"] === IDI, 10_000, "the IKE SA down log", since);
      const listed = (await segw.ctl("alpha", "list")).lines.find((u) => u["ikeInitiatorIdentity"] === IDI);
      assert.equal(listed?.["state"], "release-required", JSON.stringify(listed));
    });
  } finally {
    stopped = await segw.stop();
  }
  assert.deepEqual(stopped, { code: 0, signal: null }, `the daemon exits 0 on SIGTERM\n${segw.daemon.diagnostics()}`);
});

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
