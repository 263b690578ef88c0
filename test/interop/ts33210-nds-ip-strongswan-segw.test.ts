// TS 33.401 16.1 / TS 33.210 Zb interop, the other half of ts33210-nds-ip-strongswan-enb: strongSwan
// (Debian charon, kernel-libipsec) is the SeGW's NDS/IP security gateway, responder, with segw.pem
// of `lwip pki init`; our eNB's NDS/IP function (src/lwip/enb-nds-ip.ts, run by
// harness/nds-ip-enb-main.ts) initiates the Zb SA to it.
//
//   eNB "alpha" 198.18.0.2 (UE namespace, EnbNdsIp)  ==== IKEv2 certificates, ESP-in-UDP ====  charon 198.18.0.1 (SeGW namespace)
//   CHILD SA 198.18.0.2/32 === 198.18.0.1/32, a GTP-U Echo responder on 198.18.0.1:2152 behind charon
//
// EnbNdsIp proposes the IKE peers' own addresses as selectors, so the SeGW's GTP-U address is its
// IKE address, and charon runs with allow_peer_ts (see harness/nds-ip-enb-segw.ts).
//
// Cases: the SA comes up with public-key authentication both ways (IDi ID_FQDN alpha, RFC 7427
// ECDSA; IDr 198.18.0.1) and the selectors of the eNB; a GTP-U Echo Request (TS 29.281 §7.2.1)
// from our eNB goes through the SA to the responder behind strongSwan, the Echo Response comes back
// through it to EnbNdsIp's onDatagram, and strongSwan's CHILD_SA counters count both; stopping the
// eNB deletes the SA; an eNB certificate from another CA is refused by strongSwan, our eNB reports
// AUTHENTICATION_FAILED and no SA exists; a SEG whose GTP-U selector is another address answers
// TS_UNACCEPTABLE, and our eNB must not pile up IKE_SAs at it while it tries again.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Charon } from "./harness/charon.js";
import { topologyFor } from "./harness/fixture.js";
import type { JsonLinesProcess } from "./harness/json-lines.js";
import { OwnEnbNdsIp, type OwnEnbOptions } from "./harness/nds-ip-enb.js";
import { loadZbSeg, startGtpuEchoResponder, zbSegSwanctlConf, type ZbSegConfig } from "./harness/nds-ip-enb-segw.js";
import { GTPU_PORT, checkEchoResponse, gtpuEchoRequest } from "./harness/nds-ip-gtpu.js";
import { ZB_LAB, pkiInit, type PkiFiles } from "./harness/nds-ip-segw.js";
import { NAMESPACE_PREFIX, namespacesWithPrefix } from "./harness/netns.js";
import { waitUntil } from "./harness/poll.js";
import { requireInterop } from "./harness/prerequisites.js";
import { listSas, terminateAll, updown, type ChildSaView, type IkeSaView } from "./harness/vici-sa.js";

/** The SeGW's GTP-U address: its IKE address, the TSr that EnbNdsIp proposes. */
const SEGW_GTPU = ZB_LAB.segwIke;

const SEG_CONF = (pki: string): ZbSegConfig => ({
  local: ZB_LAB.segwIke, remote: ZB_LAB.enbAlpha, remoteId: "alpha",
  localTs: `${SEGW_GTPU}/32`, remoteTs: `${ZB_LAB.enbAlpha}/32`,
  caFile: join(pki, "ca.pem"), certFile: join(pki, "segw.pem"), keyFile: join(pki, "segw-key.pem"),
});

test("the SeGW-side swanctl.conf: responder, pubkey both ways, IDr the SeGW's address, remote id ID_FQDN", () => {
  const conf = zbSegSwanctlConf(SEG_CONF("/pki"));
  assert.match(conf, /local \{\s+auth = pubkey\s+certs = segw\.pem\s+id = 198\.18\.0\.1\s+\}/);
  assert.match(conf, /remote \{\s+auth = pubkey\s+id = "@alpha"\s+cacerts = ca\.pem\s+\}/);
  assert.match(conf, /local_ts = 198\.18\.0\.1\/32\s+remote_ts = 198\.18\.0\.2\/32/);
  assert.doesNotMatch(conf, /encap/, "ESP-in-UDP must come from the eNB's NAT detection");
  assert.throws(() => zbSegSwanctlConf({ ...SEG_CONF("/pki"), remoteId: "al pha" }), /host name/);
  assert.throws(() => zbSegSwanctlConf({ ...SEG_CONF("/pki"), remote: "10.0.0.2" }), /outside/);
});

test("TS 33.210 Zb: our eNB's NDS/IP function (EnbNdsIp) with strongSwan as the SeGW's NDS/IP SEG", { timeout: 60_000 }, async (t) => {
  if (!requireInterop(t, { lwip: true })) return;
  const topo = await topologyFor(t);
  const pkiDir = join(topo.workDir, "pki");
  const [pki, foreignPki] = await Promise.all([pkiInit(pkiDir, ["alpha"]), pkiInit(join(topo.workDir, "foreign-pki"), ["alpha"])]);
  // the eNB's TSi is its IKE address: see harness/nds-ip-enb-segw.ts
  const seg = await Charon.start(topo, { name: "segw-seg", ns: topo.segw, allowPeerTs: true });
  let enb: OwnEnbNdsIp | undefined;
  let responder: JsonLinesProcess | undefined;
  try {
    const events = await seg.openEventLog();
    await loadZbSeg(seg, SEG_CONF(pkiDir));
    responder = await startGtpuEchoResponder(topo, topo.segw, SEGW_GTPU);
    const diag = (): string => [enb?.proc.diagnostics() ?? "", seg.diagnostics(60), responder?.diagnostics() ?? ""].join("\n");
    const charonLog = (): string => readFileSync(seg.logFile, "utf8");
    const enbOptions = (files: PkiFiles): OwnEnbOptions => ({
      ns: topo.ue, address: ZB_LAB.enbAlpha, segw: ZB_LAB.segwIke, gtpu: SEGW_GTPU,
      cert: files.enbCert("alpha"), key: files.enbKey("alpha"), ca: pki.ca, firstSeq: 0x4242,
    });
    const zbSa = async (): Promise<IkeSaView | undefined> => (await listSas(seg.vici)).find((s) => s.name === "zb");
    const zbChild = async (): Promise<ChildSaView | undefined> => (await zbSa())?.children.find((c) => c.name === "zb" && c.state === "INSTALLED");

    await t.test("Zb SA: IKE_SA ESTABLISHED with ECDSA certificates both ways, CHILD_SA INSTALLED 198.18.0.1/32 === 198.18.0.2/32", async () => {
      const logStart = charonLog().length;
      enb = await OwnEnbNdsIp.start(topo, enbOptions(pki));
      const up = await enb.established(15_000, diag);
      assert.equal(up["established"], true, "EnbNdsIp.established is true once it reports the SA up");
      await events.waitFor((e) => (e.name === "child-updown" && updown(e)?.up === true ? true : undefined), 5_000, "child-updown up");
      const sa = await zbSa();
      assert.equal(sa?.state, "ESTABLISHED", `${JSON.stringify(sa)}\n${diag()}`);
      assert.equal(sa.initiator, false, "strongSwan is the responder");
      assert.equal(sa.localId, ZB_LAB.segwIke, "IDr: the SeGW's address (a SAN IP of segw.pem)");
      assert.equal(sa.remoteId, "alpha", "IDi: ID_FQDN alpha, the DNS name of enb-alpha.pem");
      assert.equal(sa.localHost, ZB_LAB.segwIke);
      assert.equal(sa.remoteHost, ZB_LAB.enbAlpha);
      assert.equal(sa.remotePort, "4500", "the eNB moved to the NAT-T port (RFC 7296 §2.23)");
      assert.deepEqual([sa.encrAlg, sa.encrKeysize, sa.prfAlg, sa.dhGroup], ["AES_GCM_16", "128", "PRF_HMAC_SHA2_256", "ECP_256"]);
      const child = sa.children.find((c) => c.name === "zb");
      assert.equal(child?.state, "INSTALLED", JSON.stringify(sa.children));
      assert.equal(child.mode, "TUNNEL");
      assert.equal(child.protocol, "ESP");
      assert.equal(child.encap, true, "ESP in UDP: the eNB's NAT detection forced it, strongSwan was not told to");
      assert.deepEqual([child.encrAlg, child.encrKeysize], ["AES_GCM_16", "128"]);
      assert.deepEqual(child.localTs, [`${SEGW_GTPU}/32`], "TSr: the SeGW's GTP-U address");
      assert.deepEqual(child.remoteTs, [`${ZB_LAB.enbAlpha}/32`], "TSi: the eNB's address");
      const conn = (await seg.vici.stream("list-conns", "list-conn", { ike: "zb" }))[0]?.["zb"];
      const round = (side: string): unknown => (conn !== undefined && typeof conn === "object" && !Array.isArray(conn) ? (conn[side] as Record<string, unknown> | undefined)?.["class"] : undefined);
      assert.deepEqual([round("local-1"), round("remote-1")], ["public key", "public key"], "the connection authenticates by public keys on both sides");
      const log = charonLog().slice(logStart);
      // RFC 7427: our eNB signed with its P-256 key (ECDSA, DER signature); strongSwan verified it
      // against the chain to the CA and signed with segw.pem's key in turn
      assert.match(log, /authentication of 'alpha' with ECDSA_WITH_SHA(256|384|512)_DER successful/, log);
      assert.match(log, /authentication of '198\.18\.0\.1' \(myself\) with ECDSA_WITH_SHA(256|384|512)_DER successful/, log);
      assert.match(log, /IKE_SA zb\[\d+\] established between 198\.18\.0\.1\[198\.18\.0\.1\]\.\.\.198\.18\.0\.2\[alpha\]/, log);
    });

    await t.test("TS 29.281 §7.2: an Echo Request from our eNB goes through the Zb SA to the SeGW's GTP-U address, the Echo Response comes back through it", async () => {
      assert.ok(enb, "the eNB of the previous case");
      // charon's own route sends GTP-U to the eNB into its TUN device (allow_peer_ts)
      const table220 = (await topo.exec(topo.segw, ["ip", "route", "show", "table", "220"])).stdout;
      assert.match(table220, /^198\.18\.0\.2 dev ipsec0 .*src 198\.18\.0\.1/m, table220);
      const before = await zbChild();
      const requestsBefore = responder?.lines.length ?? 0;
      const echo = await enb.echo(5_000, diag);
      assert.equal(echo.from, SEGW_GTPU, "from the SeGW's GTP-U address");
      assert.equal(echo.port, GTPU_PORT);
      assert.deepEqual(checkEchoResponse(echo.bytes, echo.seq), { ok: true, seq: 0x4242, restartCounter: 0 }, Buffer.from(echo.bytes).toString("hex"));
      const requests = responder?.matching((l) => l["event"] === "request", requestsBefore) ?? [];
      assert.deepEqual(requests, [{ event: "request", from: ZB_LAB.enbAlpha, port: GTPU_PORT, hex: Buffer.from(gtpuEchoRequest(0x4242)).toString("hex"), answered: true }], "the responder got the eNB's Echo Request once, octet for octet");
      const after = await zbChild();
      // nothing else crosses the CHILD_SA (no DPD on either side): one packet each way
      assert.equal((after?.packetsIn ?? 0) - (before?.packetsIn ?? 0), 1, `strongSwan decrypted the request\n${JSON.stringify([before, after])}`);
      assert.equal((after?.packetsOut ?? 0) - (before?.packetsOut ?? 0), 1, `strongSwan encrypted the response\n${JSON.stringify([before, after])}`);
    });

    await t.test("RFC 7296 §1.4.1: stopping our eNB deletes the Zb SA at strongSwan", async () => {
      const since = events.events.length;
      assert.deepEqual(await enb?.stop(), { code: 0, signal: null }, diag());
      await events.waitFor((e) => (events.events.indexOf(e) >= since && e.name === "ike-updown" && updown(e)?.up === false ? true : undefined), 5_000, "ike-updown down");
      assert.equal(await zbSa(), undefined, "no IKE_SA left");
      enb = undefined;
    });

    await t.test("TS 33.310: an eNB certificate from another CA is refused by strongSwan; our eNB reports AUTHENTICATION_FAILED, no SA", async () => {
      const logStart = charonLog().length;
      const eventsStart = events.events.length;
      enb = await OwnEnbNdsIp.start(topo, enbOptions(foreignPki));
      const lost = await enb.lost(10_000, 0, diag);
      assert.equal(lost["reason"], "AUTHENTICATION_FAILED", JSON.stringify(lost));
      assert.deepEqual(enb.proc.matching((l) => l["event"] === "established"), [], "EnbNdsIp never reported an SA");
      const log = charonLog().slice(logStart);
      assert.match(log, /received end entity cert "CN=alpha, O=lwip"/, log);
      // both CAs are "CN=LWIP development CA, O=lwip": strongSwan finds no issuer for the foreign
      // certificate and tries alpha's trusted certificate from the first case, whose key did not sign
      assert.match(log, /no issuer certificate found for "CN=alpha, O=lwip"/, log);
      assert.match(log, /signature validation failed, looking for another key/, log);
      assert.match(log, /generating IKE_AUTH response 1 \[ N\(AUTH_FAILED\) \]/, log);
      assert.doesNotMatch(log, /authentication of 'alpha' with .* successful/, log);
      await waitUntil(async () => ((await zbSa()) === undefined ? true : undefined), { timeoutMs: 5_000, what: "strongSwan to drop the failed IKE_SA", diagnostics: diag });
      assert.deepEqual(events.events.slice(eventsStart).filter((e) => updown(e)?.up === true), [], "strongSwan reported no SA up");
    });

    await t.test("RFC 7296 §2.9: a SEG whose GTP-U selector is not its IKE address refuses TSr with TS_UNACCEPTABLE; our eNB reports it and does not pile up IKE_SAs", async () => {
      await enb?.stop();
      enb = undefined;
      await terminateAll(seg.vici);
      await loadZbSeg(seg, { ...SEG_CONF(pkiDir), localTs: `${ZB_LAB.segwGtpu}/32` });
      const logStart = charonLog().length;
      enb = await OwnEnbNdsIp.start(topo, enbOptions(pki));
      const first = await enb.lost(10_000, 0, diag);
      assert.equal(first["reason"], "TS_UNACCEPTABLE", JSON.stringify(first));
      const log = charonLog().slice(logStart);
      assert.match(log, /traffic selectors 198\.18\.0\.1\/32 === 198\.18\.0\.2\/32 unacceptable/, log);
      assert.match(log, /failed to establish CHILD_SA, keeping IKE_SA/, log);
      // EnbNdsIp tries again (1 s later) with a new IKE_SA. The one that could not carry the CHILD
      // SA is of no use (ike-auth-initiator.ts failChild: "report and delete it"): deleted, or
      // reused for the next attempt, it must not stay behind at both ends, one more per attempt.
      const afterFirst = enb.proc.lines.indexOf(first) + 1;
      await enb.lost(5_000, afterFirst, diag);
      const ikeSas = async (): Promise<string[]> => (await listSas(seg.vici)).map((sa) => `${sa.name}[${sa.uniqueId}] ${sa.state}`);
      await waitUntil(async () => ((await ikeSas()).length <= 1 ? true : undefined), {
        timeoutMs: 3_000, what: "strongSwan to hold at most one IKE_SA for the eNB after its second attempt",
        diagnostics: () => `${enb?.proc.diagnostics() ?? ""}`,
      }).catch(async (e: unknown) => {
        throw new Error(`${e instanceof Error ? e.message : String(e)}\nstrongSwan's IKE_SAs: ${(await ikeSas()).join(", ")}`);
      });
    });
  } finally {
    await enb?.stop();
    await responder?.stop();
    await seg.stop();
  }
});

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
