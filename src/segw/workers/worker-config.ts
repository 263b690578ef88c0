/**
 * The configuration one worker runs with: the SeGW's, on the worker's own addresses and pools,
 * with the limits that bound the whole SeGW shared out between the workers (each holds about
 * 1/N of the UEs and of every eNB's traffic). Per-UE and per-source limits stay as configured.
 */
import type { RateLimitsConfig, SegwConfig } from "../config.js";

function share(n: number, count: number): number {
  return Math.max(1, Math.ceil(n / count));
}

function sharedLimits(r: RateLimitsConfig, count: number): RateLimitsConfig {
  return {
    ...r,
    ikeSaInitPerSecond: share(r.ikeSaInitPerSecond, count),
    // 0 means "always cookies" and must stay so.
    halfOpenCookieThreshold: r.halfOpenCookieThreshold === 0 ? 0 : share(r.halfOpenCookieThreshold, count),
    halfOpenMax: share(r.halfOpenMax, count),
    enbPacketsPerSecond: share(r.enbPacketsPerSecond, count),
    enbBytesPerSecond: share(r.enbBytesPerSecond, count),
  };
}

/** Worker `index`'s configuration. @throws RangeError for an index outside config.workers (a bug). */
export function workerConfig(config: SegwConfig, index: number): SegwConfig {
  const w = config.workers[index];
  if (!w) throw new RangeError(`no worker ${index}`);
  const count = config.workers.length;
  return {
    ...config,
    ike: { ...config.ike, listen: w.ike },
    gtpu: { ...config.gtpu, listen: w.gtpu, advertiseAddress: w.gtpu },
    pools: w.pools,
    rateLimits: sharedLimits(config.rateLimits, count),
    provisioning: { ...config.provisioning, maxEntries: share(config.provisioning.maxEntries, count) },
    enbs: config.enbs.map((e) => ({ ...e, maxUes: e.maxUes === undefined ? undefined : share(e.maxUes, count) })),
    metrics: undefined,
    workers: [],
  };
}
