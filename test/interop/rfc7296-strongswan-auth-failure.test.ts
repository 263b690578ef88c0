// RFC 7296 §2.15 / §2.21.2 interop: `lwip ike responder` rejects a strongSwan initiator whose
// AUTH payload was computed with the wrong PSK, or whose IDi (ID_KEY_ID) it does not know, with an
// AUTHENTICATION_FAILED notification; strongSwan's IKE_SA never establishes. A correct initiator
// afterwards still gets in (the failures came from the credentials, not from a broken responder).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Charon } from "./harness/charon.js";
import { UE_IDI, randomPsk, responderArgs, topologyFor, waitForUdpListeners } from "./harness/fixture.js";
import { LwipProcess, type ExitStatus } from "./harness/lwip.js";
import { LAB, NAMESPACE_PREFIX, namespacesWithPrefix } from "./harness/netns.js";
import { waitUntil } from "./harness/poll.js";
import { requireInterop } from "./harness/prerequisites.js";
import { initiate, listSas, terminateIke } from "./harness/vici-sa.js";

const UNKNOWN_IDI = Buffer.from("LWIP-UE-9999", "ascii").toString("hex");

test("lwip ike responder rejects bad credentials from strongSwan with AUTHENTICATION_FAILED", { timeout: 120_000 }, async (t) => {
  if (!requireInterop(t, { lwip: true })) return;
  const topo = await topologyFor(t);
  const psk = randomPsk();
  const ue = await Charon.start(topo, { name: "ue", ns: topo.ue });
  const lwip = LwipProcess.start(topo, topo.segw, responderArgs(psk));
  const diag = (): string => `${lwip.diagnostics()}\n${ue.diagnostics()}`;
  await waitForUdpListeners(topo, topo.segw, LAB.segw, [500, 4500], lwip);

  const attempt = async (idi: string, key: string): Promise<{ success: boolean; log: string }> => {
    await ue.load({
      role: "initiator", idi, psk: key, ikeProposals: ["aes128gcm16-prfsha256-ecp256"], espProposals: ["aes128gcm16"],
      localTs: ["dynamic"], remoteTs: ["0.0.0.0/0"], localAddr: LAB.ue, remoteAddr: LAB.segw,
    });
    const r = await initiate(ue.vici, "lwip", "lwip");
    return { success: r.success, log: r.log.join("\n") };
  };

  const rejected = async (idi: string, key: string): Promise<void> => {
    const since = lwip.events.length;
    const r = await attempt(idi, key);
    assert.equal(r.success, false, `strongSwan must not establish\n${diag()}`);
    // RFC 7296 §2.21.2: the responder answers IKE_AUTH with AUTHENTICATION_FAILED
    assert.match(r.log, /received AUTHENTICATION_FAILED notify error/, `strongSwan got the notification\n${r.log}`);
    const failed = await lwip.waitForEvent("ike-sa-failed", 5_000, since);
    assert.equal(failed["reason"], "AUTHENTICATION_FAILED");
    assert.equal(lwip.events.slice(since).some((e) => e.event === "ike-sa-up" || e.event === "child-sa-up"), false, "no SA came up on our side");
    await waitUntil(async () => ((await listSas(ue.vici)).length === 0 ? true : undefined), {
      timeoutMs: 10_000, what: "strongSwan to drop the failed IKE_SA", diagnostics: diag,
    });
  };

  let exit: ExitStatus | undefined;
  try {
    await t.test("wrong PSK", () => rejected(UE_IDI, randomPsk()));
    await t.test("unknown IDi (ID_KEY_ID)", () => rejected(UNKNOWN_IDI, psk));
    await t.test("right IDi and PSK still establish afterwards", async () => {
      const r = await attempt(UE_IDI, psk);
      assert.ok(r.success, `${r.log}\n${diag()}`);
      assert.equal((await listSas(ue.vici))[0]?.state, "ESTABLISHED");
      await lwip.waitForEvent("child-sa-up", 5_000);
      assert.ok((await terminateIke(ue.vici, "lwip")).success);
    });
    assert.deepEqual(lwip.badLines, [], "stdout carries JSON lines only");
  } finally {
    exit = await lwip.stop();
  }
  assert.deepEqual(exit, { code: 0, signal: null }, `responder exits 0 on SIGTERM\n${lwip.diagnostics()}`);
});

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
