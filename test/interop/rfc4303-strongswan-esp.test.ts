// RFC 4303 interop (ESP in UDP, RFC 3948), both directions of the tunnel, with strongSwan's
// user-space ESP (kernel-libipsec) on the other end:
//   (a) strongSwan UE pings 198.18.1.1 from its virtual IP through `lwip ike responder`, which
//       answers echo requests for its --ts address;
//   (b) `lwip ike initiator --ping 5` pings 198.18.1.1, owned by the strongSwan SeGW's side.
// Each for ESP aes128gcm16 (RFC 4106) and aes128-sha256 (RFC 3602 + RFC 4868).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Charon } from "./harness/charon.js";
import {
  ESP_PROPOSALS, IKE_PROPOSALS, UE_IDI, assertEventAlgs, initiatorArgs, ping, randomPsk, responderArgs, spi, topologyFor,
  waitForUdpListeners,
} from "./harness/fixture.js";
import { LwipProcess, type ExitStatus } from "./harness/lwip.js";
import { LAB, NAMESPACE_PREFIX, namespacesWithPrefix, type Topology } from "./harness/netns.js";
import { waitUntil } from "./harness/poll.js";
import { requireInterop } from "./harness/prerequisites.js";
import { initiate, listSas, terminateIke } from "./harness/vici-sa.js";

const PINGS = 5;

test("ESP in UDP between strongSwan (libipsec) and lwip, both directions", { timeout: 150_000 }, async (t) => {
  if (!requireInterop(t, { lwip: true })) return;
  const topo = await topologyFor(t);
  await t.test("(a) strongSwan UE pings 198.18.1.1 through lwip ike responder", () => strongSwanPings(topo));
  await t.test("(b) lwip ike initiator --ping through a strongSwan SeGW", () => lwipPings(topo));
});

async function strongSwanPings(topo: Topology): Promise<void> {
  const psk = randomPsk();
  const ue = await Charon.start(topo, { name: "ue-esp", ns: topo.ue });
  const lwip = LwipProcess.start(topo, topo.segw, responderArgs(psk));
  const diag = (): string => `${lwip.diagnostics()}\n${ue.diagnostics()}`;
  let exit: ExitStatus | undefined;
  try {
    await waitForUdpListeners(topo, topo.segw, LAB.segw, [500, 4500], lwip);
    for (const esp of ESP_PROPOSALS) {
      const since = lwip.events.length;
      await ue.load({
        role: "initiator", idi: UE_IDI, psk, ikeProposals: [IKE_PROPOSALS[1]], espProposals: [esp],
        localTs: ["dynamic"], remoteTs: ["0.0.0.0/0"], localAddr: LAB.ue, remoteAddr: LAB.segw,
      });
      const r = await initiate(ue.vici, "lwip", "lwip");
      assert.ok(r.success, `[${esp}] strongSwan initiate failed: ${r.errmsg}\n${r.log.join("\n")}\n${diag()}`);
      const childUp = await lwip.waitForEvent("child-sa-up", 5_000, since);
      assertEventAlgs(childUp, esp);
      const sa = (await listSas(ue.vici))[0];
      const vip = sa?.localVips[0] ?? "";
      const result = await ping(topo, topo.ue, vip, LAB.enb, PINGS);
      assert.equal(result.received, PINGS, `[${esp}] ping -I ${vip} ${LAB.enb}: no loss\n${result.output}\n${diag()}`);
      const child = (await listSas(ue.vici))[0]?.children[0];
      assert.equal(child?.spiOut, spi(childUp, "spiIn"));
      assert.ok((child?.packetsOut ?? 0) >= PINGS, `[${esp}] strongSwan sent ${String(child?.packetsOut)} ESP packets`);
      assert.ok((child?.packetsIn ?? 0) >= PINGS, `[${esp}] strongSwan received ${String(child?.packetsIn)} ESP packets`);
      assert.ok((await terminateIke(ue.vici, "lwip")).success);
      await lwip.waitForEvent("ike-sa-down", 10_000, since);
    }
    assert.deepEqual(lwip.badLines, [], "stdout carries JSON lines only");
  } finally {
    exit = await lwip.stop();
    await ue.stop();
  }
  assert.deepEqual(exit, { code: 0, signal: null }, `responder exits 0 on SIGTERM\n${lwip.diagnostics()}`);
}

async function lwipPings(topo: Topology): Promise<void> {
  const psk = randomPsk();
  const segw = await Charon.start(topo, { name: "segw-esp", ns: topo.segw });
  try {
    await segw.load({
      role: "responder", idi: UE_IDI, psk, ikeProposals: IKE_PROPOSALS, espProposals: ESP_PROPOSALS,
      localTs: [`${LAB.enb}/32`], remoteTs: ["dynamic"], pool: LAB.pool,
    });
    for (const esp of ESP_PROPOSALS) await lwipPingsOnce(topo, segw, psk, esp);
  } finally {
    await segw.stop();
  }
}

async function lwipPingsOnce(topo: Topology, segw: Charon, psk: string, esp: string): Promise<void> {
  const lwip = LwipProcess.start(topo, topo.ue, initiatorArgs(psk, ["--esp-proposal", esp, "--ping", String(PINGS)]));
  const diag = (): string => `${lwip.diagnostics()}\n${segw.diagnostics()}`;
  let exit: ExitStatus | undefined;
  try {
    const childUp = await lwip.waitForEvent("child-sa-up", 20_000);
    assertEventAlgs(childUp, esp);
    const result = await lwip.waitForEvent("ping", 10_000 + PINGS * 2_000);
    assert.deepEqual([result["sent"], result["received"], result["lost"]], [PINGS, PINGS, 0], `[${esp}] no loss\n${diag()}`);
    const child = (await listSas(segw.vici))[0]?.children.find((c) => c.spiIn === spi(childUp, "spiOut"));
    assert.ok(child !== undefined, `[${esp}] strongSwan lists our CHILD_SA\n${diag()}`);
    assert.ok(child.packetsIn >= PINGS, `[${esp}] strongSwan decrypted ${child.packetsIn} of our ESP packets`);
    assert.ok(child.packetsOut >= PINGS, `[${esp}] strongSwan sent ${child.packetsOut} ESP packets back`);
    assert.deepEqual(lwip.badLines, [], "stdout carries JSON lines only");
  } finally {
    exit = await lwip.stop();
  }
  assert.deepEqual(exit, { code: 0, signal: null }, `initiator exits 0 on SIGTERM\n${lwip.diagnostics()}`);
  await waitUntil(async () => ((await listSas(segw.vici)).length === 0 ? true : undefined), {
    timeoutMs: 10_000, what: "strongSwan to have no SA after our SIGTERM delete", diagnostics: diag,
  });
}

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
