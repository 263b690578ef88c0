// TS 33.401 16.2.3 (the eNB provides the LWIP-PSK and the IDi to the SeGW over a protected
// interface) and 16.1 (DoS protection), against the daemon's control API in the SeGW namespace:
// TLS 1.3 with mutual certificate authentication against the configured CA, the client
// certificate must belong to a configured eNB, and an eNB sees and acts on its own UEs only.
//
// Callers: `lwip segw ctl` with the certificates of `lwip pki init` (alpha and bravo are
// configured eNBs, charlie has a certificate from the same CA but is not configured), a second
// PKI whose CA the SeGW does not trust, and a plain HTTPS client without a certificate.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { test } from "node:test";
import { topologyFor } from "./harness/fixture.js";
import { NAMESPACE_PREFIX, namespacesWithPrefix } from "./harness/netns.js";
import { lwipPsk, metric, pkiInit, requireSegwInterop, SEGW_LAB, SegwLab, type Acknowledge } from "./harness/segw-lab.js";

const IDI = Buffer.from("LWIP-UE-0201", "ascii").toString("hex");
const tlsRefused = "xwap_tls_refused";

test("TS 33.401 16.2.3: the control API refuses unauthenticated clients and foreign eNBs", { timeout: 60_000 }, async (t) => {
  if (!requireSegwInterop(t, { python: false })) return;
  const topo = await topologyFor(t);
  const segw = await SegwLab.start(topo);
  let stopped: Awaited<ReturnType<SegwLab["stop"]>> | undefined;
  try {
    const psk = await lwipPsk(randomBytes(32).toString("hex"), 3);
    const ack: Acknowledge = await segw.provision("alpha", { idi: IDI, psk, gtpTeid: "0a0b0f01" });
    const alphaSees = async () => (await segw.ctl("alpha", "list")).lines.filter((u) => u["ikeInitiatorIdentity"] === IDI).map((u) => u["state"]);
    const refusals = async () => metric(await segw.metrics(), "lwip_segw_events_total", { name: tlsRefused });

    await t.test("no client certificate: the TLS handshake is refused, nothing is served", async () => {
      const before = await refusals();
      const since = segw.daemon.lines.length;
      const r = await segw.httpsProbe("/xwap/v1/ues");
      assert.equal(r.status, undefined, `no HTTP answer: ${JSON.stringify(r)}`);
      assert.ok(r.error !== undefined, "the client sees a TLS failure");
      assert.equal(await refusals(), before + 1, "xwap_tls_refused counted");
      assert.equal(segw.logs("TLS handshake refused", {}, since).length, 1, segw.diagnostics());
    });

    await t.test("a certificate from a CA the SeGW does not trust: refused", async () => {
      const otherPki = join(segw.dir, "other-pki");
      await pkiInit(otherPki, ["alpha"]);
      const before = await refusals();
      const r = await segw.ctl("alpha", "list", [], otherPki);
      assert.equal(r.code, 1, `ctl fails: ${JSON.stringify(r)}`);
      assert.deepEqual(r.lines, [], "no listing");
      assert.equal(await refusals(), before + 1);
      const probe = await segw.httpsProbe("/healthz", { enb: "alpha", pki: otherPki });
      assert.equal(probe.status, undefined, `not even /healthz: ${JSON.stringify(probe)}`);
    });

    await t.test("a valid certificate of no configured eNB: 403 for every XwAP procedure", async () => {
      const list = await segw.ctl("charlie", "list");
      assert.equal(list.code, 1);
      assert.match(list.stderr, /HTTP 403/);
      const provision = await segw.ctl("charlie", "provision", ["--idi", "0102", "--psk", randomBytes(32).toString("hex")]);
      assert.match(provision.stderr, /HTTP 403/);
      const release = await segw.ctl("charlie", "release", ["--idi", IDI]);
      assert.match(release.stderr, /HTTP 403/);
      const health = await segw.httpsProbe("/healthz", { enb: "charlie", pki: segw.pki });
      assert.equal(health.status, 200, "the certificate itself is valid: /healthz answers");
      assert.deepEqual(await alphaSees(), ["provisioned"], "alpha's UE untouched");
    });

    await t.test("another configured eNB (bravo) cannot see, release or take over alpha's UE", async () => {
      assert.deepEqual((await segw.ctl("bravo", "list")).lines, [], "bravo lists none of alpha's UEs");
      const byIdi = await segw.ctl("bravo", "release", ["--idi", IDI]);
      assert.equal(byIdi.code, 1);
      assert.match(byIdi.stderr, /HTTP 404\) radioNetwork\/unknown-pair-of-UE-XwAP-ID/, "unknown, exactly as a UE that does not exist");
      const byWtId = await segw.ctl("bravo", "release", ["--wt-ue-xwap-id", ack.wtUeXwapId]);
      assert.match(byWtId.stderr, /HTTP 404/);
      const confirm = await segw.ctl("bravo", "confirm", ["--wt-ue-xwap-id", ack.wtUeXwapId, "--enb-ue-xwap-id", ack.enbUeXwapId]);
      assert.match(confirm.stderr, /HTTP 404/);
      const takeOver = await segw.ctl("bravo", "provision", ["--idi", IDI, "--psk", randomBytes(32).toString("hex")]);
      assert.equal(takeOver.code, 1, "bravo may not re-provision (and so release) alpha's IDi");
      assert.match(takeOver.stderr, /HTTP 409/);
      const spoofGtp = await segw.ctl("bravo", "provision", ["--idi", "0a0b", "--psk", randomBytes(32).toString("hex"), "--gtp-address", SEGW_LAB.alpha.gtpAddress, "--gtp-teid", "00000001"]);
      assert.match(spoofGtp.stderr, /HTTP 422\) transport\/transport-resource-unavailable/, "bravo may not point a UE's uplink at alpha's GTP-U address");
      assert.deepEqual(await alphaSees(), ["provisioned"], "alpha's UE untouched");
      assert.deepEqual((await segw.ctl("bravo", "list")).lines, [], "bravo still has no UE");
    });

    await t.test("the owning eNB can release its UE", async () => {
      const r = await segw.ctl("alpha", "release", ["--wt-ue-xwap-id", ack.wtUeXwapId, "--enb-ue-xwap-id", ack.enbUeXwapId]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await alphaSees(), []);
    });

    await t.test("the log never carries the LWIP-PSK", () => {
      const text = segw.daemon.lines.map((l) => JSON.stringify(l)).join("\n");
      assert.equal(text.includes(psk), false);
    });
  } finally {
    stopped = await segw.stop();
  }
  assert.deepEqual(stopped, { code: 0, signal: null }, `the daemon exits 0 on SIGTERM\n${segw.daemon.diagnostics()}`);
});

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
