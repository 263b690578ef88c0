// TS 33.401 clause 16 end to end with every actor its own process on its own host (issue 5, item
// 5): `lwip segw --config` on the SeGW host, `lwip enb` on the eNB host, two `lwip ue` on the UE
// host, in three network namespaces (harness/lwip-hosts.ts). The UE reaches the SeGW over the
// WLAN veth, the SeGW reaches the eNB over the backhaul veth, and the UE and the eNB share only
// the simulated air interface (a Unix socket). Checked from each process's own output (JSON
// events of eNB and UEs, the SeGW's JSON log), from `lwip segw ctl list` run as the eNB, and from
// the SeGW's metrics:
//   16.2.3/16.2.1/16.2.2 set-up: SeGW provisioned before the UE is told, tunnel up, PSK deleted at both;
//   16.3 one tunnel carries the offloaded DRB, the other DRB stays on LTE, both directions, exact counts;
//   16.4.2 key refresh: old tunnel released, new IDi and tunnel, the old PSK no longer authenticates;
//   16.3 last offloaded DRB deleted: tunnel gone at SeGW and UE, the LTE DRB still carries traffic;
//   16.5 handover: tunnel gone at SeGW and UE;
//   16.2.3 the control API (Xw-C) is reachable from the eNB host only;
//   every process exits 0 on SIGTERM, and the namespaces are gone afterwards.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test, type TestContext } from "node:test";
import type { JsonLine } from "./harness/json-lines.js";
import { inIpv4Prefix } from "./harness/lab-addr.js";
import { HOSTS, LwipHosts, type Host } from "./harness/lwip-hosts.js";
import { LwipHostsLab, PORTS, type UeSpec } from "./harness/lwip-hosts-lab.js";
import type { HostProcess } from "./harness/lwip-hosts-process.js";
import { waitUntil } from "./harness/poll.js";
import { requireInterop } from "./harness/prerequisites.js";
import { lwipPsk, metric, type MetricSample } from "./harness/segw-lab.js";

const DRBS = [{ drbId: 1, type: "lwip" }, { drbId: 2, type: "eutran" }] as const;
/** Uplink probes per DRB; the eNB echoes each one (--echo), then sends DOWNLINK_ONLY more on DRB 1. */
const N = 5;
const DOWNLINK_ONLY = 3;
const TUNNEL_MS = 8_000;

const UES: readonly UeSpec[] = HOSTS.ueWlan.map((wlanAddress, i) => ({
  id: `ue${i + 1}`, kenb: randomBytes(32).toString("hex"), wlanAddress, wlanMac: `02:00:00:00:00:0${i + 1}`,
}));

interface Actors {
  readonly lab: LwipHostsLab;
  readonly segw: HostProcess;
  readonly enb: HostProcess;
  readonly ue: ReadonlyMap<string, HostProcess>;
  /** The current tunnel of each UE: IDi and LWIP counter from the eNB's RRC configuration. */
  readonly tunnel: Map<string, { idi: string; lwipCounter: number }>;
}

const ueOf = (a: Actors, id: string): HostProcess => a.ue.get(id) ?? assert.fail(`no UE ${id}`);
const tunnelOf = (a: Actors, id: string) => a.tunnel.get(id) ?? assert.fail(`no tunnel for ${id}`);
const rx = (stats: JsonLine, key: string): unknown => (stats["traffic"] as Record<string, { received: unknown } | undefined>)[key]?.received;
const enbRx = (stats: JsonLine, ue: string, key: string): unknown => (stats["traffic"] as Record<string, Record<string, { received: unknown } | undefined>>)[ue]?.[key]?.received;
const pick = (l: JsonLine, ...keys: string[]): unknown[] => keys.map((k) => l[k]);
const authFailures = (m: readonly MetricSample[]): number => m.filter((s) => s.name === "lwip_segw_handshakes_total" && s.labels["outcome"] === "auth_failed").reduce((n, s) => n + s.value, 0);

/** Polls `ctl list` until `check` accepts it; returns that listing. */
async function segwList(a: Actors, what: string, check: (ues: readonly JsonLine[]) => boolean): Promise<readonly JsonLine[]> {
  return waitUntil(async () => {
    const ues = await a.lab.listUes();
    return check(ues) ? ues : undefined;
  }, { timeoutMs: 5_000, what: `the SeGW's list: ${what}`, intervalMs: 150, diagnostics: () => a.lab.diagnostics() });
}

const listed = (ues: readonly JsonLine[], idi: string): JsonLine | undefined => ues.find((u) => u["ikeInitiatorIdentity"] === idi);

/** The UE's status once `check` accepts it. */
async function ueStatus(a: Actors, id: string, what: string, check: (s: JsonLine) => boolean): Promise<JsonLine> {
  return waitUntil(async () => {
    const s = await ueOf(a, id).command({ cmd: "status" });
    return check(s) ? s : undefined;
  }, { timeoutMs: 5_000, what: `${id} status: ${what}`, intervalMs: 100, diagnostics: () => a.lab.diagnostics() });
}

/** 16.2.3: the eNB's LWIP ADDITION REQUEST was acknowledged before the UE got its RRC configuration (returned). */
async function provisionedBeforeConfigured(a: Actors, ue: string, fromEnb: number): Promise<JsonLine> {
  const rrc = await a.enb.event("rrc-lwip-configuration", { ue }, fromEnb);
  const steps = a.enb.matching((l) => l["ue"] === ue, fromEnb).map((l) => l["event"]);
  const ack = steps.indexOf("lwip-addition-acknowledge");
  assert.ok(ack >= 0 && ack < steps.indexOf("rrc-lwip-configuration"), `16.2.3: the SeGW is provisioned before the UE is configured: ${steps.join(", ")}`);
  return rrc;
}

/** 16.2.3 -> 16.2.1 -> 16.2.2 for one UE, checked at eNB, UE and SeGW. */
async function setUp(a: Actors, u: UeSpec): Promise<void> {
  const ue = ueOf(a, u.id);
  const [fromEnb, fromUe, fromSegw] = [a.enb.mark(), ue.mark(), a.segw.mark()];
  const r = await a.enb.command({ cmd: "setup-lwip", ue: u.id, drbs: DRBS });
  assert.equal(r["ok"], true, `setup-lwip ${u.id}: ${JSON.stringify(r)}`);
  const up = await ue.event("lwip-tunnel-up", {}, fromUe, TUNNEL_MS);
  await a.enb.event("lwip-tunnel-up", { ue: u.id }, fromEnb, TUNNEL_MS);
  const rrc = await provisionedBeforeConfigured(a, u.id, fromEnb);
  assert.equal(rrc["segw"], HOSTS.segwWlan, "16.2.1: the SeGW's WLAN address in the RRC configuration");
  assert.deepEqual(rrc["drbs"], [{ drbId: 1, type: "lwip" }], "16.2.1: DRB 1 offloaded, DRB 2 not");
  assert.equal(up["idi"], rrc["idi"], "the UE uses the IDi it was given");
  assert.equal(up["enbLwipEndpoint"], HOSTS.enbLwipEndpoint, "16.2.2: TSr narrowed to the eNB's LWIP endpoint");
  assert.ok(inIpv4Prefix(String(up["virtualIp"]), HOSTS.pool), `inner address ${String(up["virtualIp"])} from the pool`);
  await ue.event("lwip-psk-deleted", { idi: up["idi"] }, fromUe);
  await a.segw.waitForLine((l) => l["msg"] === "IKE SA established" && l["idi"] === up["idi"], "the SeGW's IKE SA", fromSegw);
  a.tunnel.set(u.id, { idi: String(up["idi"]), lwipCounter: Number(rrc["lwipCounter"]) });
  const ues = await segwList(a, `${u.id} connected`, (l) => listed(l, String(up["idi"]))?.["state"] === "connected");
  const entry = listed(ues, String(up["idi"]));
  assert.equal(entry?.["innerAddress"], up["virtualIp"]);
  assert.match(String(entry?.["ueEndpoint"]), new RegExp(`^${u.wlanAddress.replaceAll(".", "\\.")}:`), "the tunnel comes from the UE's WLAN address");
  assert.equal((entry?.["enbGtpTunnelEndpoint"] as JsonLine | undefined)?.["transportLayerAddress"], HOSTS.enbBackhaul, "Xw-U to the eNB's backhaul address");
}

/** 16.3: uplink on both DRBs (echoed by the eNB), then downlink-only probes on DRB 1; exact counts at both ends. */
async function traffic(a: Actors, u: UeSpec): Promise<void> {
  const ue = ueOf(a, u.id);
  assert.deepEqual(pick(await ue.command({ cmd: "send", drbId: 1, count: N }), "ok", "wlan", "lte"), [true, N, 0], "DRB 1 uplink over WLAN");
  assert.deepEqual(pick(await ue.command({ cmd: "send", drbId: 2, count: N }), "ok", "wlan", "lte"), [true, 0, N], "DRB 2 uplink over LTE");
  assert.deepEqual(pick(await a.enb.command({ cmd: "send", ue: u.id, drbId: 1, count: DOWNLINK_ONLY }), "ok", "wlan", "lte"), [true, DOWNLINK_ONLY, 0], "DRB 1 downlink over WLAN");
  // Wait until the expected number has arrived, then compare exactly: a surplus or a wrong path shows in the diff.
  const total = (s: JsonLine, key: string) => Object.values((rx(s, key) ?? {}) as Record<string, number>).reduce((n, x) => n + x, 0);
  const ueStats = await waitUntil(async () => {
    const s = await ue.command({ cmd: "stats" });
    return total(s, "drb1 downlink") >= N + DOWNLINK_ONLY && total(s, "drb2 downlink") >= N ? s : undefined;
  }, { timeoutMs: 5_000, what: `${u.id}'s downlink probes`, diagnostics: () => a.lab.diagnostics() });
  assert.deepEqual([rx(ueStats, "drb1 downlink"), rx(ueStats, "drb2 downlink")], [{ wlan: N + DOWNLINK_ONLY, lte: 0 }, { wlan: 0, lte: N }], "what the UE received");
  assert.deepEqual(ueStats["drops"], {}, "the UE refused nothing");
  const enbStats = await a.enb.command({ cmd: "stats" });
  assert.deepEqual([enbRx(enbStats, u.id, "drb1 uplink"), enbRx(enbStats, u.id, "drb2 uplink")], [{ wlan: N, lte: 0 }, { wlan: 0, lte: N }], "what the eNB received");
  assert.deepEqual(enbStats["drops"], {}, "the eNB refused nothing");
}

/** 16.4.2 for ue1: new KeNB, old tunnel released at the SeGW and the UE, new IDi and PSK, the UE re-initiates. */
async function keyRefresh(a: Actors, u: UeSpec): Promise<void> {
  const ue = ueOf(a, u.id);
  const old = tunnelOf(a, u.id);
  const oldPsk = await lwipPsk(u.kenb, old.lwipCounter);
  const [fromEnb, fromUe, fromSegw] = [a.enb.mark(), ue.mark(), a.segw.mark()];
  assert.equal((await a.enb.command({ cmd: "refresh-keys", ue: u.id }))["ok"], true);
  await a.enb.event("lwip-release-request", { ue: u.id, trigger: "key-refresh" }, fromEnb);
  await a.enb.event("kenb-refreshed", { ue: u.id, reason: "key-refresh" }, fromEnb);
  const rrc = await provisionedBeforeConfigured(a, u.id, fromEnb);
  await ue.event("lwip-released", { trigger: "key-refresh" }, fromUe);
  await ue.event("kenb-refreshed", { reason: "key-refresh" }, fromUe);
  const up = await ue.event("lwip-tunnel-up", {}, fromUe, TUNNEL_MS);
  assert.notEqual(up["idi"], old.idi, "a new IDi");
  assert.equal(up["idi"], rrc["idi"]);
  await ue.event("lwip-psk-deleted", { idi: up["idi"] }, fromUe);
  await a.segw.waitForLine((l) => l["msg"] === "UE released" && l["idi"] === old.idi, "the SeGW's release of the old tunnel", fromSegw);
  a.tunnel.set(u.id, { idi: String(up["idi"]), lwipCounter: Number(rrc["lwipCounter"]) });
  await segwList(a, "old IDi gone, new IDi connected", (l) => listed(l, old.idi) === undefined && listed(l, String(up["idi"]))?.["state"] === "connected");

  const failuresBefore = authFailures(await a.lab.metrics());
  const replay = await a.lab.handshake(old.idi, oldPsk);
  assert.equal(replay.result, "AUTHENTICATION_FAILED", "16.4.2: the pre-refresh PSK no longer authenticates");
  assert.notEqual(replay.code, 0);
  assert.equal(authFailures(await a.lab.metrics()) - failuresBefore, 1, "the SeGW counted the refused handshake");
  await a.segw.waitForLine((l) => l["msg"] === "IKE SA failed" && l["idi"] === old.idi, "the SeGW's log of the refused handshake", fromSegw);

  assert.deepEqual(pick(await ue.command({ cmd: "send", drbId: 1, count: 2 }), "ok", "wlan"), [true, 2], "the new tunnel carries DRB 1");
  await waitUntil(async () => ((rx(await ue.command({ cmd: "stats" }), "drb1 downlink") as { wlan: number }).wlan === N + DOWNLINK_ONLY + 2 ? true : undefined), {
    timeoutMs: 5_000, what: "the echo through the new tunnel", diagnostics: () => a.lab.diagnostics(),
  });
}

/** 16.3 for ue1: deleting the last offloaded DRB releases the tunnel at the SeGW and the UE; DRB 2 stays on LTE. */
async function lastDrbRelease(a: Actors, u: UeSpec): Promise<void> {
  const ue = ueOf(a, u.id);
  const { idi } = tunnelOf(a, u.id);
  const [fromEnb, fromUe, fromSegw] = [a.enb.mark(), ue.mark(), a.segw.mark()];
  assert.equal((await a.enb.command({ cmd: "delete-drb", ue: u.id, drbId: 1 }))["ok"], true);
  await a.enb.event("lwip-release-request", { ue: u.id, trigger: "last-drb" }, fromEnb);
  await ue.event("lwip-released", { trigger: "rrc-release" }, fromUe);
  await a.segw.waitForLine((l) => l["msg"] === "IKE SA down" && l["idi"] === idi, "the SeGW's IKE SA to go", fromSegw);
  await segwList(a, `${u.id}'s IDi gone`, (l) => listed(l, idi) === undefined);
  const s = await ueStatus(a, u.id, "no tunnel, no IKE SA", (x) => x["tunnelUp"] === false && x["ikeSas"] === 0);
  assert.deepEqual(s["drbs"], { 2: "eutran" }, "DRB 2 remains");
  assert.deepEqual(pick(await ue.command({ cmd: "send", drbId: 2, count: 2 }), "ok", "wlan", "lte"), [true, 0, 2], "DRB 2 still over LTE");
}

/** 16.5 for ue2: handover to the eNB's other cell releases the tunnel at the SeGW and the UE. */
async function handover(a: Actors, u: UeSpec): Promise<void> {
  const ue = ueOf(a, u.id);
  const { idi } = tunnelOf(a, u.id);
  const [fromEnb, fromUe, fromSegw] = [a.enb.mark(), ue.mark(), a.segw.mark()];
  assert.equal((await a.enb.command({ cmd: "handover", ue: u.id, physCellId: 2, dlEarfcn: 1300 }))["ok"], true);
  await a.enb.event("lwip-release-request", { ue: u.id, trigger: "handover" }, fromEnb);
  await a.enb.event("rrc-handover-command", { ue: u.id, targetPhysCellId: 2 }, fromEnb);
  await ue.event("lwip-released", { trigger: "handover" }, fromUe);
  await ue.event("kenb-refreshed", { reason: "handover", physCellId: 2 }, fromUe);
  await a.segw.waitForLine((l) => l["msg"] === "UE released" && l["idi"] === idi, "the SeGW's release", fromSegw);
  await segwList(a, "no UE left", (l) => l.length === 0);
  await ueStatus(a, u.id, "no tunnel, no IKE SA", (x) => x["tunnelUp"] === false && x["ikeSas"] === 0);
  const m = await a.lab.metrics();
  assert.deepEqual([metric(m, "lwip_segw_active_ues"), metric(m, "lwip_segw_provisioning_entries")], [0, 0], "no tunnel and no PSK left at the SeGW");
}

/** No default route anywhere, the eNB's LWIP endpoint on no interface, no route between UE and eNB hosts. */
async function checkHosts(lab: LwipHostsLab): Promise<void> {
  for (const host of ["ue", "segw", "enb"] as const satisfies readonly Host[]) {
    assert.equal((await lab.hosts.exec(host, ["ip", "route", "show", "default"])).stdout.trim(), "", `no default route on the ${host} host`);
    assert.doesNotMatch((await lab.hosts.exec(host, ["ip", "-o", "addr"])).stdout, new RegExp(HOSTS.enbLwipEndpoint.replaceAll(".", "\\.")), `${HOSTS.enbLwipEndpoint} is on no interface (${host})`);
  }
  for (const [host, to] of [["ue", HOSTS.enbBackhaul], ["enb", HOSTS.ueWlan[0]]] as const) {
    const r = await lab.hosts.exec(host, ["ip", "route", "get", to], { check: false });
    assert.notEqual(r.code, 0, `the ${host} host has no route to ${to}: ${r.stdout}`);
  }
}

/** 16.2.3: Xw-C listens on the backhaul only; the UE host cannot reach it, the eNB host can. */
async function controlApiOnlyFromEnb(a: Actors): Promise<void> {
  const listening = (await a.lab.hosts.exec("segw", ["ss", "-ltnH"])).stdout.split("\n").filter((l) => l.trim() !== "").map((l) => l.trim().split(/\s+/)[3]);
  assert.deepEqual(listening.sort(), [`127.0.0.1:${PORTS.metrics}`, `${HOSTS.segwBackhaul}:${PORTS.api}`], "the SeGW's TCP listeners");
  assert.equal(await a.lab.tcpConnect("enb", HOSTS.segwBackhaul, PORTS.api), "connected", "from the eNB host");
  assert.equal(await a.lab.tcpConnect("ue", HOSTS.segwBackhaul, PORTS.api), "ENETUNREACH", "from the UE host, the backhaul address");
  assert.equal(await a.lab.tcpConnect("ue", HOSTS.segwWlan, PORTS.api), "ECONNREFUSED", "from the UE host, the SeGW's WLAN address");
  assert.equal(await a.lab.tcpConnect("ue", HOSTS.segwWlan, PORTS.metrics), "ECONNREFUSED", "metrics from the UE host");
}

/** SIGTERM to the UEs, then the eNB (it releases at the SeGW), then the SeGW: all exit 0. */
async function cleanExit(a: Actors): Promise<void> {
  const fromEnb = a.enb.mark();
  for (const u of UES) assert.deepEqual(await ueOf(a, u.id).stop(), { code: 0, signal: null }, `${u.id} exits 0`);
  for (const u of UES) await a.enb.event("ue-detached", { ue: u.id }, fromEnb);
  assert.deepEqual(await a.enb.stop(), { code: 0, signal: null }, "the eNB exits 0");
  assert.deepEqual(await a.segw.stop(), { code: 0, signal: null }, "the SeGW exits 0");
  for (const p of a.lab.processes) assert.deepEqual(p.badLines, [], `${p.label} printed only JSON lines`);
}

test("TS 33.401 clause 16 with lwip segw, lwip enb and two lwip ue as processes on three hosts", { timeout: 90_000 }, async (t: TestContext) => {
  if (!requireInterop(t, { lwip: true })) return;
  const hosts = await LwipHosts.create();
  const lab = new LwipHostsLab(hosts);
  t.after(async () => {
    lab.saveLogs();
    await hosts.teardown();
  });
  let broken = false;
  const step = (name: string, fn: () => Promise<void>) =>
    t.test(name, async (st) => {
      if (broken) return st.skip("an earlier step failed");
      try {
        await fn();
      } catch (e) {
        broken = true;
        // Assertion failures carry no process output; the waits' failures already do.
        if (!(e instanceof Error && e.message.includes("--- lwip"))) st.diagnostic(lab.diagnostics());
        throw e;
      }
    });

  await step("three hosts: no default route, no route between UE and eNB, the LWIP endpoint on no interface", () => checkHosts(lab));
  const segw = await lab.startSegw();
  const enb = await lab.startEnb(UES);
  const ue = new Map(UES.map((u) => [u.id, lab.startUe(u)]));
  const a: Actors = { lab, segw, enb, ue, tunnel: new Map() };
  for (const u of UES) await enb.event("ue-attached", { ue: u.id }, 0, 10_000);
  const [ue1, ue2] = UES;
  assert.ok(ue1 !== undefined && ue2 !== undefined);

  await step("16.2.3, 16.2.1, 16.2.2: set-up of both UEs, PSK deleted at UE and SeGW", async () => {
    for (const u of UES) await setUp(a, u);
    const m = await lab.metrics();
    assert.deepEqual([metric(m, "lwip_segw_active_ues"), metric(m, "lwip_segw_handshakes_total", { outcome: "established" })], [2, 2]);
    assert.notEqual(tunnelOf(a, ue1.id).idi, tunnelOf(a, ue2.id).idi, "unique IDi per UE");
  });
  await step("16.3: DRB 1 over LWIP and DRB 2 over LTE, both ways, counted at UE, eNB and SeGW", async () => {
    for (const u of UES) await traffic(a, u);
    const m = await lab.metrics();
    const forwarded = [metric(m, "lwip_segw_packets_total", { direction: "uplink" }), metric(m, "lwip_segw_packets_total", { direction: "downlink" })];
    assert.deepEqual(forwarded, [UES.length * N, UES.length * (N + DOWNLINK_ONLY)], "the SeGW forwarded only DRB 1");
  });
  await step("16.4.2: key refresh of ue1, new tunnel, the old PSK is dead", () => keyRefresh(a, ue1));
  await step("16.3: last offloaded DRB of ue1 deleted, tunnel gone at SeGW and UE", () => lastDrbRelease(a, ue1));
  await step("16.5: handover of ue2, tunnel gone at SeGW and UE", () => handover(a, ue2));
  await step("16.2.3: the control API is reachable from the eNB host only", () => controlApiOnlyFromEnb(a));
  await step("every process exits 0, the namespaces are removed", async () => {
    await cleanExit(a);
    await hosts.teardown();
    assert.deepEqual(hosts.remainingNamespaces(), []);
  });
});
