// TS 33.401 clause 16 end to end on loopback: a real LWIP-SeGW (startSegw with a temporary
// development PKI), the eNB LWIP function and UEs in this process, UEs and eNB joined by the
// simulated air interface, everything else over real sockets. One test per rule of the design's
// "who owns which rule" table that the eNB and UE own; each fails if its rule is broken.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { deriveLwipPsk } from "../../src/kdf/lwip-psk.js";
import { deriveKenbStar } from "../../src/lwip/as-security.js";
import type { DrbConfig, LwipEvent, LwipEventOf } from "../../src/lwip/events.js";
import { probeSdu } from "../../src/lwip/traffic.js";
import { fromHex } from "../../src/wire/hex.js";
import { CELLS, FOREIGN_CELL, is, startLab, tryHandshake, type Lab, type LabUe } from "../../src/demo/lab.js";
import { until } from "../support/until.js";

let lab: Lab;

before(async () => {
  lab = await startLab("127.0.2");
});

after(async () => {
  await lab?.stop();
});

function as<K extends LwipEvent["event"]>(e: LwipEvent, k: K): LwipEventOf<K> {
  assert.equal(e.event, k);
  return e as LwipEventOf<K>;
}

function idiOf(ueId: string, from = 0): string {
  const rrc = lab.log.of(ueId, from).filter((e) => e.event === "rrc-lwip-configuration");
  const last = rrc.at(-1);
  assert.ok(last, `an RRC LWIP configuration for ${ueId}`);
  return as(last, "rrc-lwip-configuration").idi;
}

function idiBytes(hex: string): Uint8Array {
  const b = fromHex(hex);
  assert.ok(b);
  return b;
}

/** A UE with LWIP up on these DRBs, both ends having seen the tunnel come up. */
async function upUe(i: number, drbs: readonly DrbConfig[] = [{ drbId: 1, type: "lwip" }], opts: Parameters<Lab["addUe"]>[1] = {}): Promise<LabUe & { idi: string }> {
  const u = await lab.addUe(i, opts);
  const from = lab.log.mark();
  assert.deepEqual(await lab.enb.setupLwip(u.ue.ueId, drbs), { ok: true });
  await lab.log.waitFor(is("lwip-tunnel-up", "UE", u.ue.ueId), `${u.ue.ueId} tunnel up`, from);
  await lab.log.waitFor(is("lwip-tunnel-up", "eNB", u.ue.ueId), `${u.ue.ueId} tunnel up at the eNB`, from);
  return { ...u, idi: idiOf(u.ue.ueId, from) };
}

function segwSas(idi: string) {
  return lab.segw.node.sas.filter((sa) => sa.idiHex === idi);
}

const zero = (b: Uint8Array) => b.every((x) => x === 0);

test("16.2.3 before 16.2.1: the SeGW holds IDi and LWIP-PSK before the UE is given SeGW address, IDi and counter", async () => {
  const u = await upUe(1);
  const events = lab.log.of("ue1");
  const ack = events.findIndex((e) => e.event === "lwip-addition-acknowledge");
  const rrc = events.findIndex((e) => e.event === "rrc-lwip-configuration");
  const ike = events.findIndex((e) => e.event === "ike-initiated");
  assert.ok(ack >= 0 && ack < rrc && rrc < ike, "XwAP acknowledged, then RRC, then the UE's IKE_SA_INIT");
  const config = as(events[rrc] as LwipEvent, "rrc-lwip-configuration");
  assert.equal(config.segw, lab.addresses.segw);
  assert.equal(config.idi.length, 32, "IDi is 16 octets");
  const initiated = as(events[ike] as LwipEvent, "ike-initiated");
  assert.equal(initiated.idi, config.idi, "16.2.2: the UE uses the IDi it was given");
  assert.equal(initiated.segw, config.segw, "16.2.2: ... and the SeGW address it was given");
  const entry = lab.segw.store.get(idiBytes(u.idi));
  assert.equal(entry?.state, "connected");
  assert.equal(entry?.enbName, "alpha");
  const other = await upUe(2);
  assert.notEqual(other.idi, u.idi, "each set-up gets its own IDi");
});

test("16.4.1: UE and eNB derive the same LWIP-PSK from KeNB and the LWIP counter", async () => {
  const u = await upUe(3);
  const config = as(lab.log.of("ue3").find((e) => e.event === "rrc-lwip-configuration") as LwipEvent, "rrc-lwip-configuration");
  assert.equal(config.lwipCounter, 1, "the first PSK under a KeNB uses counter 1");
  assert.equal(u.psks.length, 1);
  assert.deepEqual(u.psks[0]?.copy, deriveLwipPsk(u.kenb, config.lwipCounter), "the UE's PSK is KDF(KeNB, counter)");
  // The SeGW authenticated the UE with the PSK the eNB sent: the two derivations agree.
  assert.equal(segwSas(u.idi).length, 1);
});

test("16.2.2: the PSK is gone from UE and SeGW after set-up", async () => {
  const u = await upUe(4);
  const psk = u.psks[0];
  assert.ok(psk);
  assert.ok(zero(psk.buffer), "the UE's LWIP-PSK buffer is zeroized");
  const credentials = u.ue.wlan.node.sas[0]?.plan?.credentials;
  assert.ok(credentials?.kind === "psk" && zero(credentials.psk), "and so is the IKE engine's copy");
  assert.deepEqual(lab.segw.store.lookupPsk(idiBytes(u.idi)), { ok: false, reason: "psk-used" });
  assert.equal(await tryHandshake(lab.addresses.rogue, lab.addresses.segw, idiBytes(u.idi), psk.copy), "AUTHENTICATION_FAILED", "a second handshake with the PSK fails");
  assert.ok(u.ue.tunnelUp, "the first tunnel is unaffected");
});

test("16.2.2: traffic of DRBs flows both ways over LWIP and LTE as configured", async () => {
  const drbs = [
    { drbId: 1, type: "lwip" as const },
    { drbId: 2, type: "lwip-DL-only" as const },
    { drbId: 3, type: "lwip-UL-only" as const },
    { drbId: 4, type: "eutran" as const },
  ];
  const u = await upUe(5, drbs);
  const uplinkBefore = lab.segw.userPlane.counters.uplinkPackets;
  const n = 5;
  const sentUl: Record<number, string[]> = {};
  const sentDl: Record<number, string[]> = {};
  for (let seq = 0; seq < n; seq++) {
    for (const { drbId } of drbs) {
      (sentUl[drbId] ??= []).push(String(u.ue.sendUplink(drbId, probeSdu({ drbId, direction: "uplink", seq }))));
      (sentDl[drbId] ??= []).push(String(lab.enb.sendDownlink("ue5", drbId, probeSdu({ drbId, direction: "downlink", seq }))));
    }
  }
  const expectUl = { 1: "wlan", 2: "lte", 3: "wlan", 4: "lte" } as const;
  const expectDl = { 1: "wlan", 2: "wlan", 3: "lte", 4: "lte" } as const;
  for (const { drbId } of drbs) {
    assert.deepEqual(sentUl[drbId], Array(n).fill(expectUl[drbId as 1]), `uplink path of DRB ${drbId}`);
    assert.deepEqual(sentDl[drbId], Array(n).fill(expectDl[drbId as 1]), `downlink path of DRB ${drbId}`);
  }
  const received = () => {
    const enb = lab.enbTraffic.snapshot();
    const ue = u.traffic.snapshot();
    return drbs.every(({ drbId }) => enb[`drb${drbId} uplink`]?.received[expectUl[drbId as 1]] === n && ue[`drb${drbId} downlink`]?.received[expectDl[drbId as 1]] === n);
  };
  await until(received, "every SDU on its path");
  const ue = u.traffic.snapshot();
  assert.equal(ue["drb3 downlink"]?.received.wlan, 0, "DRB 3's downlink does not use WLAN");
  // 16.1 / 16.2.3: the SeGW carried the WLAN uplink (LWIPEP in GTP-U, inner IP header stripped).
  assert.equal(lab.segw.userPlane.counters.uplinkPackets - uplinkBefore, 2 * n);
  assert.equal(lab.enb.drops.size, 0);
  assert.equal(u.ue.drops.size, 0);
});

test("16.3: all DRBs of a UE share one tunnel; deleting the last DRB releases the tunnel at SeGW and UE", async () => {
  const u = await upUe(6);
  const from = lab.log.mark();
  assert.deepEqual(await lab.enb.addDrb("ue6", { drbId: 2, type: "lwip-DL-only" }), { ok: true });
  await lab.log.waitFor(is("rrc-drb-reconfiguration", "eNB", "ue6"), "the DRB addition", from);
  assert.equal(lab.log.of("ue6", from).filter((e) => e.event === "lwip-addition-request").length, 0, "no second tunnel");
  await until(() => u.ue.drbs.get(2) === "lwip-DL-only", "DRB 2 at the UE");
  assert.equal(lab.enb.sendDownlink("ue6", 2, probeSdu({ drbId: 2, direction: "downlink", seq: 1 })), "wlan");
  await until(() => u.traffic.snapshot()["drb2 downlink"]?.received.wlan === 1, "DRB 2 over the same tunnel");
  assert.equal(u.ue.ikeSaCount, 1);
  assert.equal(segwSas(u.idi).length, 1);

  assert.deepEqual(await lab.enb.deleteDrb("ue6", 1), { ok: true });
  assert.equal(lab.enb.ue("ue6")?.lwip?.idi, u.idi, "DRB 2 keeps the tunnel");
  const last = lab.log.mark();
  assert.deepEqual(await lab.enb.deleteDrb("ue6", 2), { ok: true });
  const request = as(await lab.log.waitFor(is("lwip-release-request", "eNB", "ue6"), "release at the SeGW", last), "lwip-release-request");
  assert.equal(request.trigger, "last-drb");
  assert.equal(request.clause, "16.3");
  await lab.log.waitFor(is("lwip-released", "UE", "ue6"), "release at the UE", last);
  assert.equal(lab.segw.store.get(idiBytes(u.idi)), undefined, "the SeGW forgot the UE");
  await until(() => segwSas(u.idi).length === 0, "no SA at the SeGW");
  assert.equal(u.ue.ikeSaCount, 0, "no SA at the UE");
  assert.equal(u.ue.lwipConfigured, false);
});

test("16.4.2: after key refresh the old PSK no longer authenticates and the UE re-initiates with a PSK from the new KeNB", async () => {
  const u = await upUe(7);
  const oldPsk = u.psks[0]?.copy;
  assert.ok(oldPsk);
  const from = lab.log.mark();
  assert.deepEqual(await lab.enb.refreshKeys("ue7"), { ok: true });
  await lab.log.waitFor((e) => is("lwip-tunnel-up", "UE", "ue7")(e) && as(e, "lwip-tunnel-up").idi !== u.idi, "the new tunnel", from);
  const steps = lab.log.of("ue7", from).filter((e) => e.node === "eNB").map((e) => e.event);
  const order = ["lwip-release-request", "kenb-refreshed", "lwip-psk-derived", "lwip-addition-request", "lwip-addition-acknowledge", "rrc-handover-command", "rrc-lwip-configuration"];
  assert.deepEqual(steps.filter((s) => order.includes(s)), order, "release at the SeGW, new KeNB, new PSK provisioned, then the UE told");
  const newIdi = idiOf("ue7", from);
  const config = as(lab.log.of("ue7", from).find((e) => e.event === "rrc-lwip-configuration") as LwipEvent, "rrc-lwip-configuration");
  assert.equal(config.lwipCounter, 1, "the counter restarted with the new KeNB");
  const newPsk = u.psks[1]?.copy;
  assert.deepEqual(newPsk, deriveLwipPsk(deriveKenbStar(u.kenb, CELLS[0] ?? FOREIGN_CELL), 1), "the new PSK comes from KeNB*");
  assert.notDeepEqual(newPsk, oldPsk);
  assert.equal(lab.segw.store.get(idiBytes(u.idi)), undefined, "the old IDi is gone at the SeGW");
  await until(() => segwSas(u.idi).length === 0, "the old tunnel released at the SeGW");
  assert.equal(await tryHandshake(lab.addresses.rogue, lab.addresses.segw, idiBytes(u.idi), oldPsk), "AUTHENTICATION_FAILED");
  assert.equal(u.ue.ikeSaCount, 1, "only the new IKE SA at the UE");
  assert.equal(segwSas(newIdi).length, 1);
  assert.ok(u.psks.every((p) => zero(p.buffer)));
});

test("16.5: after handover no SA remains at UE and SeGW and both deleted the PSK", async () => {
  const u = await upUe(8);
  const from = lab.log.mark();
  const target = CELLS[1] ?? FOREIGN_CELL;
  assert.deepEqual(await lab.enb.handover("ue8", target), { ok: true });
  const released = as(await lab.log.waitFor(is("lwip-released", "UE", "ue8"), "release at the UE", from), "lwip-released");
  assert.equal(released.trigger, "handover");
  assert.equal(released.clause, "16.5");
  const request = as(await lab.log.waitFor(is("lwip-release-request", "eNB", "ue8"), "release at the SeGW", from), "lwip-release-request");
  assert.equal(request.trigger, "handover");
  assert.equal(u.ue.ikeSaCount, 0, "no SA at the UE");
  assert.equal(u.ue.lwipConfigured, false);
  assert.ok(u.psks.every((p) => zero(p.buffer)), "no PSK at the UE");
  assert.equal(lab.segw.store.get(idiBytes(u.idi)), undefined, "no PSK or IDi at the SeGW");
  await until(() => segwSas(u.idi).length === 0, "no SA at the SeGW");
  assert.equal(lab.enb.ue("ue8")?.physCellId, target.physCellId);
  assert.equal(lab.enb.ue("ue8")?.lwip, null);

  const away = await upUe(9);
  const leave = lab.log.mark();
  assert.deepEqual(await lab.enb.handover("ue9", FOREIGN_CELL), { ok: true });
  await lab.log.waitFor(is("lwip-released", "UE", "ue9"), "release at the UE", leave);
  await lab.log.waitFor(is("ue-detached", "eNB", "ue9"), "the UE context released at the source eNB", leave);
  await until(() => segwSas(away.idi).length === 0 && away.ue.ikeSaCount === 0, "no SA anywhere");
});

test("16.6: RLF releases at the SeGW (and at the UE), and LWIP can be set up again afterwards", async () => {
  const u = await upUe(10);
  const from = lab.log.mark();
  assert.deepEqual(await lab.enb.radioLinkFailure("ue10"), { ok: true });
  const request = as(await lab.log.waitFor(is("lwip-release-request", "eNB", "ue10"), "release at the SeGW", from), "lwip-release-request");
  assert.equal(request.trigger, "radio-link-failure");
  assert.equal(request.clause, "16.6");
  assert.equal(lab.segw.store.get(idiBytes(u.idi)), undefined);
  await until(() => segwSas(u.idi).length === 0, "no SA at the SeGW");
  await lab.log.waitFor(is("lwip-released", "UE", "ue10"), "release at the UE", from);
  await lab.log.waitFor(is("kenb-refreshed", "UE", "ue10"), "re-establishment", from);
  assert.equal(u.ue.ikeSaCount, 0);

  const again = lab.log.mark();
  assert.deepEqual(await lab.enb.setupLwip("ue10"), { ok: true });
  await lab.log.waitFor(is("lwip-tunnel-up", "UE", "ue10"), "a new tunnel from KeNB*", again);
});

test("16.6: WLAN loss then recovery sets up a fresh tunnel with a new PSK", async () => {
  const u = await upUe(11, undefined, { ikeTiming: { retransmitMs: [150, 150, 150], halfOpenMs: 30_000, dpdMs: 200 } });
  const from = lab.log.mark();
  u.ue.setWlanAvailable(false);
  await lab.log.waitFor(is("wlan-loss-detected", "UE", "ue11"), "liveness failure", from);
  const request = as(await lab.log.waitFor(is("lwip-release-request", "eNB", "ue11"), "release at the SeGW", from), "lwip-release-request");
  assert.equal(request.trigger, "wlan-failure");
  await until(() => lab.segw.store.get(idiBytes(u.idi)) === undefined, "the SeGW released the tunnel");
  assert.equal(u.ue.ikeSaCount, 0);

  const back = lab.log.mark();
  u.ue.setWlanAvailable(true);
  const up = as(await lab.log.waitFor(is("lwip-tunnel-up", "UE", "ue11"), "the fresh tunnel", back), "lwip-tunnel-up");
  assert.notEqual(up.idi, u.idi, "a new IDi");
  const config = as(lab.log.of("ue11", back).find((e) => e.event === "rrc-lwip-configuration") as LwipEvent, "rrc-lwip-configuration");
  assert.equal(config.lwipCounter, 2, "the next counter under the same KeNB");
  assert.equal(config.clause, "16.6");
  assert.notDeepEqual(u.psks[1]?.copy, u.psks[0]?.copy, "a new PSK");
  assert.deepEqual(u.psks[1]?.copy, deriveLwipPsk(u.kenb, 2));
});

test("16.6: LWIP RELEASE REQUIRED from the SeGW is confirmed and the UE told to release", async () => {
  const u = await upUe(12);
  const from = lab.log.mark();
  const sa = u.ue.wlan.node.sas[0];
  assert.ok(sa);
  // The UE ends its IKE SA on its own: the SeGW asks the eNB to release (WT Initiated LWIP Release).
  u.ue.wlan.node.deleteIke(sa);
  await lab.log.waitFor(is("lwip-release-required", "eNB", "ue12"), "LWIP RELEASE REQUIRED", from);
  await lab.log.waitFor(is("lwip-release-confirm", "eNB", "ue12"), "LWIP RELEASE CONFIRM", from);
  const rrc = as(await lab.log.waitFor(is("rrc-lwip-release", "eNB", "ue12"), "the RRC release", from), "rrc-lwip-release");
  assert.equal(rrc.trigger, "release-required");
  await until(() => !u.ue.lwipConfigured, "the UE released");
  await until(() => lab.segw.store.get(idiBytes(u.idi)) === undefined, "the SeGW entry confirmed away");
});
