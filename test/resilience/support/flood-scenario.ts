/**
 * One IKE_SA_INIT flood against a running SeGW with legitimate provisioned UEs connecting during
 * it, and what the tests assert on: how many UEs came up, the half-open high-water mark (sampled
 * every few milliseconds), cookies and drops counted by the SeGW, and the heap before and after.
 * Shared by the CI test (seconds) and the soak bench (minutes).
 */
import { heapAfterGc } from "./heap.js";
import { IkeClient, type ConnectResult } from "./ike-client.js";
import { floodSources, ikeSaInitTemplate, runFlood, type FloodReport } from "./flood.js";
import { metric, provisionUe, releaseAll, until, sleep, type ResilSegw } from "./segw.js";
import { IKE_PORT } from "../../../src/demo/lab.js";

export interface FloodScenario {
  /** Spoofed source addresses (1: a single-source flood). */
  readonly sources: number;
  readonly packetsPerSecond: number;
  readonly durationMs: number;
  /** Legitimate UEs, each provisioned and connecting from its own address once the flood is on. */
  readonly ues: number;
  /** When the UEs start, after the flood started; they must be up before the flood ends. */
  readonly ueStartMs: number;
  /** Second octet of the flood's source addresses (127.B.x.y). */
  readonly sourceOctet: number;
}

export interface FloodOutcome {
  readonly flood: FloodReport;
  readonly results: readonly ConnectResult[];
  readonly up: number;
  readonly maxHalfOpen: number;
  /** Counter increases at the SeGW during the flood. */
  readonly cookiesSent: number;
  readonly cookiesVerified: number;
  readonly rateDrops: number;
  readonly halfOpenMaxDrops: number;
  readonly heapBefore: number;
  readonly heapAfter: number;
}

async function drops(fx: ResilSegw) {
  const text = await fx.segw.metrics.metrics();
  return { rate: metric(text, "lwip_segw_drops_total", 'reason="ike-sa-init-rate"'), max: metric(text, "lwip_segw_drops_total", 'reason="half-open-max"') };
}

/** A few handshakes before measuring, so that the heap figure does not include first-use code and caches. */
async function warmUp(fx: ResilSegw): Promise<void> {
  const c = await IkeClient.open(fx.addresses.ue(240), fx.addresses.segw);
  const ue = provisionUe(fx, 9999);
  const r = await c.connect(ue.idi, ue.psk, 3000);
  await c.close();
  if (!r.up) throw new Error("warm-up handshake failed");
  releaseAll(fx);
}

export async function runFloodScenario(fx: ResilSegw, s: FloodScenario): Promise<FloodOutcome> {
  await warmUp(fx);
  await until(() => fx.segw.node.sas.length === 0, "the warm-up SA gone", 10_000);
  const heapBefore = await heapAfterGc();
  const creds = Array.from({ length: s.ues }, (_, i) => provisionUe(fx, i + 1));
  const clients = await Promise.all(creds.map((_, i) => IkeClient.open(fx.addresses.ue(i), fx.addresses.segw)));
  const counters = fx.segw.counters;
  const cookies0 = counters.get("ike_cookie_sent");
  const verified0 = counters.get("ike_cookie_verified");
  const drops0 = await drops(fx);
  let maxHalfOpen = 0;
  const sampler = setInterval(() => (maxHalfOpen = Math.max(maxHalfOpen, fx.segw.node.halfOpenCount)), 2);
  const flooding = runFlood({
    template: ikeSaInitTemplate({ address: fx.addresses.segw, port: IKE_PORT }),
    sources: s.sources === 1 ? [`127.${s.sourceOctet}.0.1`] : floodSources(s.sourceOctet, s.sources),
    target: { address: fx.addresses.segw, port: IKE_PORT },
    packetsPerSecond: s.packetsPerSecond,
    durationMs: s.durationMs,
  });
  await sleep(s.ueStartMs);
  const window = s.durationMs - s.ueStartMs - 200;
  const results = await Promise.all(clients.map((c, i) => c.connect(creds[i]?.idi ?? new Uint8Array(0), creds[i]?.psk ?? new Uint8Array(0), window)));
  const flood = await flooding;
  clearInterval(sampler);
  const drops1 = await drops(fx);
  const outcome = {
    flood, results, up: results.filter((r) => r.up).length, maxHalfOpen,
    cookiesSent: counters.get("ike_cookie_sent") - cookies0,
    cookiesVerified: counters.get("ike_cookie_verified") - verified0,
    rateDrops: drops1.rate - drops0.rate,
    halfOpenMaxDrops: drops1.max - drops0.max,
  };
  await Promise.all(clients.map((c) => c.close()));
  // The eNB's part: it confirms the releases the UEs' Deletes caused (LWIP RELEASE REQUIRED).
  await until(() => fx.segw.sessions.size === 0, "every UE session ended", 5000);
  releaseAll(fx);
  await until(() => fx.segw.node.halfOpenCount === 0 && fx.segw.node.sas.length === 0, "the flood's half-open SAs expired", 15_000);
  return { ...outcome, heapBefore, heapAfter: await heapAfterGc() };
}
