// The interop harness itself, proven with strongSwan on both ends (as `sslab.sh test`): a
// strongSwan UE gets a virtual IP from a strongSwan SeGW, TS are narrowed to VIP/32 ===
// 198.18.1.1/32, ESP-in-UDP carries pings to the eNB address and nothing to the "other" host;
// CHILD_SA and IKE_SA rekeys and the delete show up in list-sas and in the vici events the other
// test files rely on. When this file fails, the environment or the harness is broken, not the
// project's code.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Charon } from "./harness/charon.js";
import { ESP_PROPOSALS, IKE_PROPOSALS, UE_IDI, assertSwanAlgs, ping, randomPsk, topologyFor } from "./harness/fixture.js";
import { inIpv4Prefix } from "./harness/lab-addr.js";
import { LAB, NAMESPACE_PREFIX, namespacesWithPrefix, type Topology } from "./harness/netns.js";
import { waitUntil } from "./harness/poll.js";
import { requireInterop } from "./harness/prerequisites.js";
import { childRekeyed, ikeRekeyed, initiate, listSas, rekey, terminateAll, terminateIke, updown, type IkeSaView } from "./harness/vici-sa.js";

test("strongSwan UE <-> strongSwan SeGW through the harness topology", { timeout: 90_000 }, async (t) => {
  if (!requireInterop(t, { lwip: false })) return;
  const topo = await topologyFor(t);
  const psk = randomPsk();
  const segw = await Charon.start(topo, { name: "segw", ns: topo.segw });
  const ue = await Charon.start(topo, { name: "ue", ns: topo.ue });
  await segw.load({
    role: "responder", idi: UE_IDI, psk, ikeProposals: IKE_PROPOSALS, espProposals: ESP_PROPOSALS,
    localTs: [`${LAB.enb}/32`], remoteTs: ["dynamic"], pool: LAB.pool,
  });
  for (const [i, ike] of IKE_PROPOSALS.entries()) {
    const esp = ESP_PROPOSALS[i] ?? ESP_PROPOSALS[0];
    await t.test(`IKE ${ike}, ESP ${esp}`, async () => {
      try {
        await runCase(topo, ue, segw, psk, ike, esp);
      } finally {
        await terminateAll(ue.vici);
        await terminateAll(segw.vici);
      }
    });
  }
});

async function runCase(topo: Topology, ue: Charon, segw: Charon, psk: string, ike: string, esp: string): Promise<void> {
  const events = await segw.openEventLog();
  await ue.load({
    role: "initiator", idi: UE_IDI, psk, ikeProposals: [ike], espProposals: [esp],
    localTs: ["dynamic"], remoteTs: ["0.0.0.0/0"], localAddr: LAB.ue, remoteAddr: LAB.segw,
  });
  const r = await initiate(ue.vici, "lwip", "lwip");
  assert.ok(r.success, `initiate failed: ${r.errmsg}\n${r.log.join("\n")}\n${segw.diagnostics()}`);

  const [ueSa] = await listSas(ue.vici);
  const [gwSa] = await listSas(segw.vici);
  assert.ok(ueSa !== undefined && gwSa !== undefined, "both sides list the IKE_SA");
  const vip = ueSa.localVips[0] ?? "";
  assert.ok(inIpv4Prefix(vip, LAB.pool), `virtual IP ${vip} from the pool`);
  checkSide(ueSa, ike, esp, [`${vip}/32`], [`${LAB.enb}/32`]);
  checkSide(gwSa, ike, esp, [`${LAB.enb}/32`], [`${vip}/32`]);
  assert.equal(ueSa.remotePort, "4500", "the UE moved to the NAT-T port");
  assert.deepEqual(gwSa.remoteVips, [vip]);
  assert.equal(gwSa.remoteId, "LWIP-UE-0001", "key id seen by the SeGW");
  assert.equal(gwSa.initiatorSpi, ueSa.initiatorSpi);
  assert.equal(gwSa.children[0]?.spiIn, ueSa.children[0]?.spiOut);
  const up = await events.waitFor((e) => updown(e), 5_000, "child-updown/ike-updown");
  assert.ok(up.up && up.ike.initiatorSpi === ueSa.initiatorSpi, "vici up event for this IKE_SA");

  const good = await ping(topo, topo.ue, vip, LAB.enb, 3);
  assert.equal(good.received, 3, `ping ${vip} -> ${LAB.enb} through the tunnel\n${good.output}`);
  const back = await ping(topo, topo.segw, LAB.enb, vip, 3);
  assert.equal(back.received, 3, `ping ${LAB.enb} -> ${vip} through the tunnel\n${back.output}`);
  const bad = await ping(topo, topo.ue, vip, LAB.other, 2);
  assert.equal(bad.received, 0, `${LAB.other} must stay unreachable`);
  const [after] = await listSas(segw.vici);
  assert.ok((after?.children[0]?.packetsIn ?? 0) >= 6, "the SeGW's CHILD_SA counted 3 requests and 3 replies");

  assert.ok((await rekey(ue.vici, { child: "lwip" })).success);
  const cr = await events.waitFor(childRekeyed, 10_000, "child-rekey on the SeGW");
  assert.equal(cr.old.spiIn, gwSa.children[0]?.spiIn);
  assert.notEqual(cr.new.spiIn, cr.old.spiIn);
  await waitUntil(async () => {
    // the old CHILD_SA stays listed (not INSTALLED) for charon's delete_rekeyed_delay
    const installed = ((await listSas(ue.vici))[0]?.children ?? []).filter((c) => c.state === "INSTALLED");
    return installed.length === 1 && installed[0]?.spiOut === cr.new.spiIn ? true : undefined;
  }, { timeoutMs: 10_000, what: "the UE to have only the rekeyed CHILD_SA installed", diagnostics: () => ue.diagnostics() });
  assert.ok((await rekey(ue.vici, { ike: "lwip" })).success);
  const ir = await events.waitFor(ikeRekeyed, 10_000, "ike-rekey on the SeGW");
  assert.equal(ir.old.initiatorSpi, ueSa.initiatorSpi);
  const fresh = await waitUntil(async () => {
    const sas = await listSas(ue.vici);
    return sas.length === 1 && sas[0]?.initiatorSpi === ir.new.initiatorSpi ? sas[0] : undefined;
  }, { timeoutMs: 10_000, what: "the UE to list only the rekeyed IKE_SA", diagnostics: () => ue.diagnostics() });
  const moved = fresh.children.filter((c) => c.state === "INSTALLED").map((c) => c.spiOut);
  assert.deepEqual(moved, [cr.new.spiIn], "the rekeyed CHILD_SA moved to the new IKE_SA");

  assert.ok((await terminateIke(ue.vici, "lwip")).success);
  await events.waitFor((e) => {
    const u = updown(e);
    return u !== undefined && !u.up && u.ike.initiatorSpi === ir.new.initiatorSpi ? true : undefined;
  }, 10_000, "ike-updown (down) on the SeGW");
  await waitUntil(async () => ((await listSas(segw.vici)).length === 0 ? true : undefined), {
    timeoutMs: 10_000, what: "the SeGW to drop the IKE_SA", diagnostics: () => segw.diagnostics(),
  });
  assert.deepEqual(await listSas(ue.vici), []);
  events.close();
}

function checkSide(sa: IkeSaView, ike: string, esp: string, localTs: string[], remoteTs: string[]): void {
  assert.equal(sa.state, "ESTABLISHED");
  assertSwanAlgs(sa, ike);
  assert.equal(sa.children.length, 1);
  const child = sa.children[0];
  assert.ok(child !== undefined);
  assert.equal(child.state, "INSTALLED");
  assert.equal(child.mode, "TUNNEL");
  assert.equal(child.encap, true, "ESP is UDP-encapsulated");
  assertSwanAlgs(child, esp);
  assert.deepEqual(child.localTs, localTs);
  assert.deepEqual(child.remoteTs, remoteTs);
}

test("no namespace of this run is left behind", () => {
  assert.deepEqual(namespacesWithPrefix(NAMESPACE_PREFIX), []);
});
