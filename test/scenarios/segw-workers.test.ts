// The multi-worker SeGW (config `workers`) end to end on loopback: two worker processes, each on
// its own address, the control API in the primary, the eNB and UEs in this process. The eNB gives
// each UE the address of the worker holding it (TS 36.331 ip-Address-r13, TS 33.401 16.2.1) and
// runs one NDS/IP SA per worker (16.1); a worker that dies is restarted and its UEs set up afresh.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LwipEvent, LwipEventOf } from "../../src/lwip/events.js";
import { probeSdu } from "../../src/lwip/traffic.js";
import { is, startWorkersLab, type LabUe, type WorkersLab } from "../../src/demo/lab.js";
import { until } from "../support/until.js";

/** How long a restarted worker waits before it takes new UEs (15 s in service). */
const GRACE_MS = 3000;
let lab: WorkersLab;
let stopped = false;
const ues: (LabUe & { segw: string })[] = [];

before(async () => {
  lab = await startWorkersLab("127.0.77", 2, { restartGraceMs: GRACE_MS });
});

after(async () => {
  if (!stopped) await lab?.stop();
});

function as<K extends LwipEvent["event"]>(e: LwipEvent | undefined, k: K): LwipEventOf<K> {
  assert.equal(e?.event, k);
  return e as LwipEventOf<K>;
}

/** A UE with LWIP up on DRB 1, and the SeGW address its RRC configuration named. */
async function upUe(i: number): Promise<LabUe & { segw: string }> {
  const u = await lab.addUe(i);
  const from = lab.log.mark();
  assert.deepEqual(await lab.enb.setupLwip(u.ue.ueId, [{ drbId: 1, type: "lwip" }]), { ok: true });
  await lab.log.waitFor(is("lwip-tunnel-up", "UE", u.ue.ueId), `${u.ue.ueId} tunnel up`, from);
  await lab.log.waitFor(is("lwip-tunnel-up", "eNB", u.ue.ueId), `${u.ue.ueId} tunnel up at the eNB`, from);
  const rrc = as(lab.log.of(u.ue.ueId, from).find((e) => e.event === "rrc-lwip-configuration"), "rrc-lwip-configuration");
  const initiated = as(lab.log.of(u.ue.ueId, from).find((e) => e.event === "ike-initiated"), "ike-initiated");
  assert.equal(initiated.segw, rrc.segw, "16.2.2: the UE runs IKEv2 with the SeGW address it was given");
  return { ...u, segw: rrc.segw };
}

async function trafficBothWays(u: LabUe, seq: number): Promise<void> {
  const id = u.ue.ueId;
  const before = { ul: lab.enbTrafficOf(id).snapshot()["drb1 uplink"]?.received.wlan ?? 0, dl: u.traffic.snapshot()["drb1 downlink"]?.received.wlan ?? 0 };
  assert.equal(u.ue.sendUplink(1, probeSdu({ drbId: 1, direction: "uplink", seq })), "wlan");
  assert.equal(lab.enb.sendDownlink(id, 1, probeSdu({ drbId: 1, direction: "downlink", seq })), "wlan");
  await until(
    () => lab.enbTrafficOf(id).snapshot()["drb1 uplink"]?.received.wlan === before.ul + 1 && u.traffic.snapshot()["drb1 downlink"]?.received.wlan === before.dl + 1,
    `${id}: one SDU each way over WLAN`,
  );
}

test("UEs spread over both workers, each told its worker's address, with traffic both ways through each", async () => {
  const workers = lab.segw.workers().map((w) => w.ike);
  assert.deepEqual(workers, [lab.addresses.worker(0), lab.addresses.worker(1)]);
  // The worker is chosen by IDi, which the eNB draws at random: add UEs until both workers hold one (P(fail) = 2^-15).
  for (let i = 1; i <= 16 && !workers.every((w) => ues.some((u) => u.segw === w)); i++) ues.push(await upUe(i));
  for (const w of workers) assert.ok(ues.some((u) => u.segw === w), `a UE on worker ${w}`);
  for (const [k, u] of ues.entries()) await trafficBothWays(u, k);
  assert.deepEqual(await lab.segw.stats(), { ikeSas: ues.length + workers.length, activeUes: ues.length }, "one IKE SA per UE plus one NDS/IP SA per worker");
  const text = await lab.segw.metrics.metrics();
  assert.match(text, new RegExp(`^lwip_segw_active_ues ${ues.length}$`, "m"), "metrics add up the workers");
  assert.match(text, new RegExp(`^lwip_segw_handshakes_total\\{outcome="established",reason=""\\} ${ues.length}$`, "m"));
  assert.match(text, /^lwip_segw_events_total\{name="xwap_lwip_addition_ack"\} \d+$/m, "with the primary's control API counters");
  assert.match(text, /^lwip_segw_workers_up 2$/m);
  assert.deepEqual(lab.segw.health(), { status: "ok", workers: { up: 2, total: 2 } });
  assert.equal(lab.enb.drops.size, 0);
});

test("a worker that dies is restarted, and the eNB sets up its UEs afresh while the other worker's UEs keep their tunnels", async () => {
  const victim = lab.segw.workers()[1];
  assert.ok(victim?.pid !== undefined);
  const lost = ues.filter((u) => u.segw === victim.ike);
  const kept = ues.filter((u) => u.segw !== victim.ike);
  assert.ok(lost.length > 0 && kept.length > 0);
  const from = lab.log.mark();
  process.kill(victim.pid, "SIGKILL");
  await until(() => lab.segw.health().status === "degraded", "health degraded while worker 1 is down");
  assert.deepEqual(lab.segw.health().workers, { up: 1, total: 2 });
  await until(() => lab.segw.workers()[1]?.alive === true && lab.segw.workers()[1]?.pid !== victim.pid, "worker 1 restarted", 10_000);
  assert.equal(lab.segw.workers()[1]?.restarts, 1);
  for (const u of lost) await lab.log.waitFor(is("lwip-tunnel-up", "UE", u.ue.ueId), `${u.ue.ueId} set up again`, from, 20_000);
  for (const u of lost) {
    const rrc = lab.log.of(u.ue.ueId, from).filter((e) => e.event === "rrc-lwip-configuration");
    assert.ok(rrc.length >= 1, `${u.ue.ueId}: a fresh RRC configuration (new IDi, next LWIP counter)`);
  }
  for (const u of kept) assert.equal(lab.log.of(u.ue.ueId, from).filter((e) => e.event === "lwip-tunnel-down").length, 0, `${u.ue.ueId} kept its tunnel`);
  for (const [k, u] of ues.entries()) await trafficBothWays(u, 100 + k);
  await until(async () => (await lab.segw.stats()).activeUes === ues.length, "every UE has a tunnel again");
  assert.equal(lab.segw.health().status, "ok");
  assert.match(await lab.segw.metrics.metrics(), /^lwip_segw_events_total\{name="segw_worker_exits"\} 1$/m);
});

test("the eNB finds its NDS/IP SA to the restarted worker dead and sets it up anew; after its grace the worker takes new UEs, with traffic both ways", async () => {
  const restarted = lab.addresses.worker(1);
  // 16.1: GTP-U to that worker is possible only inside a fresh SA: the old one's keys died with the
  // worker. The eNB checks its SAs when the event stream reopens (about 2 s, then 7 s of
  // retransmissions); waiting for 10 s of silence first (its DPD) would take 17 s from the kill.
  await until(() => (lab.enb.ndsIp?.counters["nds_ip_sa_lost"] ?? 0) >= 1, "the eNB's SA to the restarted worker found dead", 14_000);
  await until(() => lab.enb.ndsIp?.peers.find((p) => p.address === restarted)?.up === true, "a fresh NDS/IP SA to it", 10_000);
  const fresh: (LabUe & { segw: string })[] = [];
  for (let i = 40; i <= 56 && !fresh.some((u) => u.segw === restarted); i++) fresh.push(await upUe(i));
  assert.ok(fresh.some((u) => u.segw === restarted), "a new UE on the restarted worker");
  for (const [k, u] of fresh.entries()) await trafficBothWays(u, 200 + k);
  assert.equal(lab.enb.drops.size, 0);
});

test("stop ends every worker process", async () => {
  const pids = lab.segw.workers().map((w) => w.pid);
  stopped = true;
  await lab.stop();
  for (const pid of pids) {
    assert.ok(pid !== undefined);
    assert.throws(() => process.kill(pid, 0), { code: "ESRCH" }, `worker ${pid} has exited`);
  }
});
