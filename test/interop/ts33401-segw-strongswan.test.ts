// TS 33.401 clause 16 end to end: the LWIP-SeGW daemon (`lwip segw --config`) in the SeGW
// namespace, a strongSwan UE (kernel-libipsec) in the UE namespace, the eNB "alpha" played by
// `lwip segw ctl` (control API, 16.2.3) and by a GTP-U socket on its Xw-U address 198.18.1.2.
//
//   16.2.3  LWIP ADDITION REQUEST with the LWIP-PSK (`lwip kdf lwip-psk`) and the IDi; the UE
//           authenticates with that PSK and its ID_KEY_ID IDi.
//   16.2.2  selectors narrowed to <virtual IP> <-> the eNB's LWIP endpoint 198.18.1.1; the UE's
//           LWIPEP (GRE) packets leave the SeGW without their inner IP header, in GTP-U on the
//           eNB's TEID; downlink G-PDUs on the SeGW's TEID come back inside the tunnel; any
//           other protocol is dropped and counted; the PSK is single use.
//   16.2.3 / TS 36.463  eNB-initiated LWIP Release deletes the UE's SAs; a UE-side delete is
//           reported as LWIP RELEASE REQUIRED on the event stream.
//
// The UE's LWIPEP packets come from a raw socket for IP protocol 47 bound to its virtual IP
// (harness/packet-tap.ts: these kernels have no GRE driver), routed by strongSwan's table 220
// into its TUN device; the same kind of socket captures the downlink.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { encodeGpdu } from "../../src/gtpu/messages.js";
import { GRE_IP_PROTOCOL } from "../../src/lwipep/lwipep.js";
import { Charon } from "./harness/charon.js";
import { topologyFor, UE_IDI } from "./harness/fixture.js";
import { inIpv4Prefix } from "./harness/lab-addr.js";
import { LAB, NAMESPACE_PREFIX, namespacesWithPrefix } from "./harness/netns.js";
import { gpdu, lwipep } from "./harness/user-plane-packets.js";
import { PacketTap, sendRaw, sendUdp } from "./harness/packet-tap.js";
import { lwipPsk, metric, requireSegwInterop, SEGW_LAB, SegwLab, type Acknowledge } from "./harness/segw-lab.js";
import { initiate, listSas, terminateIke, updown, type CommandResult } from "./harness/vici-sa.js";

const IDI_B = Buffer.from("LWIP-UE-0002", "ascii").toString("hex");
const ENB_TEID_A = "0a0b0c01";
const ENB_TEID_B = "0a0b0c02";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

test("TS 33.401 16.2: strongSwan UE through the LWIP-SeGW daemon, eNB via control API and GTP-U", { timeout: 120_000 }, async (t) => {
  if (!requireSegwInterop(t, { python: true })) return;
  const topo = await topologyFor(t);
  const segw = await SegwLab.start(topo);
  let stopped: Awaited<ReturnType<SegwLab["stop"]>> | undefined;
  try {
    const enb = await PacketTap.udp(topo, topo.segw, SEGW_LAB.alpha.gtpAddress, SEGW_LAB.gtpuPort);
    const ueGre = await PacketTap.raw(topo, topo.ue, GRE_IP_PROTOCOL);
    const ue = await Charon.start(topo, { name: "ue", ns: topo.ue });
    const vici = await ue.openEventLog();
    const stream = await segw.events("alpha");
    const bravoStream = await segw.events("bravo");
    const diag = (): string => `${segw.diagnostics()}\n${enb.proc.diagnostics(10)}\n${ueGre.proc.diagnostics(10)}\n${ue.diagnostics()}`;
    const psks: string[] = [];

    const connect = async (idi: string, psk: string): Promise<CommandResult> => {
      await ue.load({
        role: "initiator", idi, psk, ikeProposals: ["aes128gcm16-prfsha256-ecp256"], espProposals: ["aes128gcm16"],
        localTs: ["dynamic"], remoteTs: ["0.0.0.0/0"], localAddr: LAB.ue, remoteAddr: LAB.segw,
      });
      return initiate(ue.vici, "lwip", "lwip");
    };
    const newPsk = async (): Promise<string> => {
      const psk = await lwipPsk(randomBytes(32).toString("hex"), psks.length);
      psks.push(psk);
      return psk;
    };

    let ackA: Acknowledge | undefined;
    let vip = "";
    await t.test("16.2.3: provisioned IDi and LWIP-PSK -> IKEv2 up, selectors narrowed to the eNB's LWIP endpoint (16.2.2)", async () => {
      const psk = await newPsk();
      ackA = await segw.provision("alpha", { idi: UE_IDI, psk, gtpTeid: ENB_TEID_A });
      assert.equal(ackA.lwipSegwGtpTunnelEndpoint.transportLayerAddress, SEGW_LAB.segw, "LWIP-SeGW GTP Tunnel Endpoint address");
      assert.match(ackA.lwipSegwGtpTunnelEndpoint.gtpTeid, /^[0-9a-f]{8}$/);
      assert.notEqual(ackA.lwipSegwGtpTunnelEndpoint.gtpTeid, "00000000", "TEID 0 is reserved (TS 29.281)");
      const r = await connect(UE_IDI, psk);
      assert.ok(r.success, `strongSwan initiate: ${r.errmsg}\n${r.log.join("\n")}\n${diag()}`);
      const sa = (await listSas(ue.vici))[0];
      vip = sa?.localVips[0] ?? "";
      assert.ok(inIpv4Prefix(vip, SEGW_LAB.pool), `virtual IP ${vip} from the pool ${SEGW_LAB.pool}`);
      assert.equal(sa?.remoteId, SEGW_LAB.segw, "IDr is the SeGW's address");
      assert.deepEqual(sa?.children[0]?.localTs, [`${vip}/32`]);
      assert.deepEqual(sa?.children[0]?.remoteTs, [`${SEGW_LAB.alpha.lwipEndpoint}/32`], "TSr narrowed to the provisioning eNB's LWIP endpoint only");
      const up = await stream.waitFor((e) => e["type"] === "tunnel-up" && e["ikeInitiatorIdentity"] === UE_IDI, 5_000, "tunnel-up", 0, diag);
      assert.equal(up["wtUeXwapId"], ackA.wtUeXwapId);
      assert.equal(up["enbUeXwapId"], ackA.enbUeXwapId);
    });

    await t.test("tunnel-up and the UE listing name the UE's inner address", async () => {
      const up = stream.matching((e) => e["type"] === "tunnel-up" && e["ikeInitiatorIdentity"] === UE_IDI)[0];
      const listed = (await segw.ctl("alpha", "list")).lines.find((u) => u["ikeInitiatorIdentity"] === UE_IDI);
      assert.equal(listed?.["state"], "connected", JSON.stringify(listed));
      assert.equal(up?.["innerAddress"], vip, `tunnel-up event ${JSON.stringify(up)}`);
      assert.equal(listed["innerAddress"], vip, `listing ${JSON.stringify(listed)}`);
    });

    await t.test("16.2.2 uplink: the UE's LWIPEP packet reaches the eNB in GTP-U on its TEID, without the inner IP header", async () => {
      const sent = lwipep(5, "uplink PDCP SDU on DRB 5");
      const mark = enb.mark;
      await sendRaw(topo, topo.ue, { src: vip, dst: SEGW_LAB.alpha.lwipEndpoint, protocol: GRE_IP_PROTOCOL, payload: sent });
      const got = await enb.waitForPacket((p) => gpdu(p) !== undefined, 10_000, "a G-PDU at the eNB", mark, diag);
      assert.equal(got.src, SEGW_LAB.segw, "sent from the SeGW's GTP-U address");
      assert.equal(got.srcPort, SEGW_LAB.gtpuPort);
      assert.equal(gpdu(got)?.teid.toString(16).padStart(8, "0"), ENB_TEID_A, "the eNB's uplink TEID from LWIP ADDITION REQUEST");
      assert.equal(hex(gpdu(got)?.payload ?? new Uint8Array(0)), hex(sent), "the T-PDU is exactly the LWIPEP packet");
      assert.equal(got.bytes.length, 8 + sent.length, "plain 8-octet GTP-U header, nothing else");
      assert.equal(metric(await segw.metrics(), "lwip_segw_packets_total", { direction: "uplink" }), 1);
    });

    await t.test("16.2.2 downlink: a G-PDU on the SeGW's TEID comes back to the UE inside the tunnel", async () => {
      const segwTeid = Number.parseInt(ackA?.lwipSegwGtpTunnelEndpoint.gtpTeid ?? "0", 16);
      const down = lwipep(5, "downlink PDCP SDU on DRB 5");
      const mark = ueGre.mark;
      await sendUdp(topo, topo.segw, { src: SEGW_LAB.alpha.gtpAddress, dst: SEGW_LAB.segw, port: SEGW_LAB.gtpuPort, payload: encodeGpdu(segwTeid, down) });
      const got = await ueGre.waitForPacket((p) => p.dst === vip, 10_000, "the LWIPEP packet at the UE", mark, diag);
      assert.equal(got.src, SEGW_LAB.alpha.lwipEndpoint, "from the eNB's LWIP endpoint");
      assert.equal(got.protocol, GRE_IP_PROTOCOL);
      assert.equal(hex(got.bytes), hex(down), "exactly the LWIPEP packet of the G-PDU");
      const child = (await listSas(ue.vici))[0]?.children[0];
      assert.ok((child?.packetsIn ?? 0) >= 1, "strongSwan decrypted it from the ESP SA");
      assert.equal(metric(await segw.metrics(), "lwip_segw_packets_total", { direction: "downlink" }), 1);
    });

    await t.test("16.2.2 policy: another protocol to the eNB's endpoint is dropped and counted, never forwarded", async () => {
      const before = await segw.metrics();
      const mark = enb.mark;
      await sendUdp(topo, topo.ue, { src: vip, dst: SEGW_LAB.alpha.lwipEndpoint, port: 9, payload: new TextEncoder().encode("not LWIPEP") });
      // A valid packet after it: once it arrives, the UDP one has been through the SeGW too.
      const marker = lwipep(6, "marker after the forbidden packet");
      await sendRaw(topo, topo.ue, { src: vip, dst: SEGW_LAB.alpha.lwipEndpoint, protocol: GRE_IP_PROTOCOL, payload: marker });
      await enb.waitForPacket((p) => hex(gpdu(p)?.payload ?? new Uint8Array(0)) === hex(marker), 10_000, "the marker G-PDU", mark, diag);
      assert.equal(enb.packets(mark).length, 1, `only the marker reached the eNB: ${JSON.stringify(enb.packets(mark).map((p) => hex(p.bytes)))}`);
      const after = await segw.metrics();
      const drops = (s: typeof after) => metric(s, "lwip_segw_drops_total", { reason: "forbidden-protocol" });
      assert.equal(drops(after) - drops(before), 1, "lwip_segw_drops_total{reason=\"forbidden-protocol\"} grew by one");
    });

    await t.test("TS 36.463 eNB Initiated LWIP Release (`lwip segw ctl release`) deletes the UE's IKE SA", async () => {
      const r = await segw.ctl("alpha", "release", ["--idi", UE_IDI]);
      assert.equal(r.code, 0, r.stderr);
      const down = await vici.waitFor((e) => {
        const u = updown(e);
        return e.name === "ike-updown" && u?.up === false ? u : undefined;
      }, 10_000, "ike-updown down after the SeGW's Delete");
      assert.equal(down.ike.remoteHost, SEGW_LAB.segw);
      assert.deepEqual(await listSas(ue.vici), [], "strongSwan has no SA left");
      assert.equal((await segw.ctl("alpha", "list")).lines.some((u) => u["ikeInitiatorIdentity"] === UE_IDI), false, "the UE is no longer listed");
      assert.equal(metric(await segw.metrics(), "lwip_segw_active_ues"), 0);
    });

    await t.test("the event stream reports the released tunnel as tunnel-down (events.ts: tunnel-up and tunnel-down)", async () => {
      const down = await stream.waitFor((e) => e["type"] === "tunnel-down" && e["ikeInitiatorIdentity"] === UE_IDI, 3_000, "tunnel-down after LWIP RELEASE REQUEST", 0, diag);
      assert.equal(down["wtUeXwapId"], ackA?.wtUeXwapId);
    });

    let ackB: Acknowledge | undefined;
    let pskB = "";
    await t.test("TS 36.463 WT Initiated LWIP Release: the UE deletes its IKE SA -> LWIP RELEASE REQUIRED on the event stream", async () => {
      pskB = await newPsk();
      ackB = await segw.provision("alpha", { idi: IDI_B, psk: pskB, gtpTeid: ENB_TEID_B });
      const r = await connect(IDI_B, pskB);
      assert.ok(r.success, `strongSwan initiate: ${r.errmsg}\n${diag()}`);
      await stream.waitFor((e) => e["type"] === "tunnel-up" && e["ikeInitiatorIdentity"] === IDI_B, 5_000, "tunnel-up of UE B", 0, diag);
      assert.ok((await terminateIke(ue.vici, "lwip")).success, "strongSwan deletes its IKE SA");
      const required = await stream.waitFor((e) => e["type"] === "lwip-release-required" && e["ikeInitiatorIdentity"] === IDI_B, 10_000, "lwip-release-required", 0, diag);
      assert.equal(required["wtUeXwapId"], ackB.wtUeXwapId);
      assert.equal(required["enbUeXwapId"], ackB.enbUeXwapId);
      assert.deepEqual(required["cause"], { type: "radioNetwork", value: "unspecified" });
      assert.equal(required["reason"], "deleted-by-peer");
      const listed = (await segw.ctl("alpha", "list")).lines.find((u) => u["ikeInitiatorIdentity"] === IDI_B);
      assert.equal(listed?.["state"], "release-required");
    });

    await t.test("16.2.2 single use: a second handshake with the same IDi and LWIP-PSK -> AUTHENTICATION_FAILED", async () => {
      const before = await segw.metrics();
      const r = await connect(IDI_B, pskB);
      assert.equal(r.success, false, "strongSwan must not establish again");
      assert.match(r.log.join("\n"), /received AUTHENTICATION_FAILED notify error/, r.log.join("\n"));
      const after = await segw.metrics();
      const used = (s: typeof after) => metric(s, "lwip_segw_handshakes_total", { outcome: "auth_failed", reason: "psk-used" });
      assert.equal(used(after) - used(before), 1, "counted as psk-used");
      const confirm = await segw.ctl("alpha", "confirm", ["--wt-ue-xwap-id", ackB?.wtUeXwapId ?? "", "--enb-ue-xwap-id", ackB?.enbUeXwapId ?? ""]);
      assert.equal(confirm.code, 0, `LWIP RELEASE CONFIRM: ${confirm.stderr}`);
      assert.deepEqual((await segw.ctl("alpha", "list")).lines, [], "no UE left for alpha");
    });

    await t.test("16.2.3: another eNB's event stream carries none of alpha's UEs' events", () => {
      assert.ok(stream.lines.length >= 3, "alpha got its events");
      assert.deepEqual(bravoStream.lines, [], "bravo got nothing");
    });

    await t.test("the daemon's logs never carry an LWIP-PSK", () => {
      assert.deepEqual(segw.logProblems(psks), [], "stderr: JSON lines, no PSK");
    });
  } finally {
    stopped = await segw.stop();
  }
  assert.deepEqual(stopped, { code: 0, signal: null }, `the daemon exits 0 on SIGTERM\n${segw.daemon.diagnostics()}`);
});

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
