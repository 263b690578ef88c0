/**
 * Structured logs: one JSON object per line with time, level, subsystem (ike, esp, lwip, io, cli)
 * and message. Callers pass identifiers (SPIs, IDi), never key material.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined | readonly string[]>>;

export interface Logger {
  debug(subsys: string, msg: string, fields?: LogFields): void;
  info(subsys: string, msg: string, fields?: LogFields): void;
  warn(subsys: string, msg: string, fields?: LogFields): void;
  error(subsys: string, msg: string, fields?: LogFields): void;
}

export function isLogLevel(s: string): s is LogLevel {
  return s in RANK;
}

/** A logger writing JSON lines at or above `level` to `write` (stderr by default). */
export function createLogger(level: LogLevel = "info", write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const at = (lvl: LogLevel) => (subsys: string, msg: string, fields?: LogFields) => {
    if (RANK[lvl] < RANK[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, subsys, msg, ...fields }) + "\n");
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A logger that drops everything, for tests that assert on events and counters instead. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
