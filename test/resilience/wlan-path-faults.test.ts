// Faults on the WLAN path between UE and SeGW (TS 33.401 16.2.2, 16.6; RFC 7296 §2.1, §2.4;
// RFC 4303 §3.4.3), injected by a seeded user-space relay (support/relay.ts): handshakes complete
// through loss up to 30%, reordering, duplication and delay by retransmission; duplicated requests
// are answered from the response cache and the SA is set up once; no SDU is delivered twice, however
// often the path duplicates or replays ESP; a dead path is found by liveness checks, reported as WLAN
// loss and released at the SeGW. Afterwards every table and timer of the SeGW is back to baseline.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { is } from "../../src/demo/lab.js";
import type { DrbConfig, LwipEvent } from "../../src/lwip/events.js";
import type { LwipUe } from "../../src/lwip/ue.js";
import { probeSdu } from "../../src/lwip/traffic.js";
import { startResilLab, type ResilLab, type UeOptions } from "./support/lab.js";
import { FaultyRelay, type FaultProfile, CLEAN } from "./support/relay.js";
import { metric, sleep, until } from "./support/segw.js";

const NET = "127.0.43";
/** Enough tries for 30% loss each way (a round trip then gets through about half the time). */
const PATIENT = { retransmitMs: [300, 300, 600, 600, 1200, 1200, 2400], halfOpenMs: 30_000, dpdMs: 0 };
const DRB: readonly DrbConfig[] = [{ drbId: 1, type: "lwip" }];

let lab: ResilLab;
const relays: FaultyRelay[] = [];

before(async () => {
  // Half-open SAs live 2 s: a copy of IKE_SA_INIT the path delays past IKE_AUTH opens a new one (as any new request would).
  lab = await startResilLab({ net: NET, ndsIp: "platform", halfOpenSeconds: 2 });
});

after(async () => {
  for (const r of relays) r.close();
  await lab?.stop();
});

/** A relay k on the SeGW's address (ports 20500 + k, 24500 + k) and a UE i that uses it as its SeGW. */
async function ueBehindRelay(i: number, k: number, profile: Partial<FaultProfile>, o: UeOptions = {}): Promise<{ ue: LwipUe; relay: FaultyRelay }> {
  const relay = await FaultyRelay.open({
    listen: lab.fx.addresses.segw, ikePort: 20500 + k, nattPort: 24500 + k, upstream: `${NET}.${100 + k}`,
    segw: lab.fx.addresses.segw, segwIkePort: 10500, segwNattPort: 14500, seed: 1000 + k,
  });
  relay.profile = { ...CLEAN, ...profile };
  relays.push(relay);
  const ue = await lab.addUe(i, { segwIkePort: 20500 + k, segwNattPort: 24500 + k, ikeTiming: PATIENT, ...o });
  return { ue, relay };
}

async function setUp(ue: LwipUe, ms = 20_000): Promise<string> {
  const from = lab.log.mark();
  assert.deepEqual(await lab.enb.setupLwip(ue.ueId, DRB), { ok: true });
  const up = await lab.log.waitFor(is("lwip-tunnel-up", "UE", ue.ueId), `${ue.ueId} tunnel up`, from, ms);
  await lab.log.waitFor(is("lwip-tunnel-up", "eNB", ue.ueId), `${ue.ueId} tunnel up at the eNB`, from, ms);
  return (up as Extract<LwipEvent, { event: "lwip-tunnel-up" }>).idi;
}

const segwSas = (idi: string) => lab.fx.segw.node.sas.filter((sa) => sa.idiHex === idi);

/** Releases the UE's tunnel and waits until the SeGW holds nothing of it. */
async function release(ue: LwipUe, idi: string, ms = 5000): Promise<void> {
  assert.deepEqual(await lab.enb.releaseLwip(ue.ueId), { ok: true });
  await until(() => segwSas(idi).length === 0 && lab.fx.segw.sessions.get(idi) === undefined && !lab.fx.segw.store.list("alpha").some((e) => Buffer.from(e.idi).toString("hex") === idi), `the SeGW released ${ue.ueId}`, ms);
}

const ZERO = { ikeSas: 0, halfOpen: 0, provisioning: 0, sessions: 0, timers: 0 };

async function assertBaseline(): Promise<void> {
  await until(() => JSON.stringify(lab.fx.tables()) === JSON.stringify(ZERO), "the baseline", 4000).catch(() => undefined);
  assert.deepEqual(lab.fx.tables(), ZERO, "SA tables, provisioning, sessions and timers back to baseline");
}

test("RFC 7296 §2.1: six UEs set up through 30% loss, reordering, duplication and delay", async (t) => {
  const lossy = { loss: 0.3, duplicate: 0.1, reorder: 0.2, delayMs: 5, jitterMs: 20 };
  const ues = await Promise.all([1, 2, 3, 7, 8, 9].map((i) => ueBehindRelay(i, i, lossy)));
  const idis = await Promise.all(ues.map(({ ue }) => setUp(ue)));
  for (const idi of idis) assert.equal(segwSas(idi).length, 1, "one IKE SA per UE at the SeGW");
  const lost = ues.reduce((n, { relay }) => n + relay.up.lost + relay.down.lost, 0);
  const retransmissions = ues.reduce((n, { ue }) => n + ue.wlan.counters.get("ike_retransmissions"), 0);
  t.diagnostic(JSON.stringify({ lost, retransmissions, segwDuplicates: lab.fx.segw.counters.get("ike_duplicate_requests"), relays: ues.map(({ relay }) => ({ up: relay.up, down: relay.down })) }));
  assert.ok(lost > 0 && retransmissions > 0, "the path lost datagrams and the UEs retransmitted");
  for (const [k, { ue, relay }] of ues.entries()) {
    relay.profile = { ...CLEAN };
    await release(ue, idis[k] ?? "");
  }
  await assertBaseline();
});

test("RFC 7296 §2.1: every request duplicated on the path is answered from the response cache; the SA is set up once", async () => {
  const { ue, relay } = await ueBehindRelay(4, 4, { duplicate: 1 });
  const dup0 = lab.fx.segw.counters.get("ike_duplicate_requests");
  const established0 = metric(await lab.fx.segw.metrics.metrics(), "lwip_segw_handshakes_total", 'outcome="established",reason=""');
  const idi = await setUp(ue);
  await sleep(100);
  assert.ok(relay.up.duplicated >= 2, "IKE_SA_INIT and IKE_AUTH were duplicated");
  assert.ok(lab.fx.segw.counters.get("ike_duplicate_requests") - dup0 >= 2, "the duplicates hit the response cache");
  assert.equal(metric(await lab.fx.segw.metrics.metrics(), "lwip_segw_handshakes_total", 'outcome="established",reason=""') - established0, 1, "one handshake established");
  assert.equal(segwSas(idi).length, 1);
  assert.equal(lab.fx.segw.sessions.size, 1);
  assert.equal(ue.ikeSaCount, 1);
  relay.profile = { ...CLEAN };
  await release(ue, idi);
  await assertBaseline();
});

test("RFC 4303 §3.4.3: no SDU is delivered twice through a path that loses, duplicates, reorders and replays ESP", async (t) => {
  const { ue, relay } = await ueBehindRelay(5, 5, {});
  const idi = await setUp(ue);
  relay.profile = { loss: 0.1, duplicate: 0.3, reorder: 0.3, delayMs: 2, jitterMs: 15, replay: 0.1, replayAfterMs: 300 };
  const n = 300;
  for (let seq = 0; seq < n; seq++) {
    assert.equal(ue.sendUplink(1, probeSdu({ drbId: 1, direction: "uplink", seq })), "wlan");
    assert.equal(lab.enb.sendDownlink(ue.ueId, 1, probeSdu({ drbId: 1, direction: "downlink", seq })), "wlan");
    if (seq % 10 === 9) await sleep(5);
  }
  await sleep(600);
  const segwDrops = await lab.fx.segw.metrics.metrics();
  const info = JSON.stringify({
    uplink: lab.sdus.delivered(ue.ueId, "uplink"), downlink: lab.sdus.delivered(ue.ueId, "downlink"),
    segwReplayDrops: metric(segwDrops, "lwip_segw_drops_total", 'reason="esp-replay"'),
    ueReplayDrops: ue.wlan.counters.get('esp_dropped{reason="replay"}'), up: relay.up, down: relay.down,
  });
  t.diagnostic(info);
  assert.deepEqual(lab.sdus.duplicates(), [], `no probe delivered twice: ${info}`);
  assert.ok(relay.up.duplicated + relay.up.replayed > 20 && relay.down.duplicated + relay.down.replayed > 20, `the path duplicated and replayed: ${info}`);
  assert.ok(metric(segwDrops, "lwip_segw_drops_total", 'reason="esp-replay"') > 0, `the SeGW's anti-replay window dropped copies: ${info}`);
  assert.ok(ue.wlan.counters.get('esp_dropped{reason="replay"}') > 0, `the UE's anti-replay window dropped copies: ${info}`);
  assert.ok(lab.sdus.delivered(ue.ueId, "uplink") > n / 2 && lab.sdus.delivered(ue.ueId, "downlink") > n / 2, `most got through: ${info}`);
  relay.profile = { ...CLEAN };
  await release(ue, idi);
  await assertBaseline();
});

test("16.6: a dead WLAN path is found by liveness checks, reported as WLAN loss and released at the SeGW", async () => {
  const { ue, relay } = await ueBehindRelay(6, 6, {}, { ikeTiming: { retransmitMs: [200, 200, 200], halfOpenMs: 30_000, dpdMs: 300 } });
  const idi = await setUp(ue);
  const from = lab.log.mark();
  relay.profile = { ...CLEAN, loss: 1 };
  const lost = await lab.log.waitFor(is("wlan-loss-detected", "UE", ue.ueId), "liveness failure at the UE", from, 5000);
  assert.equal((lost as Extract<LwipEvent, { event: "wlan-loss-detected" }>).reason, "dpd-timeout");
  await lab.log.waitFor((e) => is("wlan-status-report", "eNB", ue.ueId)(e) && e.event === "wlan-status-report" && e.status === "failureWlanRadioLink", "the WLAN failure report at the eNB", from);
  const request = await lab.log.waitFor(is("lwip-release-request", "eNB", ue.ueId), "release at the SeGW", from);
  assert.equal((request as Extract<LwipEvent, { event: "lwip-release-request" }>).trigger, "wlan-failure");
  await until(() => lab.fx.segw.store.size === 0 && lab.fx.segw.sessions.size === 0, "the SeGW forgot the UE", 3000);
  assert.equal(ue.ikeSaCount, 0, "no SA left at the UE");
  // The SeGW's Delete cannot get through either: its SA ends when the Delete's retransmissions run out (1+2+4+8 s).
  await until(() => segwSas(idi).length === 0, "the SeGW's SA gone", 20_000);
  await assertBaseline();
});
