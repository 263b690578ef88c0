/**
 * `lwip pki init <dir> [--enb name ...] [--segw-name name] [--segw-ip addr ...] [--days n] [--force]`:
 * a development CA, the SeGW's control API server certificate and eNB client certificates
 * (src/pki/dev-pki.ts), written with keys at mode 0600. Prints the paths written.
 * `lwip pki revoke <dir> [--cert file ...] [--days n]`: the CA's CRL, <dir>/crl.pem (src/pki/dev-crl.ts).
 */
import { parseArgs } from "node:util";
import { parseIp } from "../ike/traffic-selector.js";
import { createDevPki, DEFAULT_SEGW_ADDRESSES } from "../pki/dev-pki.js";
import { writePkiFiles } from "../pki/write-files.js";
import { issueDevCrl, REVOCATION_REASONS, type RevocationReason } from "../pki/dev-crl.js";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./usage-error.js";

const DEFAULT_ENBS = ["alpha", "bravo"];
const MAX_DAYS = 3650;

const HELP = `usage: lwip pki init <dir> [--enb <name> ...] [--segw-name <name>] [--segw-ip <addr> ...] [--days <n>] [--force]
Writes a development PKI for the SeGW control API (ECDSA P-256):
  ca.pem, ca-key.pem               the CA
  segw.pem, segw-key.pem           SeGW server certificate (SAN: DNS <segw-name>, IP <segw-ip>...)
  enb-<name>.pem, enb-<name>-key.pem   one client certificate per eNB (CN and SAN DNS <name>)
Defaults: --enb ${DEFAULT_ENBS.join(" --enb ")}, --segw-name segw, --segw-ip ${DEFAULT_SEGW_ADDRESSES.join(" --segw-ip ")}, --days 365.
Existing files are not overwritten unless --force.

usage: lwip pki revoke <dir> [--cert <file> ...] [--reason <reason>] [--days <n>]
Adds the certificates to the CA's revocation list <dir>/crl.pem (keeping its earlier entries), signed
with <dir>/ca-key.pem and valid for --days (default 30); with no --cert it only issues the list anew.
--reason: ${Object.keys(REVOCATION_REASONS).join(", ")} (default cessationOfOperation).
Give the file to the SeGW as controlApi.tls.crl: a revoked eNB is refused by the control API and NDS/IP.`;

/** Host-name-like labels: they become CNs, SAN DNS names and file names. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function checkName(option: string, name: string): string {
  if (!NAME.test(name)) throw new UsageError(`${option} "${name}": expected 1-63 letters, digits, '.', '_' or '-'`);
  return name;
}

/** Where the command writes (lines without their newline); tests pass their own. */
export interface PkiIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const processIo: PkiIo = {
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
};

/** Runs `lwip pki ...`; `args` are the words after `pki`. @throws UsageError for bad arguments. */
export async function runPki(args: string[], io: PkiIo = processIo): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === "--help" || verb === "-h") {
    io.out(HELP);
    return verb === undefined ? 2 : 0;
  }
  if (verb === "revoke") return runRevoke(rest, io);
  if (verb !== "init") throw new UsageError(`unknown pki command "${verb}" (init or revoke)`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      enb: { type: "string", multiple: true },
      "segw-name": { type: "string" },
      "segw-ip": { type: "string", multiple: true },
      days: { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const [dir, ...extra] = positionals;
  if (dir === undefined || extra.length > 0) throw new UsageError("pki init takes exactly one folder");
  const enbs = (values.enb ?? DEFAULT_ENBS).map((n) => checkName("--enb", n));
  if (new Set(enbs).size !== enbs.length) throw new UsageError("--enb names must differ");
  const segwName = checkName("--segw-name", values["segw-name"] ?? "segw");
  const segwAddresses = values["segw-ip"] ?? DEFAULT_SEGW_ADDRESSES;
  const badIp = segwAddresses.find((a) => parseIp(a) === undefined);
  if (badIp !== undefined) throw new UsageError(`--segw-ip "${badIp}" is not an IP address`);
  const days = daysOption(values.days ?? "365", MAX_DAYS);
  const files = await createDevPki({ enbs, segwName, segwAddresses, days });
  const written = writePkiFiles(dir, files, values.force ?? false);
  if (!written.ok) {
    io.err(`lwip pki: ${written.error}`);
    return 1;
  }
  for (const path of written.value) io.out(path);
  return 0;
}

function daysOption(text: string, max: number): number {
  const days = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(days >= 1 && days <= max)) throw new UsageError(`--days must be an integer in 1..${max}`);
  return days;
}

function readOrFail(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** `lwip pki revoke <dir> [--cert file ...] [--days n]`. */
async function runRevoke(args: string[], io: PkiIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { cert: { type: "string", multiple: true }, reason: { type: "string" }, days: { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const [dir, ...extra] = positionals;
  if (dir === undefined || extra.length > 0) throw new UsageError("pki revoke takes exactly one folder");
  const crlPath = join(dir, "crl.pem");
  const certs = (values.cert ?? []).map((f) => ({ file: f, pem: readOrFail(f, "certificate") }));
  const reason = values.reason ?? "cessationOfOperation";
  if (!(reason in REVOCATION_REASONS)) throw new UsageError(`--reason must be one of ${Object.keys(REVOCATION_REASONS).join(", ")}`);
  let crl;
  try {
    crl = await issueDevCrl({
      caPem: readOrFail(join(dir, "ca.pem"), "the CA certificate"), caKeyPem: readOrFail(join(dir, "ca-key.pem"), "the CA key"),
      previousCrlPem: existsSync(crlPath) ? readOrFail(crlPath, "the current CRL") : undefined,
      revoke: certs.map((c) => c.pem), reason: reason as RevocationReason, days: daysOption(values.days ?? "30", MAX_DAYS),
    });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    io.err(`lwip pki: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  writeFileSync(crlPath, crl.pem, { mode: 0o644 });
  for (const serial of crl.added) io.out(`revoked ${serial}`);
  io.out(`${crlPath}: ${crl.serials.length} revoked`);
  return 0;
}
