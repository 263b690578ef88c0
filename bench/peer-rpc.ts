/**
 * The benchmark's child processes (SeGW, load generator, traffic generator) and the orchestrator
 * talk in JSON lines: the orchestrator writes `{"id":n,"cmd":"...",...}` to the child's stdin, the
 * child answers `{"id":n,"ok":true,...}` (or `"ok":false,"error":"..."`) on stdout. Children run in
 * the lab's network namespaces, so a pipe is the one channel that crosses them.
 *
 * Also the per-process CPU reading of /proc/<pid>/stat that every responder figure uses.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

/** Linux USER_HZ: /proc reports CPU times in 1/100 s. */
const TICKS_PER_SECOND = 100;

/**
 * CPU microseconds (utime + stime, all threads, fields 14 and 15 of proc(5)) a process has used,
 * read from outside it; 10 ms resolution.
 */
export function procCpuUs(pid: number | "self"): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
}

/** CPU microseconds of several processes together (a SeGW's primary and its workers). */
export function procsCpuUs(pids: readonly number[]): number {
  return pids.reduce((s, pid) => s + procCpuUs(pid), 0);
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function procRssBytes(pid: number | "self"): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

/** The ID_KEY_ID data of load-generator UE `k`: ASCII `<prefix><k>`. */
export function ueIdi(prefix: string, k: number): Uint8Array {
  return new TextEncoder().encode(`${prefix}${k}`);
}

export type RpcReply = Record<string, unknown> & { readonly ok: boolean; readonly error?: string };
type Handler = (msg: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>;

/**
 * Child side: answers each stdin line with its handler's result; exits after `deadlineSeconds`
 * whatever happens, so that no child outlives a broken orchestrator.
 */
export function serveRpc(name: string, handlers: Readonly<Record<string, Handler>>, deadlineSeconds: number): void {
  setTimeout(() => {
    process.stderr.write(`${name}: deadline of ${deadlineSeconds} s passed\n`);
    process.exit(2);
  }, deadlineSeconds * 1000).unref();
  const reply = (r: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(r)}\n`);
  createInterface({ input: process.stdin }).on("line", (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const handler = handlers[String(msg["cmd"])];
    if (!handler) {
      reply({ id: msg["id"], ok: false, error: `unknown command ${String(msg["cmd"])}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(msg))
      .then((r) => reply({ ...r, id: msg["id"], ok: true }))
      .catch((e: unknown) => reply({ id: msg["id"], ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }));
  });
  process.stdin.on("end", () => process.exit(0));
}

/**
 * Starts `argv` inside network namespace `ns` (or on the host for undefined) with piped stdio.
 * (Topology.spawn gives its children no stdin.) Topology.teardown kills whatever is left in its
 * namespaces; RpcChild.stop ends the child first.
 */
export function spawnIn(ns: string | undefined, argv: readonly string[]): ChildProcess {
  const [file = "", ...args] = ns === undefined ? argv : ["ip", "netns", "exec", ns, ...argv];
  return spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
}

/** Orchestrator side of one child. */
export class RpcChild {
  private next = 1;
  private readonly waiting = new Map<number, (r: RpcReply) => void>();
  private stderr = "";
  private exitedWith: string | undefined;

  constructor(readonly name: string, readonly child: ChildProcess) {
    if (child.stdout) createInterface({ input: child.stdout }).on("line", (line) => this.onLine(line));
    child.stderr?.setEncoding("utf8").on("data", (c: string) => (this.stderr = (this.stderr + c).slice(-6000)));
    child.once("exit", (code, signal) => {
      this.exitedWith = `exit ${String(code)} ${String(signal)}`;
      for (const w of this.waiting.values()) w({ ok: false, error: `${name} ${this.exitedWith}` });
      this.waiting.clear();
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name}: no pid`);
    return this.child.pid;
  }

  private onLine(line: string): void {
    if (!line.startsWith("{")) return;
    try {
      const r = JSON.parse(line) as RpcReply & { id?: number };
      const w = r.id === undefined ? undefined : this.waiting.get(r.id);
      if (w && r.id !== undefined) {
        this.waiting.delete(r.id);
        w(r);
      }
    } catch {
      // not ours: a log line
    }
  }

  /** Sends one command; rejects with the child's stderr tail on failure or after `timeoutMs`. */
  call(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<RpcReply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      if (this.exitedWith) return reject(new Error(`${this.name} ${this.exitedWith}\n${this.stderr}`));
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: "${cmd}" timed out after ${timeoutMs} ms\n${this.stderr}`));
      }, timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        if (r.ok) resolve(r);
        else reject(new Error(`${this.name}: "${cmd}" failed: ${r.error ?? "?"}\n${this.stderr}`));
      });
      this.child.stdin?.write(`${JSON.stringify({ ...args, id, cmd })}\n`);
    });
  }

  /** Waits for the child to be ready (a "ping" answered). */
  async ready(timeoutMs = 20_000): Promise<void> {
    await this.call("ping", {}, timeoutMs);
  }

  /** Closes stdin (the child exits), then SIGKILL after `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await gone;
    clearTimeout(timer);
  }

  diagnostics(): string {
    return `--- ${this.name} stderr\n${this.stderr}`;
  }
}

export function num(r: Readonly<Record<string, unknown>>, key: string): number {
  const v = r[key];
  if (typeof v !== "number") throw new Error(`reply has no number "${key}": ${JSON.stringify(r)}`);
  return v;
}
