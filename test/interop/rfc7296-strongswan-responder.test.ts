// RFC 7296 interop, `lwip ike initiator` as the UE against strongSwan as the SeGW (responder):
//   IKE_SA_INIT, IKE_AUTH (PSK, IDi ID_KEY_ID, CP request) -> strongSwan hands out a virtual IP
//   and narrows TS to 198.18.1.1/32 === VIP/32; we rekey the CHILD_SA after 1 s (§1.3.3,
//   --rekey-child-after 1) and delete the IKE_SA (§1.4.1, --once); the process exits 0.
// strongSwan's view is taken from its vici events (ike-updown, child-updown, child-rekey), which
// charon emits as each step completes, so no step can be missed however fast --once finishes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Charon } from "./harness/charon.js";
import {
  ESP_PROPOSALS, IKE_PROPOSALS, UE_IDI, assertEventAlgs, assertSwanAlgs, initiatorArgs, randomPsk, spi, topologyFor,
} from "./harness/fixture.js";
import { inIpv4Prefix } from "./harness/lab-addr.js";
import { LwipProcess, type LwipEvent } from "./harness/lwip.js";
import { LAB, NAMESPACE_PREFIX, namespacesWithPrefix, type Topology } from "./harness/netns.js";
import { waitUntil } from "./harness/poll.js";
import { requireInterop } from "./harness/prerequisites.js";
import { childRekeyed, listSas, updown, type ViciEventLog } from "./harness/vici-sa.js";

const CASES = [
  { ike: "aes128-sha256-modp2048", esp: "aes128gcm16" },
  { ike: "aes128gcm16-prfsha256-ecp256", esp: "aes128-sha256" },
] as const;

test("lwip ike initiator <-> strongSwan responder: establish, rekey CHILD_SA, delete (--once)", { timeout: 120_000 }, async (t) => {
  if (!requireInterop(t, { lwip: true })) return;
  const topo = await topologyFor(t);
  const psk = randomPsk();
  const segw = await Charon.start(topo, { name: "segw", ns: topo.segw });
  await segw.load({
    role: "responder", idi: UE_IDI, psk, ikeProposals: IKE_PROPOSALS, espProposals: ESP_PROPOSALS,
    localTs: [`${LAB.enb}/32`], remoteTs: ["dynamic"], pool: LAB.pool,
  });
  for (const c of CASES) {
    await t.test(`IKE ${c.ike}, ESP ${c.esp}`, () => runCase(topo, segw, psk, c.ike, c.esp));
  }
});

async function runCase(topo: Topology, segw: Charon, psk: string, ike: string, esp: string): Promise<void> {
  const events = await segw.openEventLog();
  const lwip = LwipProcess.start(topo, topo.ue, initiatorArgs(psk, ["--ike-proposal", ike, "--esp-proposal", esp, "--rekey-child-after", "1", "--once"]));
  const diag = (): string => `${lwip.diagnostics()}\n${segw.diagnostics()}`;
  try {
    const ikeUp = await lwip.waitForEvent("ike-sa-up", 20_000);
    assert.equal(ikeUp["role"], "initiator");
    assertEventAlgs(ikeUp, ike);
    const childUp = await lwip.waitForEvent("child-sa-up", 5_000);
    assertEventAlgs(childUp, esp);
    const vip = String(childUp["virtualIp"]);
    assert.ok(inIpv4Prefix(vip, LAB.pool), `virtual IP ${vip} from strongSwan's pool ${LAB.pool}`);
    assert.deepEqual(childUp["tsLocal"], [`${vip}/32`]);
    assert.deepEqual(childUp["tsRemote"], [`${LAB.enb}/32`]);

    await checkSwanEstablished(events, ikeUp, childUp, ike, esp, vip, diag);
    await checkSwanRekeyed(events, lwip, childUp, vip, diag);

    const exit = await lwip.waitForExit(20_000);
    assert.deepEqual(exit, { code: 0, signal: null }, `--once exits 0\n${diag()}`);
    const down = lwip.events.find((e) => e.event === "ike-sa-down");
    assert.equal(down?.["reason"], "deleted", "we deleted the IKE_SA");
    const swanDown = await events.waitFor((e) => {
      const u = e.name === "ike-updown" ? updown(e) : undefined;
      return u !== undefined && !u.up && u.ike.initiatorSpi === spi(ikeUp, "spiI") ? u : undefined;
    }, 5_000, "ike-updown (down) for our IKE_SA");
    assert.equal(swanDown.ike.responderSpi, spi(ikeUp, "spiR"));
    await waitUntil(async () => ((await listSas(segw.vici)).length === 0 ? true : undefined), {
      timeoutMs: 10_000, what: "strongSwan to have no SA after our delete", diagnostics: diag,
    });
    assert.deepEqual(lwip.badLines, [], "stdout carries JSON lines only");
  } finally {
    events.close();
    await lwip.stop();
  }
}

/** strongSwan's child-updown (up) for our CHILD_SA: ESTABLISHED / INSTALLED, our SPIs, VIP/32. */
async function checkSwanEstablished(events: ViciEventLog, ikeUp: LwipEvent, childUp: LwipEvent, ike: string, esp: string, vip: string, diag: () => string): Promise<void> {
  const up = await events.waitFor((e) => {
    const u = e.name === "child-updown" ? updown(e) : undefined;
    return u?.up === true && u.ike.children[0]?.spiOut === spi(childUp, "spiIn") ? u.ike : undefined;
  }, 5_000, "child-updown (up) with our inbound SPI").catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${diag()}`);
  });
  assert.equal(up.state, "ESTABLISHED");
  assert.equal(up.initiatorSpi, spi(ikeUp, "spiI"));
  assert.equal(up.responderSpi, spi(ikeUp, "spiR"));
  assert.equal(up.remoteId, "LWIP-UE-0001", "strongSwan authenticated our ID_KEY_ID");
  assert.deepEqual(up.remoteVips, [vip]);
  assertSwanAlgs(up, ike);
  const child = up.children[0];
  assert.ok(child !== undefined);
  assert.equal(child.state, "INSTALLED");
  assert.equal(child.encap, true, "ESP in UDP (encap yes)");
  assert.equal(child.spiIn, spi(childUp, "spiOut"));
  assertSwanAlgs(child, esp);
  assert.deepEqual(child.localTs, [`${LAB.enb}/32`]);
  assert.deepEqual(child.remoteTs, [`${vip}/32`], "remote TS is our VIP/32");
}

/** Our CHILD_SA rekey: strongSwan's child-rekey event shows the new CHILD_SA with our new SPIs. */
async function checkSwanRekeyed(events: ViciEventLog, lwip: LwipProcess, childUp: LwipEvent, vip: string, diag: () => string): Promise<void> {
  const rekeyed = await lwip.waitForEvent("child-sa-rekeyed", 15_000);
  assert.equal(spi(rekeyed, "oldSpiIn"), spi(childUp, "spiIn"));
  const swan = await events.waitFor((e) => {
    const r = childRekeyed(e);
    return r !== undefined && r.old.spiOut === spi(childUp, "spiIn") ? r : undefined;
  }, 5_000, "child-rekey of our CHILD_SA").catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${diag()}`);
  });
  assert.equal(swan.new.state, "INSTALLED");
  assert.equal(swan.new.spiOut, spi(rekeyed, "spiIn"));
  assert.equal(swan.new.spiIn, spi(rekeyed, "spiOut"));
  assert.notEqual(swan.new.spiIn, swan.old.spiIn);
  assert.deepEqual(swan.new.remoteTs, [`${vip}/32`]);
}

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
