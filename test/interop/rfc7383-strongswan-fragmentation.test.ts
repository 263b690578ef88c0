// RFC 7383 interop: IKEv2 fragmentation between strongSwan as the UE (initiator, charon.fragment_size
// small) and `lwip ike responder --fragment-size` small, so that IKE_AUTH and the IKE SA rekey's
// CREATE_CHILD_SA (a 256-octet MODP KE) go as SKF fragments both ways. Each side announces
// IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT (§2.3); raw UDP taps in both namespaces count the
// fragments on the wire and check their size against the configured limit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Charon } from "./harness/charon.js";
import { UE_IDI, randomPsk, responderArgs, spi, topologyFor, waitForUdpListeners } from "./harness/fixture.js";
import { LwipProcess, type ExitStatus } from "./harness/lwip.js";
import { LAB, type Topology } from "./harness/netns.js";
import { PacketTap, type TapPacket } from "./harness/packet-tap.js";
import { waitUntil } from "./harness/poll.js";
import { requireInterop } from "./harness/prerequisites.js";
import { initiate, listSas, rekey, terminateIke } from "./harness/vici-sa.js";

const SWAN_FRAGMENT_SIZE = 200;
const OUR_FRAGMENT_SIZE = 200;
const SKF = 53;
const IPV4_HEADER = 20;

/** The IKE header's Next Payload of a captured UDP datagram (UDP header first; non-ESP marker on 4500), or -1. */
function ikeNextPayload(p: TapPacket): number {
  const b = p.bytes;
  const dstPort = ((b[2] ?? 0) << 8) | (b[3] ?? 0);
  if (dstPort !== 500 && dstPort !== 4500) return -1;
  const ike = dstPort === 4500 ? 12 : 8;
  if (dstPort === 4500 && (b[8] !== 0 || b[9] !== 0 || b[10] !== 0 || b[11] !== 0)) return -1; // ESP, not IKE
  return b[ike + 16] ?? -1;
}

const fragmentsFrom = (tap: PacketTap, src: string, since: number): TapPacket[] => tap.packets(since).filter((p) => p.src === src && ikeNextPayload(p) === SKF);

test("RFC 7383: strongSwan UE <-> lwip ike responder with IKE_AUTH and the IKE SA rekey fragmented both ways", { timeout: 120_000 }, async (t) => {
  if (!requireInterop(t, { lwip: true })) return;
  const topo = await topologyFor(t);
  const ue = await Charon.start(topo, { name: "ue", ns: topo.ue, fragmentSize: SWAN_FRAGMENT_SIZE });
  for (const c of [{ ike: "aes128-sha256-modp2048", esp: "aes128-sha256" }, { ike: "aes128gcm16-prfsha256-modp2048", esp: "aes128gcm16" }]) {
    await t.test(`IKE ${c.ike}`, () => runCase(topo, ue, c.ike, c.esp));
  }
});

async function runCase(topo: Topology, ue: Charon, ike: string, esp: string): Promise<void> {
  const psk = randomPsk();
  const [atSegw, atUe] = [await PacketTap.raw(topo, topo.segw, 17), await PacketTap.raw(topo, topo.ue, 17)];
  const lwip = LwipProcess.start(topo, topo.segw, responderArgs(psk, ["--fragment-size", String(OUR_FRAGMENT_SIZE), "--ike-proposal", ike, "--esp-proposal", esp]));
  let exit: ExitStatus | undefined;
  const diag = (): string => `${lwip.diagnostics()}\n${ue.diagnostics()}`;
  try {
    await waitForUdpListeners(topo, topo.segw, LAB.segw, [500, 4500], lwip);
    await ue.load({
      role: "initiator", idi: UE_IDI, psk, ikeProposals: [ike], espProposals: [esp],
      localTs: ["dynamic"], remoteTs: ["0.0.0.0/0"], localAddr: LAB.ue, remoteAddr: LAB.segw,
    });
    const r = await initiate(ue.vici, "lwip", "lwip");
    assert.ok(r.success, `strongSwan initiate failed: ${r.errmsg}\n${r.log.join("\n")}\n${diag()}`);
    const up = await lwip.waitForEvent("ike-sa-up", 5_000);
    assert.equal(up["fragmentation"], true, "both announced IKEV2_FRAGMENTATION_SUPPORTED");
    await lwip.waitForEvent("child-sa-up", 5_000);
    const sa = (await listSas(ue.vici))[0];
    assert.equal(sa?.state, "ESTABLISHED", diag());
    assert.equal(sa.children[0]?.state, "INSTALLED");

    const [swanAuth, ourAuth] = [fragmentsFrom(atSegw, LAB.ue, 0), fragmentsFrom(atUe, LAB.segw, 0)];
    assert.ok(swanAuth.length >= 2, `strongSwan's IKE_AUTH request came as fragments (${swanAuth.length})\n${diag()}`);
    assert.ok(ourAuth.length >= 2, `our IKE_AUTH response went as fragments (${ourAuth.length})`);
    for (const p of ourAuth) assert.ok(IPV4_HEADER + p.bytes.length <= OUR_FRAGMENT_SIZE, `our fragment of ${IPV4_HEADER + p.bytes.length} octets in an IP packet`);

    // CREATE_CHILD_SA rekeying the IKE SA: SA, Nonce and a 256-octet KE each way, fragmented again.
    const [markSegw, markUe, since] = [atSegw.mark, atUe.mark, lwip.events.length];
    const rk = await rekey(ue.vici, { ike: "lwip" });
    assert.ok(rk.success, `strongSwan rekey ike: ${rk.errmsg}\n${diag()}`);
    const rekeyed = await lwip.waitForEvent("ike-sa-rekeyed", 10_000, since);
    const fresh = await waitUntil(async () => {
      const s = (await listSas(ue.vici))[0];
      return s?.state === "ESTABLISHED" && s.initiatorSpi === spi(rekeyed, "spiI") ? s : undefined;
    }, { timeoutMs: 10_000, what: "strongSwan to run the rekeyed IKE SA", diagnostics: diag });
    assert.ok(fragmentsFrom(atSegw, LAB.ue, markSegw).length >= 2, "strongSwan's rekey request came as fragments");
    assert.ok(fragmentsFrom(atUe, LAB.segw, markUe).length >= 2, "our rekey response went as fragments");

    const term = await terminateIke(ue.vici, "lwip");
    assert.ok(term.success, `strongSwan terminate: ${term.errmsg}\n${diag()}`);
    const down = await lwip.waitForEvent((e) => e.event === "ike-sa-down" && spi(e, "spiI") === fresh.initiatorSpi, 10_000);
    assert.equal(down["reason"], "deleted-by-peer");
    assert.deepEqual(lwip.badLines, [], "stdout carries JSON lines only");
  } finally {
    exit = await lwip.stop();
    await atSegw.stop();
    await atUe.stop();
  }
  assert.deepEqual(exit, { code: 0, signal: null }, `responder exits 0 on SIGTERM\n${lwip.diagnostics()}`);
}
