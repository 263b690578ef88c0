// Restarts and disappearances (TS 33.401 16.2.2, 16.6; TS 36.463 LWIP release procedures): a SeGW
// restart, a graceful eNB restart, an eNB that vanishes from Xw-C, and a UE that vanishes from the
// WLAN. After each, the SeGW's SA tables, provisioning entries, UE sessions and timers, and the eNB's
// timers, must be back to their baseline. Tests marked `todo` show behaviour reported to the lead as bugs.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { is } from "../../src/demo/lab.js";
import { deriveLwipPsk } from "../../src/kdf/lwip-psk.js";
import type { DrbConfig, LwipEvent, LwipEventOf } from "../../src/lwip/events.js";
import { probeSdu } from "../../src/lwip/traffic.js";
import type { LwipUe } from "../../src/lwip/ue.js";
import { fromHex } from "../../src/wire/hex.js";
import { IkeClient } from "./support/ike-client.js";
import { startResilLab, type ResilLab } from "./support/lab.js";
import { metric, sleep, until, type SegwTables } from "./support/segw.js";

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

type TunnelUp = LwipEventOf<"lwip-tunnel-up">;

/** A UE with its tunnel up: its IDi and the LWIP counter of its PSK. */
interface UpUe {
  readonly ue: LwipUe;
  readonly idi: string;
  readonly lwipCounter: number;
}

async function upUe(): Promise<UpUe> {
  const ue = await lab.addUe(next++);
  const from = lab.log.mark();
  assert.deepEqual(await lab.enb.setupLwip(ue.ueId, DRB), { ok: true });
  const up = (await lab.log.waitFor(is("lwip-tunnel-up", "UE", ue.ueId), `${ue.ueId} tunnel up`, from)) as TunnelUp;
  await lab.log.waitFor(is("lwip-tunnel-up", "eNB", ue.ueId), `${ue.ueId} tunnel up at the eNB`, from);
  return { ue, idi: up.idi, lwipCounter: lab.enb.ue(ue.ueId)?.lwipCounter ?? -1 };
}

/** The SeGW's tables and the eNB's timers (back-off of a lost tunnel's new set-up). */
const baseline = () => ({ ...lab.fx.tables(), enbTimers: lab.enbClock.pending });
const ZERO = { ikeSas: 0, halfOpen: 0, provisioning: 0, sessions: 0, timers: 0, enbTimers: 0 };

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

/** The SeGW restart runs once; three tests read what followed it. */
let restarted: Promise<{ ues: UpUe[]; from: number; fresh: SegwTables }> | undefined;
const restartSegw = () => (restarted ??= (async () => {
  const ues = await Promise.all([0, 1, 2].map(() => upUe()));
  const from = lab.log.mark();
  await lab.fx.restart();
  // Taken in the same turn as the restart resolved, before the eNB's set-ups can reach the new SeGW.
  return { ues, from, fresh: lab.fx.tables() };
})());

test("SeGW restart: the UEs' tunnels are deleted at both ends and the eNB is told; the new SeGW starts from an empty state", async () => {
  const { ues, from, fresh } = await restartSegw();
  for (const { ue } of ues) {
    const down = await lab.log.waitFor(is("lwip-tunnel-down", "UE", ue.ueId), `${ue.ueId}: the SeGW's Delete`, from);
    assert.equal((down as LwipEventOf<"lwip-tunnel-down">).reason, "deleted-by-peer");
  }
  await lab.log.waitFor(is("lwip-tunnel-down", "eNB", ues[0]?.ue.ueId ?? ""), "tunnel-down at the eNB", from);
  assert.deepEqual(fresh, { ikeSas: 0, halfOpen: 0, provisioning: 0, sessions: 0, timers: 0 }, "the restarted SeGW holds nothing");
});

// Regression (issue 7, "Restarts"): the eNB used to mark its session "configured" on the SeGW's
// tunnel-down and leave the UEs on LTE. It now sets each tunnel up again as a new set-up (TS 33.401
// 16.2.3, 16.2.1) with a fresh IDi and the PSK of the next LWIP counter (16.4.1, Annex A.16).
test("SeGW restart: the eNB re-establishes every UE's tunnel with a fresh IDi and PSK", async () => {
  const { ues, from } = await restartSegw();
  for (const { ue, idi, lwipCounter } of ues) {
    const up = (await lab.log.waitFor((e) => is("lwip-tunnel-up", "UE", ue.ueId)(e) && (e as TunnelUp).idi !== idi, `${ue.ueId} re-established`, from, 10_000)) as TunnelUp;
    await lab.log.waitFor((e) => is("lwip-tunnel-up", "eNB", ue.ueId)(e) && (e as TunnelUp).idi === up.idi, `${ue.ueId} re-established at the eNB`, from);
    assert.notEqual(up.idi, idi, "a fresh IDi");
    const view = lab.enb.ue(ue.ueId);
    assert.equal(view?.lwip?.idi, up.idi);
    assert.equal(view?.lwip?.state, "connected");
    assert.equal(view?.reestablishAttempts, null, "no set-up left waiting");
    // The counter moved on, and the UE's PSK is the one of the counter the eNB configured last.
    assert.ok((view?.lwipCounter ?? 0) > lwipCounter, `counter ${view?.lwipCounter} after ${lwipCounter}`);
    const configured = lab.log.of(ue.ueId, from).filter((e): e is LwipEventOf<"rrc-lwip-configuration"> => e.event === "rrc-lwip-configuration").at(-1);
    assert.equal(configured?.idi, up.idi);
    assert.equal(configured?.lwipCounter, view?.lwipCounter);
    const derived = lab.log.of(ue.ueId, from).filter((e): e is LwipEventOf<"lwip-psk-derived"> => e.node === "UE" && e.event === "lwip-psk-derived").at(-1);
    assert.equal(derived?.lwipCounter, view?.lwipCounter);
    // 16.2.2: the new PSK was deleted once used; the old IDi is unknown to the new SeGW.
    assert.deepEqual(lab.fx.segw.store.lookupPsk(fromHex(up.idi) ?? new Uint8Array(0)), { ok: false, reason: "psk-used" });
    assert.deepEqual(lab.fx.segw.store.lookupPsk(fromHex(idi) ?? new Uint8Array(0)), { ok: false, reason: "unknown-identity" });
  }
  assert.deepEqual({ ...lab.fx.tables(), timers: undefined }, { ikeSas: 3, halfOpen: 0, provisioning: 3, sessions: 3, timers: undefined }, "one tunnel per UE, nothing left over");
  assert.equal(lab.enbClock.pending, 0, "no back-off timer left at the eNB");
});

test("SeGW restart: the old IDi and PSK are refused; traffic flows through the new tunnels", async () => {
  const { ues } = await restartSegw();
  const first = ues[0];
  const kenb = first && lab.kenbOf(first.ue.ueId);
  assert.ok(first && kenb);
  const unknownBefore = metric(await lab.fx.segw.metrics.metrics(), "lwip_segw_handshakes_total", 'outcome="auth_failed",reason="unknown-identity"');
  const client = await IkeClient.open(lab.fx.addresses.ue(90), lab.fx.addresses.segw);
  try {
    const r = await client.connect(fromHex(first.idi) ?? new Uint8Array(0), deriveLwipPsk(kenb, first.lwipCounter), 1500);
    assert.equal(r.up, false, "the old PSK opens nothing");
  } finally {
    await client.close();
  }
  const unknownAfter = metric(await lab.fx.segw.metrics.metrics(), "lwip_segw_handshakes_total", 'outcome="auth_failed",reason="unknown-identity"');
  assert.ok(unknownAfter > unknownBefore, "refused at IKE_AUTH as an unknown identity");
  for (const { ue } of ues) {
    const base = { up: lab.sdus.delivered(ue.ueId, "uplink"), down: lab.sdus.delivered(ue.ueId, "downlink") };
    for (let seq = 1; seq <= 5; seq++) {
      assert.equal(ue.sendUplink(1, probeSdu({ drbId: 1, direction: "uplink", seq })), "wlan");
      assert.equal(lab.enb.sendDownlink(ue.ueId, 1, probeSdu({ drbId: 1, direction: "downlink", seq })), "wlan");
    }
    await until(() => lab.sdus.delivered(ue.ueId, "uplink") === base.up + 5 && lab.sdus.delivered(ue.ueId, "downlink") === base.down + 5, `${ue.ueId}: probes through the new tunnel`);
  }
});

test("SeGW restart: cleanup", async () => {
  await restartSegw();
  for (const { ue } of (await restartSegw()).ues) assert.deepEqual(await lab.enb.releaseLwip(ue.ueId), { ok: true });
  await cleanUp();
  await atBaseline("after the SeGW restart");
});

// Issue 7, "Restarts": a SeGW that restarted while Xw-C was down (or crashed) tells the eNB nothing.
// When its event stream is back the eNB lists what the SeGW holds and sets up again every tunnel that
// is gone, with a fresh IDi and the next LWIP counter (TS 33.401 16.2.3, 16.2.1, 16.4.1).
test("SeGW restart unseen by the eNB: once Xw-C is back the eNB finds the entries gone and sets the tunnels up again", async () => {
  const ues = await Promise.all([0, 1].map(() => upUe()));
  const from = lab.log.mark();
  lab.cutXw();
  await lab.fx.restart();
  for (const { ue } of ues) await lab.log.waitFor(is("lwip-tunnel-down", "UE", ue.ueId), `${ue.ueId}: the SeGW's Delete`, from);
  lab.restoreXw();
  for (const { ue, idi, lwipCounter } of ues) {
    assert.ok(!lab.log.of(ue.ueId, from).some((e) => e.node === "eNB" && e.event === "lwip-tunnel-down"), "the eNB was not told");
    const again = await lab.log.waitFor(is("lwip-reestablishment", "eNB", ue.ueId), `${ue.ueId}: set up again`, from, 5000);
    assert.equal((again as LwipEventOf<"lwip-reestablishment">).reason, "segw-lost-entry");
    const up = (await lab.log.waitFor((e) => is("lwip-tunnel-up", "UE", ue.ueId)(e) && (e as TunnelUp).idi !== idi, `${ue.ueId} re-established`, from, 10_000)) as TunnelUp;
    await lab.log.waitFor((e) => is("lwip-tunnel-up", "eNB", ue.ueId)(e) && (e as TunnelUp).idi === up.idi, `${ue.ueId} re-established at the eNB`, from);
    assert.equal(lab.enb.ue(ue.ueId)?.lwipCounter, lwipCounter + 1, "the next counter: the SeGW was reachable at the first attempt");
  }
  for (const { ue } of ues) assert.deepEqual(await lab.enb.releaseLwip(ue.ueId), { ok: true });
  await cleanUp();
  await atBaseline("after the SeGW restart unseen by the eNB");
});

// An operator releasing a UE at the SeGW in the eNB's name (`lwip segw ctl release` with the eNB's
// certificate, i.e. LWIP RELEASE REQUEST) is deliberate: the eNB must not set that tunnel up again.
test("a release at the SeGW in the eNB's name that the eNB did not send: the UE's LWIP is released over RRC, nothing is set up again", async () => {
  const { ue, idi } = await upUe();
  const from = lab.log.mark();
  const entry = lab.fx.segw.store.list("alpha").find((e) => e.idiHex === idi);
  assert.ok(entry, "the UE's entry at the SeGW");
  lab.fx.segw.store.release("alpha", { idi: entry.idi }, "enb-release");
  await lab.log.waitFor((e) => is("rrc-lwip-release", "eNB", ue.ueId)(e) && (e as LwipEventOf<"rrc-lwip-release">).trigger === "released-at-segw", `${ue.ueId}: LWIP released over RRC`, from);
  await lab.log.waitFor(is("lwip-tunnel-down", "UE", ue.ueId), `${ue.ueId}: tunnel down at the UE`, from);
  assert.ok(!lab.log.of(ue.ueId, from).some((e) => e.event === "lwip-reestablishment"), "not set up again");
  assert.equal(lab.enb.ue(ue.ueId)?.lwip, null, "the eNB holds no LWIP session for the UE");
  await atBaseline("after a release at the SeGW in the eNB's name");
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
