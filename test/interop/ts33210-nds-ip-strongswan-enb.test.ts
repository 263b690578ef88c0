// TS 33.401 16.1 / TS 33.210 Zb interop: strongSwan (Debian charon, kernel-libipsec) is the eNB's
// NDS/IP security gateway, with the certificates of `lwip pki init`, and sets up the Zb IKE SA with
// the LWIP-SeGW daemon (`gtpu.ndsIp: builtin`) in the other namespace.
//
//   eNB "alpha" host 198.18.0.2 (UE namespace)  ==== IKEv2 certificates, ESP-in-UDP ====  SeGW IKE 198.18.0.1
//   CHILD SA 198.18.0.2/32 === 198.18.3.1/32 (the SeGW's GTP-U address): GTP-U only inside it.
//
// Cases: plain GTP-U (from the eNB before its SA, from another host after) is dropped and counted;
// the Zb SA comes up with public-key authentication (RFC 7427 ECDSA signatures) and the narrowed
// selectors; a GTP-U Echo Request (TS 29.281 §7.2.1) goes through strongSwan's tunnel and its Echo
// Response comes back through it; an eNB certificate from another CA and a valid certificate of
// an identity that is not a configured eNB are refused with AUTHENTICATION_FAILED.
import assert from "node:assert/strict";
import { test } from "node:test";
import { topologyFor } from "./harness/fixture.js";
import { Charon } from "./harness/charon.js";
import { GTPU_PORT, checkEchoResponse, gtpuEchoRequest, udpExchange, type UdpExchange } from "./harness/nds-ip-gtpu.js";
import { ZB_LAB, ZbSegw } from "./harness/nds-ip-segw.js";
import { loadZbPeer, type ZbPeerConfig } from "./harness/nds-ip-swanctl.js";
import { LAB, NAMESPACE_PREFIX, namespacesWithPrefix, type Topology } from "./harness/netns.js";
import { waitUntil } from "./harness/poll.js";
import { requireInterop } from "./harness/prerequisites.js";
import { initiate, listSas, terminateIke, type IkeSaView } from "./harness/vici-sa.js";

const OUTSIDE = "gtpu-outside-nds-ip";
/** How long a datagram that must not be answered is given to be answered anyway. */
const SILENCE_MS = 1_500;

/** Sends an Echo Request from `src`:2152 in `ns` to the SeGW's GTP-U address. */
function sendEcho(topo: Topology, ns: string, src: string, seq: number, waitMs: number): Promise<UdpExchange> {
  return udpExchange(topo, ns, { src, srcPort: GTPU_PORT, dst: ZB_LAB.segwGtpu, port: GTPU_PORT, payload: gtpuEchoRequest(seq), waitMs });
}

test("TS 33.210 Zb: strongSwan as the eNB's NDS/IP SEG with the LWIP-SeGW (gtpu.ndsIp builtin)", { timeout: 90_000 }, async (t) => {
  if (!requireInterop(t, { lwip: true })) return;
  const topo = await topologyFor(t);
  const segw = await ZbSegw.start(topo);
  let exit: Awaited<ReturnType<ZbSegw["stop"]>> | undefined;
  try {
    // The eNB host reaches the SeGW's GTP-U address over the veth in plain; once the Zb CHILD SA is
    // up, strongSwan's route in table 220 (looked up before main) sends it into the tunnel instead.
    await topo.exec(topo.ue, ["ip", "route", "add", `${ZB_LAB.segwGtpu}/32`, "via", LAB.segw]);
    const enb = await Charon.start(topo, { name: "enb", ns: topo.ue });
    const diag = (): string => `${segw.daemon.diagnostics()}\n${enb.diagnostics()}`;
    const peer = (over: Partial<ZbPeerConfig> = {}): ZbPeerConfig => ({
      localId: "alpha", segw: ZB_LAB.segwIke, local: ZB_LAB.enbAlpha,
      localTs: `${ZB_LAB.enbAlpha}/32`, remoteTs: `${ZB_LAB.segwGtpu}/32`,
      caFile: segw.pki.ca, certFile: segw.pki.enbCert("alpha"), keyFile: segw.pki.enbKey("alpha"), ...over,
    });
    const zbSa = async (): Promise<IkeSaView | undefined> => (await listSas(enb.vici)).find((s) => s.name === "zb");

    /** A plain datagram must be counted as outside NDS/IP and never answered. */
    const droppedUnanswered = async (ns: string, src: string, seq: number): Promise<void> => {
      const before = await segw.drops(OUTSIDE);
      const exchange = sendEcho(topo, ns, src, seq, SILENCE_MS);
      await waitUntil(async () => ((await segw.drops(OUTSIDE)) > before ? true : undefined), {
        timeoutMs: 5_000, what: `lwip_segw_drops_total{reason="${OUTSIDE}"} to grow`, diagnostics: diag,
      });
      assert.equal((await exchange).reply, null, "no Echo Response to plain GTP-U");
      assert.equal((await segw.drops(OUTSIDE)) - before, 1, "counted exactly once");
    };

    /** strongSwan must not establish; our daemon must log AUTHENTICATION_FAILED with `detail`. */
    const refused = async (config: ZbPeerConfig, detail: string): Promise<void> => {
      await loadZbPeer(enb, config);
      const since = segw.daemon.lines.length;
      const r = await initiate(enb.vici, "zb", "zb");
      assert.equal(r.success, false, `strongSwan must not establish\n${diag()}`);
      assert.match(r.log.join("\n"), /received AUTHENTICATION_FAILED notify error/, r.log.join("\n"));
      const failed = await segw.ikeFailure(since);
      assert.equal(failed["reason"], "AUTHENTICATION_FAILED", JSON.stringify(failed));
      assert.equal(failed["detail"], detail, JSON.stringify(failed));
      assert.equal(segw.daemon.matching((l) => l["msg"] === "IKE SA established" || l["msg"] === "CHILD SA established", since).length, 0, "nothing came up on the SeGW");
      await waitUntil(async () => ((await zbSa()) === undefined ? true : undefined), { timeoutMs: 10_000, what: "strongSwan to drop the failed IKE_SA", diagnostics: diag });
    };

    await t.test("16.1: before any Zb SA, the eNB's GTP-U in plain UDP is dropped and counted, not answered", () =>
      droppedUnanswered(topo.ue, ZB_LAB.enbAlpha, 1));

    await t.test("Zb SA: IKE_SA ESTABLISHED with ECDSA certificates, CHILD_SA INSTALLED 198.18.0.2/32 === 198.18.3.1/32", async () => {
      await loadZbPeer(enb, peer());
      const since = segw.daemon.lines.length;
      const r = await initiate(enb.vici, "zb", "zb");
      const log = r.log.join("\n");
      assert.ok(r.success, `strongSwan initiate: ${r.errmsg}\n${log}\n${diag()}`);
      // RFC 7427: the SeGW signed with its P-256 key (ECDSA in a DER signature), strongSwan verified it
      assert.match(log, /authentication of '198\.18\.0\.1' with ECDSA_WITH_SHA(256|384|512)_DER successful/, log);
      assert.match(log, /authentication of 'alpha' \(myself\) with ECDSA_WITH_SHA(256|384|512)_DER successful/, log);
      const sa = await zbSa();
      assert.equal(sa?.state, "ESTABLISHED", JSON.stringify(sa));
      assert.equal(sa.localId, "alpha", "IDi: ID_FQDN alpha");
      assert.equal(sa.remoteId, ZB_LAB.segwIke, "IDr: the SeGW's address (a SAN IP of segw.pem)");
      assert.equal(sa.localHost, ZB_LAB.enbAlpha);
      assert.equal(sa.remoteHost, ZB_LAB.segwIke);
      const conn = (await enb.vici.stream("list-conns", "list-conn", { ike: "zb" }))[0]?.["zb"];
      const round = (side: string): unknown => (conn !== undefined && typeof conn === "object" && !Array.isArray(conn) ? (conn[side] as Record<string, unknown> | undefined)?.["class"] : undefined);
      assert.deepEqual([round("local-1"), round("remote-1")], ["public key", "public key"], "the SA was authenticated by public keys on both sides");
      const child = sa.children.find((c) => c.name === "zb");
      assert.equal(child?.state, "INSTALLED", JSON.stringify(sa.children));
      assert.equal(child.mode, "TUNNEL");
      assert.equal(child.protocol, "ESP");
      assert.equal(child.encap, true, "ESP in UDP");
      assert.deepEqual(child.localTs, [`${ZB_LAB.enbAlpha}/32`]);
      assert.deepEqual(child.remoteTs, [`${ZB_LAB.segwGtpu}/32`]);
      const ours = await segw.daemon.waitFor((l) => l["msg"] === "IKE SA established", 5_000, "the SeGW's log of the Zb IKE SA", since);
      assert.equal(ours["idi"], Buffer.from("alpha").toString("hex"), `the SeGW saw IDi alpha: ${JSON.stringify(ours)}`);
      await segw.daemon.waitFor((l) => l["msg"] === "CHILD SA established" && l["spiIn"] === child.spiOut, 5_000, "the SeGW's log of the Zb CHILD SA", since);
    });

    await t.test("TS 29.281 §7.2: an Echo Request from the eNB goes through the Zb SA, the Echo Response comes back through it", async () => {
      const before = (await zbSa())?.children.find((c) => c.name === "zb");
      const dropsBefore = await segw.drops(OUTSIDE);
      const ex = await sendEcho(topo, topo.ue, ZB_LAB.enbAlpha, 0x1234, 5_000);
      assert.ok(ex.reply, `an Echo Response arrived\n${diag()}`);
      assert.equal(ex.reply.from, ZB_LAB.segwGtpu, "from the SeGW's GTP-U address");
      assert.equal(ex.reply.port, GTPU_PORT);
      assert.deepEqual(checkEchoResponse(ex.reply.bytes, 0x1234), { ok: true, seq: 0x1234, restartCounter: 0 }, Buffer.from(ex.reply.bytes).toString("hex"));
      const after = (await zbSa())?.children.find((c) => c.name === "zb");
      // nothing else uses the SA (no DPD on either side): one packet each way
      assert.equal((after?.packetsOut ?? 0) - (before?.packetsOut ?? 0), 1, "strongSwan encrypted the request");
      assert.equal((after?.packetsIn ?? 0) - (before?.packetsIn ?? 0), 1, "strongSwan decrypted the response");
      assert.equal(await segw.drops(OUTSIDE), dropsBefore, "nothing arrived outside the SA");
    });

    await t.test("16.1: plain GTP-U from a host without a Zb SA is dropped and counted, not answered", () =>
      droppedUnanswered(topo.segw, ZB_LAB.otherHost, 2));

    await t.test("TS 33.310: an eNB certificate from another CA is refused (certificate-untrusted)", async () => {
      assert.ok((await terminateIke(enb.vici, "zb")).success, "strongSwan deletes the Zb SA");
      await refused(peer({ certFile: segw.foreignPki.enbCert("alpha"), keyFile: segw.foreignPki.enbKey("alpha") }), "certificate-untrusted");
    });

    await t.test("TS 33.210: a valid certificate of an identity that is no configured eNB is refused (not-authorized)", () =>
      refused(peer({ localId: "charlie", certFile: segw.pki.enbCert("charlie"), keyFile: segw.pki.enbKey("charlie") }), "not-authorized"));

    await t.test("the configured eNB still gets in afterwards", async () => {
      await loadZbPeer(enb, peer());
      const r = await initiate(enb.vici, "zb", "zb");
      assert.ok(r.success, `strongSwan initiate: ${r.errmsg}\n${diag()}`);
      const ex = await sendEcho(topo, topo.ue, ZB_LAB.enbAlpha, 3, 5_000);
      assert.equal(ex.reply === null ? "no reply" : checkEchoResponse(ex.reply.bytes, 3).ok, true, diag());
    });
    assert.deepEqual(segw.daemon.badLines, [], "stderr carries JSON lines only");
  } finally {
    exit = await segw.stop();
  }
  assert.deepEqual(exit, { code: 0, signal: null }, `the daemon exits 0 on SIGTERM\n${segw.daemon.diagnostics()}`);
});

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
