/**
 * The schema of `lwip segw --config FILE` (YAML), with zod: types, ranges, defaults, and the
 * checks that span several keys. Unknown keys are errors (a misspelt key must not silently fall
 * back to a default). Also the issue formatting shared with the control API's JSON validation:
 * every message names the key path, e.g. `enbs[0].gtpAddress: expected an IPv4 or IPv6 address`.
 */
import { z } from "zod";
import { parseProposalList } from "../ike/proposal.js";
import { DEFAULT_FRAGMENT_SIZE, MIN_FRAGMENT_SIZE } from "../ike/exchange.js";
import { canonicalIp, cidrRange, compareAddress, parseCidr, parseIp, splitCidr } from "../ike/traffic-selector.js";

/** One schema violation: the key path and what is wrong with it. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/** `["enbs", 0, "gtpAddress"]` -> `enbs[0].gtpAddress`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

/** Passed to safeParse so that a missing key reads "required" rather than "received undefined". */
export const schemaErrorMap = (issue: { code?: string; input?: unknown }): string | undefined =>
  issue.code === "invalid_type" && issue.input === undefined ? "required" : undefined;

/** Flattens a zod error to one issue per key (an unknown key is reported at its own path). */
export function describeIssues(error: z.ZodError): SchemaIssue[] {
  return error.issues.flatMap((issue): SchemaIssue[] => {
    if (issue.code === "unrecognized_keys") return issue.keys.map((k) => ({ path: formatPath([...issue.path, k]), message: "unknown key" }));
    return [{ path: formatPath(issue.path), message: issue.message.replace(/^Invalid input: /, "") }];
  });
}

/** "path: message" lines, at most `max` of them. */
export function formatIssues(issues: readonly SchemaIssue[], max = 20): string {
  const lines = issues.slice(0, max).map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`));
  if (issues.length > max) lines.push(`... and ${issues.length - max} more`);
  return lines.join("\n");
}

export const ipAddress = z.string().refine((s) => !s.includes("%") && parseIp(s) !== undefined, "expected an IPv4 or IPv6 address");

function isUnspecified(s: string): boolean {
  return parseIp(s)?.every((b) => b === 0) ?? false;
}

/** An address a peer can be told to use: 0.0.0.0 and :: only mean "any" when binding. */
const specificAddress = ipAddress.refine((s) => !isUnspecified(s), "must be a specific address, not 0.0.0.0 or ::");

/** 0 asks the system for a free port (tests); a daemon in service names its port. */
const port = z.number().int().min(0).max(65535);

const cidr = z.string().refine((s) => s.includes("/") && parseCidr(s) !== undefined, "expected an address prefix such as 198.18.64.0/18 or 2001:db8:1::/64");

const proposals = (kind: "ike" | "esp") =>
  z.string().superRefine((text, ctx) => {
    const r = parseProposalList(text, kind);
    if (!r.ok) ctx.addIssue({ code: "custom", message: r.error });
  });

const positiveInt = z.number().int().min(1);

/** Names used in logs, file names (enb-<name>.pem) and URLs. */
const enbName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "expected 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");

/** A subject CN or SAN DNS name: printable ASCII, no surrounding spaces. */
const certificateIdentity = z.string().regex(/^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/, "expected 1-255 printable ASCII characters");

const filePath = z.string().min(1, "expected a file path");

const ikeSection = z.strictObject({
  /** The SeGW address the eNB gives the UE over RRC (TunnelConfigLWIP ip-Address); also our IDr. */
  listen: specificAddress,
  ikePort: port.default(500),
  nattPort: port.default(4500),
  ikeProposals: proposals("ike").default("aes128gcm16-prfsha256-ecp256,aes128-sha256-modp2048"),
  espProposals: proposals("esp").default("aes128gcm16,aes128-sha256"),
  /** Liveness check after this much silence (RFC 7296 §1.4); its failure triggers LWIP RELEASE REQUIRED. 0 disables it. */
  dpdSeconds: z.number().int().min(0).max(3600).default(30),
  /** How long an IKE SA may stay before IKE_AUTH completes. */
  halfOpenSeconds: positiveInt.max(300).default(30),
  /**
   * RFC 7383: the largest IP packet an IKE message of ours makes; a longer one goes as fragments to
   * a UE that announced support. 0: not announced, never fragmented.
   */
  fragmentSize: z.union([z.literal(0), z.number().int().min(MIN_FRAGMENT_SIZE).max(65535)]).default(DEFAULT_FRAGMENT_SIZE),
});

const tlsSection = z.strictObject({
  cert: filePath,
  key: filePath,
  ca: filePath,
  /** PEM CRLs of `ca` (TS 33.310 revocation): an eNB certificate on them is refused, for TLS and for NDS/IP. */
  crl: filePath.optional(),
});

const controlApiSection = z.strictObject({ listen: ipAddress, port: port.default(8443), tls: tlsSection });

const enbSection = z.strictObject({
  name: enbName,
  certificateIdentity,
  /** Addresses of the eNB's LWIP interface: the only destinations its UEs may reach (TS 33.401 16.2.2). */
  lwipEndpoints: z.array(specificAddress).min(1, "expected at least one address"),
  /** The eNB's Xw-U (GTP-U) address; LWIP ADDITION REQUEST may name no other. */
  gtpAddress: specificAddress,
  /** Provisioned UEs at most for this eNB. */
  maxUes: positiveInt.optional(),
});

const gtpuSection = z.strictObject({
  listen: ipAddress,
  port: port.default(2152),
  /** The address sent as LWIP-SeGW GTP Tunnel Endpoint; defaults to listen. */
  advertiseAddress: specificAddress.optional(),
  /**
   * NDS/IP protection of Xw-U (TS 33.401 16.1, TS 33.210 Zb): "builtin" carries GTP-U only inside an
   * ESP SA that each eNB sets up with certificates; "platform" leaves it to the host's IPsec.
   */
  ndsIp: z.enum(["builtin", "platform"]).default("builtin"),
});

const provisioningSection = z.strictObject({
  windowSeconds: positiveInt.default(30),
  maxWindowSeconds: positiveInt.max(3600).default(300),
  maxEntries: positiveInt.max(1_000_000).default(100_000),
  /** How long an entry waits for the eNB's LWIP RELEASE CONFIRM (TS 36.463) before it is dropped anyway. */
  releaseRequiredSeconds: positiveInt.max(86_400).default(600),
});

const rateLimitsSection = z.strictObject({
  ikeSaInitPerSourcePerSecond: positiveInt.default(10),
  ikeSaInitPerSecond: positiveInt.default(1000),
  halfOpenCookieThreshold: z.number().int().min(0).default(100),
  halfOpenMax: positiveInt.default(5000),
  uePacketsPerSecond: positiveInt.default(10_000),
  ueBytesPerSecond: positiveInt.default(12_500_000),
  enbPacketsPerSecond: positiveInt.default(200_000),
  enbBytesPerSecond: positiveInt.default(125_000_000),
});

const logSection = z.strictObject({ level: z.enum(["debug", "info", "warn", "error"]).default("info") });

const metricsSection = z.strictObject({ listen: ipAddress.default("127.0.0.1"), port: port.default(9464) });

/**
 * One worker process: its own UE-side address (IKE/ESP) and backhaul address (GTP-U, and the eNBs'
 * NDS/IP SAs). The SeGW address is a per-UE RRC parameter (TS 36.331 TunnelConfigLWIP-r13
 * ip-Address-r13), so each worker can have its own and no packet needs steering between workers.
 */
const workerSection = z.strictObject({
  ike: specificAddress,
  /** Defaults to `ike`. */
  gtpu: specificAddress.optional(),
  /** This worker's share of the inner addresses; by default `pools` is split evenly between the workers. */
  pools: z.array(cidr).min(1, "expected at least one address pool").optional(),
});

const rawSchema = z.strictObject({
  ike: ikeSection,
  pools: z.array(cidr).min(1, "expected at least one address pool"),
  controlApi: controlApiSection,
  enbs: z.array(enbSection).min(1, "expected at least one eNB"),
  gtpu: gtpuSection,
  provisioning: provisioningSection.prefault({}),
  rateLimits: rateLimitsSection.prefault({}),
  log: logSection.prefault({}),
  /** Absent: no metrics endpoint. */
  metrics: metricsSection.optional(),
  /** Absent: one process on ike.listen and gtpu.listen. */
  workers: z.array(workerSection).min(1, "expected at least one worker").max(64, "at most 64 workers").optional(),
});

type Raw = z.output<typeof rawSchema>;
type AddIssue = (path: PropertyKey[], message: string) => void;

function checkUnique(values: readonly string[], key: string, add: AddIssue): void {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const folded = v.toLowerCase();
    const first = seen.get(folded);
    if (first === undefined) seen.set(folded, i);
    else add(["enbs", i, key], `duplicates enbs[${first}].${key}`);
  });
}

function overlaps(a: string, b: string): boolean {
  const ca = parseCidr(a);
  const cb = parseCidr(b);
  if (!ca || !cb || ca.address.length !== cb.address.length) return false;
  const ra = cidrRange(ca);
  const rb = cidrRange(cb);
  return compareAddress(ra.start, rb.end) <= 0 && compareAddress(rb.start, ra.end) <= 0;
}

/** Checks between keys: unique eNB names and identities, disjoint pools, consistent limits. */
function crossCheck(raw: Raw, add: AddIssue): void {
  checkUnique(raw.enbs.map((e) => e.name), "name", add);
  checkUnique(raw.enbs.map((e) => e.certificateIdentity), "certificateIdentity", add);
  raw.pools.forEach((p, i) => {
    const j = raw.pools.findIndex((q, k) => k < i && overlaps(p, q));
    if (j >= 0) add(["pools", i], `overlaps pools[${j}]`);
  });
  if (raw.rateLimits.halfOpenMax < raw.rateLimits.halfOpenCookieThreshold) add(["rateLimits", "halfOpenMax"], "must be at least halfOpenCookieThreshold");
  if (raw.provisioning.windowSeconds > raw.provisioning.maxWindowSeconds) add(["provisioning", "windowSeconds"], "must not exceed maxWindowSeconds");
  if (raw.gtpu.advertiseAddress === undefined && isUnspecified(raw.gtpu.listen)) add(["gtpu", "advertiseAddress"], "required when gtpu.listen is 0.0.0.0 or ::");
  if (raw.workers) checkWorkers(raw.workers, raw.pools, add);
}

/** Workers need addresses of their own, and address pools that do not overlap (given, or split from `pools`). */
function checkWorkers(workers: NonNullable<Raw["workers"]>, pools: readonly string[], add: AddIssue): void {
  const firstUse = new Map<string, string>();
  const claim = (address: string, path: PropertyKey[]) => {
    const key = canonicalIp(address) ?? address;
    const first = firstUse.get(key);
    if (first === undefined) firstUse.set(key, formatPath(path));
    else add(path, `already used by ${first}`);
  };
  workers.forEach((w, i) => {
    claim(w.ike, ["workers", i, "ike"]);
    if (w.gtpu !== undefined && w.gtpu !== w.ike) claim(w.gtpu, ["workers", i, "gtpu"]);
  });
  const given = workers.filter((w) => w.pools !== undefined).length;
  if (given > 0 && given < workers.length) add(["workers"], "give pools to every worker or to none");
  if (given === 0) {
    pools.forEach((p, i) => {
      const c = parseCidr(p);
      if (c && !splitCidr(c, workers.length)) add(["pools", i], `too small to split between ${workers.length} workers`);
    });
    return;
  }
  const all = workers.flatMap((w, i) => (w.pools ?? []).map((p, k) => ({ p, path: ["workers", i, "pools", k] as PropertyKey[] })));
  all.forEach(({ p, path }, i) => {
    const j = all.findIndex((q, k) => k < i && overlaps(p, q.p));
    if (j >= 0) add(path, `overlaps ${formatPath(all[j]?.path ?? [])}`);
  });
}

/** The whole configuration file, as written (paths not yet resolved, proposals not yet parsed). */
export const segwConfigSchema = rawSchema.superRefine((raw, ctx) => crossCheck(raw, (path, message) => ctx.addIssue({ code: "custom", path, message })));

export type RawSegwConfig = z.output<typeof segwConfigSchema>;
