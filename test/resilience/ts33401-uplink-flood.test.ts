// Uplink floods from authenticated UEs (TS 33.401 16.1: the LWIP-SeGW rate limits for DoS
// protection of the eNB and its backhaul): whatever a UE pushes through its tunnel, the eNB's
// GTP-U address receives at most rate x time + burst G-PDUs, per UE and per eNB. A plain UDP
// socket on the eNB's address stands for its GTP-U endpoint (gtpu.ndsIp: platform).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { decodeGtpu } from "../../src/gtpu/messages.js";
import { GTPU_UDP_PORT } from "../../src/gtpu/constants.js";
import { openUdpSocket, type UdpSocket } from "../../src/io/udp-socket.js";
import { parseIp } from "../../src/ike/traffic-selector.js";
import { uplinkInnerPacket } from "../../src/lwip/lwip-inner.js";
import { probeSdu } from "../../src/lwip/traffic.js";
import { IkeClient } from "./support/ike-client.js";
import { provisionUe, releaseAll, sleep, startResilSegw, until, type ResilSegw } from "./support/segw.js";

const UE_RATE = 100;
const ENB_RATE = 150;
const ENB_LWIP_ENDPOINT = parseIp("198.18.1.1") ?? new Uint8Array(4);

let fx: ResilSegw;
let gtpu: UdpSocket;
/** Arrival times (ms) of G-PDUs at the eNB, by uplink TEID. */
const arrivals = new Map<number, number[]>();

before(async () => {
  fx = await startResilSegw({ net: "127.0.42", ndsIp: "platform", rateLimits: { uePacketsPerSecond: UE_RATE, enbPacketsPerSecond: ENB_RATE } });
  gtpu = await openUdpSocket(fx.addresses.enbGtp, GTPU_UDP_PORT, (bytes) => {
    const g = decodeGtpu(bytes);
    if (!g.ok || g.value.kind !== "g-pdu") return;
    const list = arrivals.get(g.value.header.teid) ?? [];
    list.push(performance.now());
    arrivals.set(g.value.header.teid, list);
  });
});

after(async () => {
  gtpu?.close();
  await fx?.stop();
});

/** `n` authenticated UEs with their tunnels up; UE i's uplink TEID is `first + i`. */
async function upUes(n: number, first: number): Promise<IkeClient[]> {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const creds = provisionUe(fx, first + i);
    const c = await IkeClient.open(fx.addresses.ue(first + i), fx.addresses.segw);
    const r = await c.connect(creds.idi, creds.psk, 5000);
    assert.ok(r.up, `UE ${first + i} up`);
    return c;
  }));
}

/** Sends `count` LWIPEP packets through the UE's tunnel at about `perSecond`; returns when the last left. */
async function flood(c: IkeClient, count: number, perSecond: number): Promise<number> {
  const sa = c.sa;
  const vip = sa?.virtualIp;
  assert.ok(sa && vip, "a tunnel with an inner address");
  const started = performance.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.ceil(((performance.now() - started) * perSecond) / 1000) + 1);
    for (; sent < due; sent++) {
      const packet = uplinkInnerPacket(vip, ENB_LWIP_ENDPOINT, sent, 1, probeSdu({ drbId: 1, direction: "uplink", seq: sent }));
      assert.ok(packet && c.tunnels.send(sa, packet));
    }
    await sleep(2);
  }
  return started;
}

/** Most G-PDUs a token bucket of `rate` (burst = rate) can admit between `from` and the last arrival. */
function bound(times: readonly number[], from: number, rate: number): number {
  const last = times.at(-1) ?? from;
  return rate * ((last - from) / 1000) + rate;
}

async function settle(): Promise<void> {
  const total = () => [...arrivals.values()].reduce((n, l) => n + l.length, 0);
  let seen = -1;
  while (seen !== total()) {
    seen = total();
    await sleep(100);
  }
}

async function closeAll(clients: readonly IkeClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close()));
  await until(() => fx.segw.sessions.size === 0 && fx.segw.node.sas.length === 0, "the UEs' SAs ended");
  releaseAll(fx);
  assert.deepEqual(fx.tables(), { ikeSas: 0, halfOpen: 0, provisioning: 0, sessions: 0, timers: 0 });
}

test("16.1: one UE flooding its uplink reaches its eNB at no more than its per-UE rate", async (t) => {
  const [c] = await upUes(1, 1);
  assert.ok(c);
  const drops0 = fx.segw.userPlane.counters.uplinkDrops["rate-limited-ue"];
  const sent = 3000;
  const from = await flood(c, sent, 2000);
  await settle();
  const times = arrivals.get(1) ?? [];
  const limit = bound(times, from, UE_RATE);
  const info = JSON.stringify({ sent, received: times.length, limit, drops: fx.segw.userPlane.counters.uplinkDrops });
  t.diagnostic(info);
  assert.ok(times.length <= limit, `received <= rate x duration + burst: ${info}`);
  assert.ok(times.length >= UE_RATE, `at least the burst got through: ${info}`);
  assert.ok(fx.segw.userPlane.counters.uplinkDrops["rate-limited-ue"] - drops0 > sent / 2, `the rest was dropped as rate-limited-ue: ${info}`);
  await closeAll([c]);
});

test("16.1: four UEs flooding together reach their eNB at no more than the per-eNB rate", async (t) => {
  const clients = await upUes(4, 11);
  const drops0 = fx.segw.userPlane.counters.uplinkDrops["rate-limited-enb"];
  const starts = await Promise.all(clients.map((c) => flood(c, 1500, 1000)));
  await settle();
  const times = [11, 12, 13, 14].flatMap((t) => arrivals.get(t) ?? []).sort((a, b) => a - b);
  const limit = bound(times, Math.min(...starts), ENB_RATE);
  const info = JSON.stringify({ sent: 6000, received: times.length, limit, drops: fx.segw.userPlane.counters.uplinkDrops });
  t.diagnostic(info);
  assert.ok(times.length <= limit, `received <= eNB rate x duration + burst: ${info}`);
  assert.ok(fx.segw.userPlane.counters.uplinkDrops["rate-limited-enb"] - drops0 > 0, `the eNB's limit dropped some: ${info}`);
  await closeAll(clients);
});
