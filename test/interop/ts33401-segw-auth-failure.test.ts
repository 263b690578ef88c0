// TS 33.401 16.2.2 with a strongSwan UE against the LWIP-SeGW daemon: the SeGW accepts the
// IKEv2 handshake only for a provisioned IDi, with its LWIP-PSK, within the provisioning window.
// A wrong PSK, an unknown IDi and a handshake after the window all end in AUTHENTICATION_FAILED
// (RFC 7296 §2.21.2), the same for the UE; the daemon's metrics and logs tell them apart. The
// right IDi and PSK still get in afterwards (the failed attempts did not use up the PSK), and
// re-provisioning an IDi releases the tunnel it has.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { Charon } from "./harness/charon.js";
import { topologyFor, UE_IDI } from "./harness/fixture.js";
import { LAB, NAMESPACE_PREFIX, namespacesWithPrefix } from "./harness/netns.js";
import { lwipPsk, metric, requireSegwInterop, SegwLab } from "./harness/segw-lab.js";
import { initiate, listSas, updown } from "./harness/vici-sa.js";

const UNKNOWN_IDI = Buffer.from("LWIP-UE-9999", "ascii").toString("hex");
const SHORT_WINDOW_IDI = Buffer.from("LWIP-UE-0003", "ascii").toString("hex");

test("TS 33.401 16.2.2: the SeGW refuses wrong PSK, unknown IDi and expired window alike", { timeout: 90_000 }, async (t) => {
  if (!requireSegwInterop(t, { python: false })) return;
  const topo = await topologyFor(t);
  const segw = await SegwLab.start(topo);
  let stopped: Awaited<ReturnType<SegwLab["stop"]>> | undefined;
  try {
    const ue = await Charon.start(topo, { name: "ue", ns: topo.ue });
    const vici = await ue.openEventLog();
    const diag = (): string => `${segw.diagnostics()}\n${ue.diagnostics()}`;
    const psk = await lwipPsk(randomBytes(32).toString("hex"), 7);
    await segw.provision("alpha", { idi: UE_IDI, psk, gtpTeid: "0a0b0e01" });

    const attempt = async (idi: string, key: string) => {
      await ue.load({
        role: "initiator", idi, psk: key, ikeProposals: ["aes128gcm16-prfsha256-ecp256"], espProposals: ["aes128gcm16"],
        localTs: ["dynamic"], remoteTs: ["0.0.0.0/0"], localAddr: LAB.ue, remoteAddr: LAB.segw,
      });
      return initiate(ue.vici, "lwip", "lwip");
    };

    /** One refused handshake: what strongSwan saw, and which failure reason the metrics and the log counted. */
    const refused = async (idi: string, key: string, reason: string): Promise<void> => {
      const before = await segw.metrics();
      const since = segw.daemon.lines.length;
      const r = await attempt(idi, key);
      assert.equal(r.success, false, `strongSwan must not establish\n${diag()}`);
      assert.match(r.log.join("\n"), /received AUTHENTICATION_FAILED notify error/, r.log.join("\n"));
      const after = await segw.metrics();
      const count = (s: typeof after) => metric(s, "lwip_segw_handshakes_total", { outcome: "auth_failed", reason });
      assert.equal(count(after) - count(before), 1, `lwip_segw_handshakes_total{outcome="auth_failed",reason="${reason}"} grew by one`);
      const failed = segw.logs("IKE SA failed", { idi, reason: "AUTHENTICATION_FAILED" }, since);
      assert.deepEqual(failed.map((l) => l["detail"]), [reason], `one "IKE SA failed" log line naming the reason\n${diag()}`);
      assert.deepEqual(await listSas(ue.vici), [], "strongSwan keeps no SA");
    };

    await t.test("wrong LWIP-PSK", () => refused(UE_IDI, randomBytes(32).toString("hex"), "wrong-psk"));
    await t.test("unknown IDi (ID_KEY_ID)", () => refused(UNKNOWN_IDI, psk, "unknown-identity"));

    await t.test("16.2.2 note: past the provisioning window the IDi and PSK are deleted", async () => {
      const shortPsk = await lwipPsk(randomBytes(32).toString("hex"), 8);
      const since = segw.daemon.lines.length;
      await segw.provision("alpha", { idi: SHORT_WINDOW_IDI, psk: shortPsk, gtpTeid: "0a0b0e03", windowSeconds: 1 });
      await segw.daemon.waitFor((l) => l["msg"] === "UE released" && l["idi"] === SHORT_WINDOW_IDI && l["reason"] === "window-expired", 5_000, "the window to expire", since);
      assert.equal((await segw.ctl("alpha", "list")).lines.some((u) => u["ikeInitiatorIdentity"] === SHORT_WINDOW_IDI), false, "the entry is gone");
      await refused(SHORT_WINDOW_IDI, shortPsk, "expired-window");
    });

    await t.test("the right IDi and PSK still establish after the refusals", async () => {
      const r = await attempt(UE_IDI, psk);
      assert.ok(r.success, `${r.errmsg}\n${r.log.join("\n")}\n${diag()}`);
      assert.equal((await listSas(ue.vici))[0]?.state, "ESTABLISHED");
      assert.equal(metric(await segw.metrics(), "lwip_segw_handshakes_total", { outcome: "established", reason: "" }), 1);
    });

    await t.test("re-provisioning the IDi replaces the entry and releases its tunnel", async () => {
      const fresh = await lwipPsk(randomBytes(32).toString("hex"), 9);
      await segw.provision("alpha", { idi: UE_IDI, psk: fresh, gtpTeid: "0a0b0e04" });
      await vici.waitFor((e) => (e.name === "ike-updown" && updown(e)?.up === false ? true : undefined), 10_000, "the SeGW's Delete of the old tunnel");
      const listed = (await segw.ctl("alpha", "list")).lines.filter((u) => u["ikeInitiatorIdentity"] === UE_IDI);
      assert.deepEqual(listed.map((u) => u["state"]), ["provisioned"], "one fresh entry waiting for the UE");
      const r = await attempt(UE_IDI, fresh);
      assert.ok(r.success, `the new PSK works: ${r.errmsg}\n${diag()}`);
    });
  } finally {
    stopped = await segw.stop();
  }
  assert.deepEqual(stopped, { code: 0, signal: null }, `the daemon exits 0 on SIGTERM\n${segw.daemon.diagnostics()}`);
});

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
