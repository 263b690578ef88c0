// RFC 7296 interop, strongSwan as the UE (initiator) against `lwip ike responder` as the SeGW:
//   IKE_SA_INIT, IKE_AUTH with PSK, IDi ID_KEY_ID and CP(CFG_REQUEST) -> virtual IP from the pool,
//   TS narrowed to VIP/32 === 198.18.1.1/32 (§2.9), forced NAT-T on 4500 (RFC 3948);
//   CREATE_CHILD_SA rekeys of the CHILD_SA (§1.3.3) and of the IKE_SA (§1.3.2) started by
//   strongSwan; INFORMATIONAL Delete of the IKE_SA by strongSwan (§1.4.1).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Charon } from "./harness/charon.js";
import {
  UE_IDI, assertEventAlgs, assertSwanAlgs, randomPsk, responderArgs, spi, topologyFor, waitForUdpListeners,
} from "./harness/fixture.js";
import { inIpv4Prefix } from "./harness/lab-addr.js";
import { LwipProcess, type ExitStatus } from "./harness/lwip.js";
import { LAB, NAMESPACE_PREFIX, namespacesWithPrefix, type Topology } from "./harness/netns.js";
import { waitUntil } from "./harness/poll.js";
import { requireInterop } from "./harness/prerequisites.js";
import { initiate, listSas, rekey, terminateIke, type IkeSaView } from "./harness/vici-sa.js";

const CASES = [
  { ike: "aes128-sha256-modp2048", esp: "aes128gcm16" },
  { ike: "aes128gcm16-prfsha256-ecp256", esp: "aes128-sha256" },
] as const;

test("strongSwan initiator <-> lwip ike responder: establish, rekey CHILD_SA and IKE_SA, delete", { timeout: 150_000 }, async (t) => {
  if (!requireInterop(t, { lwip: true })) return;
  const topo = await topologyFor(t);
  const ue = await Charon.start(topo, { name: "ue", ns: topo.ue });
  for (const c of CASES) {
    await t.test(`IKE ${c.ike}, ESP ${c.esp}`, () => runCase(topo, ue, c.ike, c.esp));
  }
});

async function runCase(topo: Topology, ue: Charon, ike: string, esp: string): Promise<void> {
  const psk = randomPsk();
  const lwip = LwipProcess.start(topo, topo.segw, responderArgs(psk));
  let exit: ExitStatus | undefined;
  try {
    await waitForUdpListeners(topo, topo.segw, LAB.segw, [500, 4500], lwip);
    await ue.load({
      role: "initiator", idi: UE_IDI, psk, ikeProposals: [ike], espProposals: [esp],
      localTs: ["dynamic"], remoteTs: ["0.0.0.0/0"], localAddr: LAB.ue, remoteAddr: LAB.segw,
    });
    const diag = (): string => `${lwip.diagnostics()}\n${ue.diagnostics()}`;
    const r = await initiate(ue.vici, "lwip", "lwip");
    assert.ok(r.success, `strongSwan initiate failed: ${r.errmsg}\n${r.log.join("\n")}\n${diag()}`);

    const sa = await establishedSa(ue);
    const child = sa.children[0];
    assert.ok(child !== undefined);
    const vip = sa.localVips[0] ?? "";
    assert.ok(inIpv4Prefix(vip, LAB.pool), `virtual IP ${vip} from ${LAB.pool}`);
    assert.equal(sa.remotePort, "4500", "IKE moved to the NAT-T port");
    assertSwanAlgs(sa, ike);
    assert.equal(child.state, "INSTALLED");
    assert.equal(child.encap, true, "ESP in UDP (encap yes)");
    assertSwanAlgs(child, esp);
    assert.deepEqual(child.localTs, [`${vip}/32`], "TSi narrowed to VIP/32");
    assert.deepEqual(child.remoteTs, [`${LAB.enb}/32`], "TSr narrowed to the eNB /32");

    // our side agrees (SPIs as strongSwan sees them, mirrored for the CHILD_SA)
    const ikeUp = await lwip.waitForEvent("ike-sa-up", 5_000);
    assert.equal(ikeUp["role"], "responder");
    assert.equal(spi(ikeUp, "spiI"), sa.initiatorSpi);
    assert.equal(spi(ikeUp, "spiR"), sa.responderSpi);
    assert.equal(String(ikeUp["idi"]).toLowerCase(), UE_IDI);
    assert.equal(ikeUp["local"], `${LAB.segw}:4500`);
    assert.equal(ikeUp["remote"], `${LAB.ue}:4500`);
    assertEventAlgs(ikeUp, ike);
    const childUp = await lwip.waitForEvent("child-sa-up", 5_000);
    assert.equal(spi(childUp, "spiIn"), child.spiOut);
    assert.equal(spi(childUp, "spiOut"), child.spiIn);
    assertEventAlgs(childUp, esp);
    assert.equal(childUp["esn"], false);
    assert.deepEqual(childUp["tsLocal"], [`${LAB.enb}/32`]);
    assert.deepEqual(childUp["tsRemote"], [`${vip}/32`]);
    assert.equal(childUp["virtualIp"], vip);

    await rekeyChild(ue, lwip, child.spiIn, spi(childUp, "spiIn"));
    const newIke = await rekeyIke(ue, lwip, sa);

    const term = await terminateIke(ue.vici, "lwip");
    assert.ok(term.success, `strongSwan terminate: ${term.errmsg}\n${diag()}`);
    const down = await lwip.waitForEvent((e) => e.event === "ike-sa-down" && spi(e, "spiI") === newIke.initiatorSpi, 10_000);
    assert.equal(down["reason"], "deleted-by-peer");
    assert.equal(spi(down, "spiR"), newIke.responderSpi);
    assert.deepEqual(await listSas(ue.vici), [], "strongSwan has no SA left");
    assert.deepEqual(lwip.badLines, [], "stdout carries JSON lines only");
  } finally {
    exit = await lwip.stop();
  }
  assert.deepEqual(exit, { code: 0, signal: null }, `responder exits 0 on SIGTERM\n${lwip.diagnostics()}`);
}

/** The single established IKE_SA of the strongSwan UE. */
async function establishedSa(ue: Charon): Promise<IkeSaView> {
  const sas = await listSas(ue.vici);
  assert.equal(sas.length, 1, "one IKE_SA");
  const sa = sas[0];
  assert.ok(sa !== undefined);
  assert.equal(sa.state, "ESTABLISHED");
  assert.equal(sa.children.length, 1, "one CHILD_SA");
  return sa;
}

/** strongSwan rekeys the CHILD_SA (RFC 7296 §1.3.3): new SPIs on both sides, old one deleted. */
async function rekeyChild(ue: Charon, lwip: LwipProcess, oldSwanSpiIn: string, oldLwipSpiIn: string): Promise<void> {
  const since = lwip.events.length;
  const r = await rekey(ue.vici, { child: "lwip" });
  assert.ok(r.success, `strongSwan rekey child: ${r.errmsg}`);
  const fresh = await waitUntil(
    async () => {
      // the old CHILD_SA stays listed (not INSTALLED) for charon's delete_rekeyed_delay
      const installed = ((await listSas(ue.vici))[0]?.children ?? []).filter((c) => c.state === "INSTALLED");
      return installed.length === 1 && installed[0]?.spiIn !== oldSwanSpiIn ? installed[0] : undefined;
    },
    { timeoutMs: 15_000, what: "strongSwan to have only the rekeyed CHILD_SA installed", diagnostics: () => `${lwip.diagnostics()}\n${ue.diagnostics()}` },
  );
  const ev = await lwip.waitForEvent("child-sa-rekeyed", 5_000, since);
  assert.equal(spi(ev, "oldSpiIn"), oldLwipSpiIn);
  assert.equal(spi(ev, "spiIn"), fresh.spiOut);
  assert.equal(spi(ev, "spiOut"), fresh.spiIn);
  assert.notEqual(spi(ev, "spiIn"), oldLwipSpiIn);
}

/** strongSwan rekeys the IKE_SA (RFC 7296 §1.3.2): a new IKE_SA with new SPIs keeps the CHILD_SA. */
async function rekeyIke(ue: Charon, lwip: LwipProcess, old: IkeSaView): Promise<IkeSaView> {
  const since = lwip.events.length;
  const childBefore = (await listSas(ue.vici))[0]?.children.find((c) => c.state === "INSTALLED");
  const r = await rekey(ue.vici, { ike: "lwip" });
  assert.ok(r.success, `strongSwan rekey ike: ${r.errmsg}`);
  const fresh = await waitUntil(
    async () => {
      const sas = await listSas(ue.vici);
      const sa = sas[0];
      return sas.length === 1 && sa?.state === "ESTABLISHED" && sa.initiatorSpi !== old.initiatorSpi ? sa : undefined;
    },
    { timeoutMs: 15_000, what: "strongSwan to list only the rekeyed IKE_SA", diagnostics: () => `${lwip.diagnostics()}\n${ue.diagnostics()}` },
  );
  const ev = await lwip.waitForEvent("ike-sa-rekeyed", 5_000, since);
  assert.equal(spi(ev, "oldSpiI"), old.initiatorSpi);
  assert.equal(spi(ev, "spiI"), fresh.initiatorSpi);
  assert.equal(spi(ev, "spiR"), fresh.responderSpi);
  const moved = fresh.children.filter((c) => c.state === "INSTALLED").map((c) => [c.spiIn, c.spiOut]);
  assert.deepEqual(moved, [[childBefore?.spiIn, childBefore?.spiOut]], "the CHILD_SA moved to the new IKE_SA");
  return fresh;
}

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
