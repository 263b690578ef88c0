// Restarts and disappearances (TS 33.401 16.2.2, 16.6; TS 36.463 LWIP release procedures): a SeGW
// restart, a graceful eNB restart, an eNB that vanishes from Xw-C, and a UE that vanishes from the
// WLAN. After each, the SeGW's SA tables, provisioning entries, UE sessions and timers must be back
// to their baseline. Tests marked `todo` show behaviour reported to the lead as bugs.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { is } from "../../src/demo/lab.js";
import type { DrbConfig, LwipEvent } from "../../src/lwip/events.js";
import type { LwipUe } from "../../src/lwip/ue.js";
import { startResilLab, type ResilLab } from "./support/lab.js";
import { sleep, until } from "./support/segw.js";

const DRB: readonly DrbConfig[] = [{ drbId: 1, type: "lwip" }];
/** The SeGW's liveness checks after 1 s of silence; its retransmissions (1+2+4+8 s) then decide. */
const DPD_SECONDS = 1;

let lab: ResilLab;
let next = 1;

before(async () => {
  lab = await startResilLab({ net: "127.0.44", ndsIp: "platform", dpdSeconds: DPD_SECONDS });
});

after(async () => {
  await lab?.stop();
});

type TunnelUp = Extract<LwipEvent, { event: "lwip-tunnel-up" }>;

async function upUe(): Promise<{ ue: LwipUe; idi: string }> {
  const ue = await lab.addUe(next++);
  const from = lab.log.mark();
  assert.deepEqual(await lab.enb.setupLwip(ue.ueId, DRB), { ok: true });
  const up = (await lab.log.waitFor(is("lwip-tunnel-up", "UE", ue.ueId), `${ue.ueId} tunnel up`, from)) as TunnelUp;
  await lab.log.waitFor(is("lwip-tunnel-up", "eNB", ue.ueId), `${ue.ueId} tunnel up at the eNB`, from);
  return { ue, idi: up.idi };
}

const baseline = () => lab.fx.tables();
const ZERO = { ikeSas: 0, halfOpen: 0, provisioning: 0, sessions: 0, timers: 0 };

async function atBaseline(what: string, ms = 5000): Promise<void> {
  try {
    await until(() => JSON.stringify(baseline()) === JSON.stringify(ZERO), what, ms);
  } catch {
    assert.deepEqual(baseline(), ZERO, `${what}: ${JSON.stringify(lab.fx.segw.store.list("alpha").map((e) => e.state))}`);
  }
}

/** Releases whatever a scenario left at the SeGW (as an operator would), so the next one starts clean. */
async function cleanUp(): Promise<void> {
  for (const e of lab.fx.segw.store.list("alpha")) lab.fx.segw.store.release("alpha", { idi: e.idi }, "release-confirmed");
  await until(() => lab.fx.segw.node.sas.length === 0, "no SA left", 20_000);
}

/** The SeGW restart runs once; two tests read what followed it. */
let restarted: Promise<{ ues: { ue: LwipUe; idi: string }[]; from: number }> | undefined;
const restartSegw = () => (restarted ??= (async () => {
  const ues = await Promise.all([0, 1, 2].map(() => upUe()));
  const from = lab.log.mark();
  await lab.fx.restart();
  return { ues, from };
})());

test("SeGW restart: the UEs' tunnels are deleted at both ends and the eNB is told; the new SeGW starts from an empty state", async () => {
  const { ues, from } = await restartSegw();
  for (const { ue } of ues) {
    await lab.log.waitFor(is("lwip-tunnel-down", "UE", ue.ueId), `${ue.ueId}: the SeGW's Delete`, from);
    assert.equal(ue.ikeSaCount, 0, `${ue.ueId} holds no SA`);
  }
  await lab.log.waitFor(is("lwip-tunnel-down", "eNB", ues[0]?.ue.ueId ?? ""), "tunnel-down at the eNB", from);
  assert.deepEqual(baseline(), ZERO, "the restarted SeGW holds nothing");
});

// BUG (reported to the lead): after a SeGW restart nothing sets the tunnels up again. The UE reports
// the peer's Delete only as lwip-tunnel-down (no WLAN status report), and the eNB, on tunnel-down,
// only marks its session "configured" (src/lwip/enb.ts onSegwEvent): it neither provisions a fresh
// PSK nor reconfigures the UE, so the UEs stay on LTE until some other procedure runs.
test("SeGW restart: the eNB re-establishes every UE's tunnel with a fresh IDi and PSK", { todo: "BUG: the eNB does not re-establish LWIP after the SeGW's tunnel-down" }, async () => {
  const { ues, from } = await restartSegw();
  for (const { ue, idi } of ues) {
    const up = (await lab.log.waitFor((e) => is("lwip-tunnel-up", "UE", ue.ueId)(e) && (e as TunnelUp).idi !== idi, `${ue.ueId} re-established`, from, 5000)) as TunnelUp;
    assert.notEqual(up.idi, idi, "a fresh IDi");
  }
});

test("SeGW restart: cleanup", async () => {
  await restartSegw();
  for (const { ue } of (await restartSegw()).ues) await lab.enb.releaseLwip(ue.ueId);
  await cleanUp();
  await atBaseline("after the SeGW restart");
});

test("eNB restart (graceful): the eNB releases its UEs at the SeGW before it goes; a new eNB sets up again", async () => {
  const ues = await Promise.all([0, 1].map(() => upUe()));
  const from = lab.log.mark();
  await lab.stopEnb();
  for (const { ue } of ues) await lab.log.waitFor(is("lwip-release-request", "eNB", ue.ueId), `${ue.ueId} released at the SeGW`, from);
  await atBaseline("after the eNB stopped", 5000);
  await lab.startEnb();
  const again = await upUe();
  assert.equal(lab.fx.segw.sessions.size, 1);
  assert.deepEqual(await lab.enb.releaseLwip(again.ue.ueId), { ok: true });
  await atBaseline("after the new eNB released its UE");
});

// Regression: an eNB that vanished from Xw-C used to leave its entries behind for good (its UEs' Deletes
// made them release-required, and RELEASE REQUIRED went to a bus with no subscriber). The SeGW now sends
// every pending RELEASE REQUIRED again on each new event stream, and the restarted eNB confirms them.
test("eNB crash: the SeGW releases the entries of an eNB that vanished without a word", async () => {
  const ues = await Promise.all([0, 1].map(() => upUe()));
  await lab.crashEnb();
  for (const { idi } of ues) await until(() => lab.fx.segw.node.sas.every((sa) => sa.idiHex !== idi), "the UEs' Deletes reached the SeGW");
  await lab.startEnb();
  await sleep(1500);
  await atBaseline("after the eNB vanished and came back", 3000);
});

test("eNB crash: cleanup", async () => {
  await cleanUp();
  await atBaseline("after the eNB crash scenario");
});

test("UE disappearance: the SeGW's liveness check reaps the SA, LWIP RELEASE REQUIRED is confirmed, the UE is released", async () => {
  const { ue, idi } = await upUe();
  const from = lab.log.mark();
  // The UE's WLAN goes silent without a Delete (and the UE runs no liveness check of its own).
  ue.setWlanAvailable(false);
  const required = await lab.log.waitFor(is("lwip-release-required", "eNB", ue.ueId), "LWIP RELEASE REQUIRED", from, 25_000);
  assert.equal((required as Extract<LwipEvent, { event: "lwip-release-required" }>).reason, "dpd-timeout");
  await lab.log.waitFor(is("lwip-release-confirm", "eNB", ue.ueId), "LWIP RELEASE CONFIRM", from);
  await lab.log.waitFor(is("rrc-lwip-release", "eNB", ue.ueId), "the UE told over RRC", from);
  await until(() => !ue.lwipConfigured, "the UE released");
  assert.ok(lab.fx.segw.node.sas.every((sa) => sa.idiHex !== idi));
  await atBaseline("after the UE vanished");
});
