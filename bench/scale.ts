/**
 * Scale (issue 8): memory per established UE in one SeGW process at 10k and 100k UEs, and the time
 * to set them up. The SeGW (bench/segw-peer.ts, run with --expose-gc) and the load generator
 * (bench/load-peer.ts) are two processes over loopback UDP (127.0.20.1, generator on SOURCES
 * addresses 127.0.21.x), so that the generator's memory is not in the figure. Memory is read after
 * global.gc(): V8 heap used, external (ArrayBuffers, crypto objects), and RSS.
 * Each UE: a provisioning entry (LWIP ADDITION REQUEST, PSK deleted after IKE_AUTH), an IKE SA,
 * a CHILD SA installed in the ESP data plane (inbound + outbound ESP SA), its session binding
 * and counters. No traffic, no DPD (dpdSeconds 0), as in a quiet cell.
 */
import { randomBytes } from "node:crypto";
import { num, RpcChild, spawnIn, type RpcReply } from "./peer-rpc.js";
import { LOAD_PEER, nodeArgv, SEGW_PEER, segwConfig, sourceAddresses } from "./setup-rate.js";
import type { LoadPeerConfig } from "./load-peer.js";

export const SCALE = {
  steps: [10_000, 100_000],
  proposal: "aes128gcm16-prfsha256-ecp256",
  concurrency: 64,
  batch: 5_000,
  sources: 16,
  address: "127.0.20.1",
  ports: { ike: 21500, natt: 24500 },
  /**
   * One pool of 131,070 addresses (inner addresses only, never routed). One pool: the engine leases
   * one address from every pool of the family, so several pools do not add up.
   */
  pools: ["198.18.0.0/15"],
} as const;

export interface MemorySample {
  readonly ues: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly rss: number;
}

export interface ScaleRow {
  readonly ues: number;
  readonly established: number;
  readonly failed: number;
  /** Wall time of the handshakes that brought the count from the previous step to this one. */
  readonly setupSeconds: number;
  readonly setupsPerSecond: number;
  /** Per UE, from the empty SeGW to this step, after GC. */
  readonly heapPerUe: number;
  readonly externalPerUe: number;
  readonly rssPerUe: number;
  /** Provisioning entry alone (before IKE), per UE, heap + external, from the first step. */
  readonly provisioningPerUe: number;
}

function sample(ues: number, r: RpcReply): MemorySample {
  return { ues, heapUsed: num(r, "heapUsed"), external: num(r, "external"), rss: num(r, "rss") };
}

export async function benchScale(steps: readonly number[] = SCALE.steps): Promise<{ rows: ScaleRow[]; base: MemorySample; samples: MemorySample[] }> {
  const psk = randomBytes(32).toString("hex");
  const config = segwConfig(SCALE.address, { ikePort: SCALE.ports.ike, nattPort: SCALE.ports.natt, gtpuPort: 0, pools: SCALE.pools, ikeProposals: SCALE.proposal, logLevel: "warn", deadlineSeconds: 900 });
  const segw = new RpcChild("segw (scale)", spawnIn(undefined, nodeArgv(SEGW_PEER, config, { flags: ["--expose-gc", "--max-old-space-size=8192"] })));
  const sources = sourceAddresses(SCALE.sources, 1).map((a) => a.replace("198.18.0.", "127.0.21."));
  const loadConfig: LoadPeerConfig = {
    sources, ikePort: SCALE.ports.ike, nattPort: SCALE.ports.natt, remote: { address: SCALE.address, ikePort: SCALE.ports.ike, nattPort: SCALE.ports.natt }, psk, espProposal: "aes128gcm16", deadlineSeconds: 900,
  };
  const gen = new RpcChild("load (scale)", spawnIn(undefined, nodeArgv(LOAD_PEER, loadConfig)));
  try {
    await segw.ready();
    await gen.ready();
    const base = sample(0, await segw.call("stats", { gc: true }));
    const rows: ScaleRow[] = [];
    const samples: MemorySample[] = [];
    let provisioningPerUe = NaN;
    let done = 0;
    for (const target of steps) {
      const count = target - done;
      await segw.call("provision", { prefix: "scale-", from: done, count, psk }, 120_000);
      if (done === 0) {
        const p = sample(count, await segw.call("stats", { gc: true }));
        provisioningPerUe = (p.heapUsed + p.external - base.heapUsed - base.external) / count;
      }
      const r = await gen.call("run", { ikeProposal: SCALE.proposal, prefix: "scale-", from: done, count, concurrency: SCALE.concurrency, batch: SCALE.batch, timeoutMs: 120_000 }, 600_000);
      done = target;
      const m = sample(target, await segw.call("stats", { gc: true }));
      samples.push(m);
      const established = num(await segw.call("stats", {}), "sessions");
      rows.push({
        ues: target, established, failed: num(r, "failed"), setupSeconds: num(r, "seconds"), setupsPerSecond: num(r, "established") / num(r, "seconds"),
        heapPerUe: (m.heapUsed - base.heapUsed) / established, externalPerUe: (m.external - base.external) / established, rssPerUe: (m.rss - base.rss) / established,
        provisioningPerUe,
      });
    }
    return { rows, base, samples };
  } finally {
    await gen.stop();
    await segw.call("stop", {}, 60_000).catch(() => undefined);
    await segw.stop(5_000);
  }
}
