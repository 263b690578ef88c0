// `lwip enb` and `lwip ue` as separate processes (the multi-process mode of issue 5), with a real
// SeGW on loopback: the UE attaches over a Unix domain socket (the simulated air interface), LWIP
// is set up on command, probe traffic flows both ways over LWIP and LTE as configured (the eNB
// echoes the uplink), a WLAN loss is detected by liveness and a fresh tunnel follows recovery
// (TS 33.401 16.6), and both processes exit cleanly, the eNB releasing its UE at the SeGW.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { toHex } from "../../src/wire/hex.js";
import { IKE_PORT, NATT_PORT, startSegwLab, type SegwLab } from "../../src/demo/lab.js";
import { JsonChild, type JsonLine } from "./support/json-child.js";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "support", "lwip-cli.js");
let lab: SegwLab;
const children: JsonChild[] = [];

before(async () => {
  lab = await startSegwLab("127.0.4");
});

after(async () => {
  for (const c of children) await c.stop().catch(() => undefined);
  await lab?.stop();
});

function spawnCli(name: string, args: readonly string[]): JsonChild {
  const c = new JsonChild(name, [CLI, ...args]);
  children.push(c);
  return c;
}

const traffic = (stats: JsonLine, key: string) => (stats["traffic"] as Record<string, { received: { wlan: number; lte: number } }>)[key]?.received;

test("multi-process: lwip enb and lwip ue set up LWIP, carry traffic both ways, recover from WLAN loss and exit cleanly", { timeout: 30_000 }, async () => {
  const kenb = toHex(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  const air = `unix:${join(lab.dir, "air.sock")}`;
  const a = lab.addresses;
  const enb = spawnCli("lwip enb", [
    "enb", "--api", lab.apiUrl, "--cert", join(lab.dir, "enb-alpha.pem"), "--key", join(lab.dir, "enb-alpha-key.pem"), "--ca", join(lab.dir, "ca.pem"),
    "--segw", a.segw, "--gtp-address", a.enbGtp, "--air", air, "--ue", `ue1=${kenb}`, "--echo", "--log-level", "warn",
    "--ike-port", String(IKE_PORT), "--natt-port", String(NATT_PORT), "--segw-ike-port", String(IKE_PORT), "--segw-natt-port", String(NATT_PORT),
  ]);
  await enb.event("enb-ready");
  const ue = spawnCli("lwip ue", [
    "ue", "--id", "ue1", "--kenb", kenb, "--wlan-mac", "02:00:00:00:00:01", "--wlan-address", a.ue(1), "--air", air,
    "--ike-port", String(IKE_PORT), "--natt-port", String(NATT_PORT), "--segw-ike-port", String(IKE_PORT), "--segw-natt-port", String(NATT_PORT),
    "--dpd-seconds", "1", "--retransmit-ms", "150,150", "--log-level", "warn",
  ]);
  await enb.event("ue-attached");

  const setup = await enb.command({ cmd: "setup-lwip", ue: "ue1", drbs: [{ drbId: 1, type: "lwip" }, { drbId: 2, type: "eutran" }] });
  assert.equal(setup["ok"], true);
  const up = await ue.event("lwip-tunnel-up");
  await enb.event("lwip-tunnel-up");

  const sent1 = await ue.command({ cmd: "send", drbId: 1, count: 5 });
  assert.deepEqual([sent1["ok"], sent1["wlan"], sent1["lte"]], [true, 5, 0], "DRB 1 uplink over WLAN");
  const sent2 = await ue.command({ cmd: "send", drbId: 2, count: 5 });
  assert.deepEqual([sent2["ok"], sent2["wlan"], sent2["lte"]], [true, 0, 5], "DRB 2 uplink over LTE");
  let stats: JsonLine = {};
  for (const end = Date.now() + 3000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    stats = await ue.command({ cmd: "stats" });
    if (traffic(stats, "drb1 downlink")?.wlan === 5 && traffic(stats, "drb2 downlink")?.lte === 5) break;
  }
  assert.deepEqual([traffic(stats, "drb1 downlink"), traffic(stats, "drb2 downlink")], [{ wlan: 5, lte: 0 }, { wlan: 0, lte: 5 }], "the eNB's echo: DRB 1 over WLAN, DRB 2 over LTE");

  const lost = ue.lines.length;
  assert.equal((await ue.command({ cmd: "wlan", up: false }))["ok"], true);
  await ue.event("wlan-loss-detected", lost, 5000);
  await enb.waitFor((l) => l["event"] === "lwip-release-request" && l["trigger"] === "wlan-failure", "release at the SeGW");
  const back = ue.lines.length;
  await ue.command({ cmd: "wlan", up: true });
  const fresh = await ue.event("lwip-tunnel-up", back, 5000);
  assert.notEqual(fresh["idi"], up["idi"], "a fresh tunnel with a new IDi");

  assert.deepEqual(await ue.stop(), { code: 0, signal: null });
  await enb.event("ue-detached");
  assert.deepEqual(await enb.stop(), { code: 0, signal: null });
  const start = Date.now();
  while (lab.segw.store.size > 0 && Date.now() - start < 3000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(lab.segw.store.size, 0, "the eNB released its UE at the SeGW");
});
