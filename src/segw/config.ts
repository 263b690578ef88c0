/**
 * Loading `lwip segw --config FILE`: YAML text -> schema check (config-schema.ts) -> a resolved
 * SegwConfig (paths made absolute relative to the file, proposals and pools parsed). Errors are
 * values, each naming the key path; nothing here throws on bad input.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import { parseProposalList, type ProposalSpec } from "../ike/proposal.js";
import { parseCidr, splitCidr, type Cidr } from "../ike/traffic-selector.js";
import type { LogLevel } from "../io/log.js";
import { err, ok, type Result } from "../wire/result.js";
import { describeIssues, formatIssues, schemaErrorMap, segwConfigSchema, type RawSegwConfig, type SchemaIssue } from "./config-schema.js";

/** Why a configuration was refused: one issue per bad key, and all of them as text. */
export interface ConfigError {
  readonly message: string;
  readonly issues: readonly SchemaIssue[];
}

export interface SegwEnbConfig {
  readonly name: string;
  /** Subject CN or SAN DNS name of the eNB's control API client certificate. */
  readonly certificateIdentity: string;
  /** The eNB's LWIP interface addresses: the only destinations its UEs may reach (TS 33.401 16.2.2). */
  readonly lwipEndpoints: readonly string[];
  /** The eNB's Xw-U (GTP-U) address. */
  readonly gtpAddress: string;
  readonly maxUes: number | undefined;
}

export interface RateLimitsConfig {
  readonly ikeSaInitPerSourcePerSecond: number;
  readonly ikeSaInitPerSecond: number;
  /** Half-open IKE SAs above which IKE_SA_INIT needs a cookie (RFC 7296 §2.6). */
  readonly halfOpenCookieThreshold: number;
  /** Half-open IKE SAs above which IKE_SA_INIT is dropped. */
  readonly halfOpenMax: number;
  readonly uePacketsPerSecond: number;
  readonly ueBytesPerSecond: number;
  readonly enbPacketsPerSecond: number;
  readonly enbBytesPerSecond: number;
}

/** One worker process's own addresses and inner-address pools (config `workers`). */
export interface SegwWorkerConfig {
  readonly ike: string;
  readonly gtpu: string;
  readonly pools: readonly Cidr[];
}

/** The daemon's configuration, resolved and ready to wire. */
export interface SegwConfig {
  readonly ike: {
    readonly listen: string;
    readonly ikePort: number;
    readonly nattPort: number;
    readonly ikeProposals: readonly ProposalSpec[];
    readonly espProposals: readonly ProposalSpec[];
    readonly dpdSeconds: number;
    readonly halfOpenSeconds: number;
    /** RFC 7383 fragment size, IP packet octets; 0: no fragmentation. */
    readonly fragmentSize: number;
  };
  readonly pools: readonly Cidr[];
  readonly controlApi: {
    readonly listen: string;
    readonly port: number;
    /** Absolute paths of PEM files. */
    readonly tls: { readonly cert: string; readonly key: string; readonly ca: string; readonly crl?: string | undefined };
  };
  readonly enbs: readonly SegwEnbConfig[];
  readonly gtpu: { readonly listen: string; readonly port: number; readonly advertiseAddress: string; readonly ndsIp: "builtin" | "platform" };
  readonly provisioning: {
    readonly windowSeconds: number;
    readonly maxWindowSeconds: number;
    readonly maxEntries: number;
    /** Seconds a release-required entry waits for LWIP RELEASE CONFIRM before it is dropped, logged and counted. */
    readonly releaseRequiredSeconds: number;
  };
  readonly rateLimits: RateLimitsConfig;
  readonly log: { readonly level: LogLevel };
  readonly metrics: { readonly listen: string; readonly port: number } | undefined;
  /** Empty: one process. Otherwise one worker process per entry, and this process runs the control API. */
  readonly workers: readonly SegwWorkerConfig[];
}

function configError(issues: readonly SchemaIssue[]): ConfigError {
  return { message: formatIssues(issues), issues };
}

/** Proposals and pools were checked by the schema; parsing them again cannot fail. @throws Error on a schema/parser mismatch (a bug). */
function resolveConfig(raw: RawSegwConfig, baseDir: string): SegwConfig {
  const specs = (text: string, kind: "ike" | "esp") => {
    const r = parseProposalList(text, kind);
    if (!r.ok) throw new Error(`schema accepted an invalid proposal list: ${r.error}`);
    return r.specs;
  };
  const pools = raw.pools.map((p) => {
    const c = parseCidr(p);
    if (!c) throw new Error(`schema accepted an invalid pool: ${p}`);
    return c;
  });
  const path = (p: string) => resolve(baseDir, p);
  return {
    ike: { ...raw.ike, ikeProposals: specs(raw.ike.ikeProposals, "ike"), espProposals: specs(raw.ike.espProposals, "esp") },
    pools,
    controlApi: {
      ...raw.controlApi,
      tls: {
        cert: path(raw.controlApi.tls.cert), key: path(raw.controlApi.tls.key), ca: path(raw.controlApi.tls.ca),
        ...(raw.controlApi.tls.crl === undefined ? {} : { crl: path(raw.controlApi.tls.crl) }),
      },
    },
    enbs: raw.enbs.map((e) => ({ ...e, maxUes: e.maxUes })),
    gtpu: { listen: raw.gtpu.listen, port: raw.gtpu.port, advertiseAddress: raw.gtpu.advertiseAddress ?? raw.gtpu.listen, ndsIp: raw.gtpu.ndsIp },
    provisioning: raw.provisioning,
    rateLimits: raw.rateLimits,
    log: raw.log,
    metrics: raw.metrics,
    workers: resolveWorkers(raw, pools),
  };
}

/** Each worker's addresses and pools: its own, or its share of every pool (checked by the schema). @throws Error on a schema mismatch (a bug). */
function resolveWorkers(raw: RawSegwConfig, pools: readonly Cidr[]): SegwWorkerConfig[] {
  const workers = raw.workers ?? [];
  const shares = pools.map((c) => splitCidr(c, workers.length));
  return workers.map((w, i) => ({
    ike: w.ike,
    gtpu: w.gtpu ?? w.ike,
    pools: (w.pools ? w.pools.map((p) => parseCidr(p)) : shares.map((s) => s?.[i])).map((c) => {
      if (!c) throw new Error("schema accepted a worker pool it cannot resolve");
      return c;
    }),
  }));
}

/**
 * Parses a configuration from YAML text. Relative paths are taken from `baseDir` (the folder of
 * the file; the current folder by default). Does not touch the file system.
 */
export function parseSegwConfig(yamlText: string, baseDir = process.cwd()): Result<SegwConfig, ConfigError> {
  const doc = parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // With prettyErrors the first line of a message ends with "at line L, column C:".
    return err(configError(doc.errors.map((e) => ({ path: "", message: `invalid YAML: ${(e.message.split("\n")[0] ?? "").replace(/:$/, "")}` }))));
  }
  const parsed = segwConfigSchema.safeParse(doc.toJS({ maxAliasCount: 100 }), { error: schemaErrorMap });
  if (!parsed.success) return err(configError(describeIssues(parsed.error)));
  return ok(resolveConfig(parsed.data, baseDir));
}

/** Reads, parses and checks a configuration file, including that the TLS files it names are readable. */
export function loadSegwConfig(path: string): Result<SegwConfig, ConfigError> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return err(configError([{ path: "", message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]));
  }
  const parsed = parseSegwConfig(text, dirname(resolve(path)));
  if (!parsed.ok) return parsed;
  const tls = parsed.value.controlApi.tls;
  const unreadable = (["cert", "key", "ca", "crl"] as const).flatMap((k): SchemaIssue[] => {
    const file = tls[k];
    if (file === undefined) return [];
    try {
      accessSync(file, constants.R_OK);
      return [];
    } catch (e) {
      return [{ path: `controlApi.tls.${k}`, message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }];
    }
  });
  return unreadable.length > 0 ? err(configError(unreadable)) : parsed;
}
