// Two network namespaces joined by a veth pair: the interop lab of /work/shared/lab/sslab.sh,
// rebuilt per test run with unique names so that runs never collide.
//
//   netns lwip-<pid>-<n>-ue                  netns lwip-<pid>-<n>-segw
//   veth-ue 198.18.0.2/24, 2001:db8::2/64 --- veth-segw 198.18.0.1/24, 2001:db8::1/64
//                                            lo: 198.18.1.1/32 (eNB LWIP endpoint)
//                                            lo: 198.18.1.2/32 ("other" host, must stay unreachable)
//
// No namespace has a default route or a link to the host, so nothing leaves the machine. Every
// process started through a Topology is tracked; teardown() kills them and deletes the namespaces,
// and a process 'exit' / SIGINT / SIGTERM handler does the same as a last resort.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertLabAddress } from "./lab-addr.js";

/** Addresses of the lab (all inside 198.18.0.0/15 or 2001:db8::/32). */
export const LAB = {
  ue: "198.18.0.2",
  segw: "198.18.0.1",
  prefixLen: 24,
  ue6: "2001:db8::2",
  segw6: "2001:db8::1",
  enb: "198.18.1.1",
  other: "198.18.1.2",
  pool: "198.18.64.0/18",
} as const;

/** Outcome of a finished command. */
export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link Topology.exec} and {@link runHost}. */
export interface ExecOptions {
  /** Kill the command after this long (default 20 s). */
  readonly timeoutMs?: number;
  /** Throw when the command does not exit 0 (default true). */
  readonly check?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** Options of {@link Topology.spawn}. */
export interface SpawnOptions {
  /** "pipe" or an open file descriptor for stdout and stderr (default "pipe"). */
  readonly output?: "pipe" | number;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs a program on the host (no shell) and collects its output.
 * @throws Error with the command's stderr when `check` is on and it fails.
 */
export function runHost(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file = "", ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: opts.timeoutMs ?? 20_000, env: opts.env ?? process.env, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      const result: ExecResult = { code, signal: error?.signal ?? null, stdout, stderr };
      if ((opts.check ?? true) && code !== 0) {
        reject(new Error(`command failed (code ${String(code)}, signal ${String(result.signal)}): ${argv.join(" ")}\n${stderr}${stdout}`));
      } else {
        resolve(result);
      }
    });
  });
}

/** Names of the namespaces that currently exist whose name starts with `prefix`. */
export function namespacesWithPrefix(prefix: string): string[] {
  const out = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  return out
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(prefix));
}

/** Prefix of every namespace this process creates. */
export const NAMESPACE_PREFIX = `lwip-${process.pid}-`;

/** Labs (topologies, the three-host lab) whose namespaces exist: torn down at exit should a test not get to it. */
const liveLabs = new Set<{ teardownSync(): void }>();
let sequence = 0;
let lastResortInstalled = false;

/** Registers `lab` for the last-resort teardown on exit, SIGINT and SIGTERM. */
export function registerLab(lab: { teardownSync(): void }): void {
  if (!lastResortInstalled) {
    lastResortInstalled = true;
    process.on("exit", () => {
      for (const l of liveLabs) l.teardownSync();
    });
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      process.once(signal, () => {
        for (const l of liveLabs) l.teardownSync();
        process.exit(code);
      });
    }
  }
  liveLabs.add(lab);
}

/** `lab` is gone: no last-resort teardown for it. */
export function unregisterLab(lab: { teardownSync(): void }): void {
  liveLabs.delete(lab);
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL if `child` has not exited after `graceMs`. */
export async function stopChildProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (isRunning(child)) child.kill("SIGTERM");
  if (!(await waitForChildExit(child, graceMs))) {
    child.kill("SIGKILL");
    await waitForChildExit(child, 2_000);
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Waits for a child to exit, at most `timeoutMs`; resolves true when it has exited. */
export function waitForChildExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(!isRunning(child)), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A UE and a SeGW namespace joined by a veth pair; see the file comment for the layout. */
export class Topology {
  /** Network namespace of the UE side. */
  readonly ue: string;
  /** Network namespace of the SeGW side (also owns the eNB and "other" addresses). */
  readonly segw: string;
  /** Scratch directory of this run (charon instances, logs). */
  readonly workDir: string;
  readonly #children = new Set<ChildProcess>();
  #down = false;

  private constructor(id: string) {
    this.ue = `${id}-ue`;
    this.segw = `${id}-segw`;
    this.workDir = mkdtempSync(join(tmpdir(), `${id}-`));
  }

  /**
   * Creates the namespaces, the veth pair and the addresses of {@link LAB}.
   * @throws Error (after removing what was created) when a step fails.
   */
  static async create(): Promise<Topology> {
    for (const addr of [LAB.ue, LAB.segw, LAB.ue6, LAB.segw6, LAB.enb, LAB.other, LAB.pool]) assertLabAddress(addr, "lab address");
    sequence += 1;
    const topo = new Topology(`${NAMESPACE_PREFIX}${sequence}`);
    registerLab(topo);
    try {
      await topo.#build();
    } catch (e) {
      await topo.teardown();
      throw e;
    }
    return topo;
  }

  async #build(): Promise<void> {
    for (const ns of [this.ue, this.segw]) {
      if (namespacesWithPrefix(ns).includes(ns)) await runHost(["ip", "netns", "del", ns]);
      await runHost(["ip", "netns", "add", ns]);
      await runHost(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    // Both veth ends are created directly inside the namespaces, never in the host namespace.
    await runHost(["ip", "link", "add", "veth-ue", "netns", this.ue, "type", "veth", "peer", "name", "veth-segw", "netns", this.segw]);
    const plan: [string, string, string, string[]][] = [
      [this.ue, "veth-ue", `${LAB.ue}/${LAB.prefixLen}`, []],
      [this.segw, "veth-segw", `${LAB.segw}/${LAB.prefixLen}`, []],
      [this.ue, "veth-ue", `${LAB.ue6}/64`, ["nodad"]],
      [this.segw, "veth-segw", `${LAB.segw6}/64`, ["nodad"]],
      [this.segw, "lo", `${LAB.enb}/32`, []],
      [this.segw, "lo", `${LAB.other}/32`, []],
    ];
    for (const [ns, dev, cidr, extra] of plan) await this.addAddress(ns, dev, cidr, extra);
    await runHost(["ip", "-n", this.ue, "link", "set", "veth-ue", "up"]);
    await runHost(["ip", "-n", this.segw, "link", "set", "veth-segw", "up"]);
  }

  /**
   * Adds an address to an interface of one of the namespaces.
   * @throws Error for an address outside the lab ranges.
   */
  async addAddress(ns: string, dev: string, cidr: string, extra: readonly string[] = []): Promise<void> {
    assertLabAddress(cidr, `address for ${ns}/${dev}`);
    await runHost(["ip", "-n", ns, "addr", "replace", cidr, "dev", dev, ...extra]);
  }

  /** Runs a command inside a namespace and collects its output (see {@link ExecOptions}). */
  exec(ns: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.#assertOwn(ns);
    return runHost(["ip", "netns", "exec", ns, ...argv], opts);
  }

  /**
   * Starts a long-running command inside a namespace. `ip netns exec` execs the program in place,
   * so the child's pid is the program's pid. The child is killed by {@link teardown}.
   */
  spawn(ns: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    this.#assertOwn(ns);
    const out = opts.output ?? "pipe";
    const child = spawn("ip", ["netns", "exec", ns, ...argv], { stdio: ["ignore", out, out], env: opts.env ?? process.env });
    this.#children.add(child);
    child.once("exit", () => this.#children.delete(child));
    return child;
  }

  /** Stops one child: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
    await stopChildProcess(child, graceMs);
  }

  /** Kills every process started through this topology, deletes both namespaces and the work dir. */
  async teardown(): Promise<void> {
    if (this.#down) return;
    await Promise.all([...this.#children].map((child) => this.stopChild(child)));
    this.teardownSync();
  }

  /** Synchronous last-resort teardown (process 'exit' handler): SIGKILL, then delete. */
  teardownSync(): void {
    if (this.#down) return;
    this.#down = true;
    unregisterLab(this);
    for (const child of this.#children) if (isRunning(child)) child.kill("SIGKILL");
    for (const ns of [this.ue, this.segw]) {
      if (!namespacesWithPrefix(ns).includes(ns)) continue;
      // Anything still running inside our own namespace was started by this run (e.g. a
      // grandchild of a killed command); it would keep the namespace alive.
      const pids = execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).split("\n").filter((p) => /^\d+$/.test(p));
      for (const pid of pids) killQuietly(Number(pid));
      execFileSync("ip", ["netns", "del", ns]);
    }
    if (process.env["LWIP_INTEROP_KEEP"] === undefined) rmSync(this.workDir, { recursive: true, force: true });
  }

  #assertOwn(ns: string): void {
    if (ns !== this.ue && ns !== this.segw) throw new Error(`namespace '${ns}' is not part of this topology`);
    if (this.#down) throw new Error(`topology ${ns} has been torn down`);
  }
}
