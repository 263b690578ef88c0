// Three hosts for the multi-process LWIP lab (issue 5, item 5): the UE host, the SeGW host and the
// eNB host, each its own network namespace, joined by two veth pairs. The WLAN joins UE and SeGW,
// the backhaul joins SeGW and eNB; the LTE air interface between UE and eNB is the only simulated
// link (a Unix domain socket on the shared filesystem, which crosses network namespaces).
//
//   netns <id>-ue                      netns <id>-segw                     netns <id>-enb
//   wlan 198.18.0.2/24 (UE 1)   ---    wlan 198.18.0.1/24
//        198.18.0.3/24 (UE 2)          backhaul 198.18.2.1/24     ---     backhaul 198.18.2.2/24
//        198.18.0.9/24 (rogue)
//
// The eNB's LWIP endpoint (198.18.3.1) and the inner-address pool (198.18.64.0/24) are on no
// interface: they exist only inside the IPsec tunnels. Only the connected /24 routes exist (no
// default route, nothing added): UE and eNB hosts have no route to each other. Every process
// started here is tracked; teardown() kills them and deletes the namespaces, and a process
// 'exit' / SIGINT / SIGTERM handler does the same as a last resort.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertLabAddress } from "./lab-addr.js";
import { isRunning, NAMESPACE_PREFIX, namespacesWithPrefix, registerLab, runHost, stopChildProcess, unregisterLab, type ExecOptions, type ExecResult } from "./netns.js";

/** Addresses of the three-host lab (all in 198.18.0.0/15). */
export const HOSTS = {
  segwWlan: "198.18.0.1",
  /** The WLAN address of each UE process on the UE host. */
  ueWlan: ["198.18.0.2", "198.18.0.3"],
  /** A third address on the UE host, for handshakes that are not a UE's (replays). */
  rogue: "198.18.0.9",
  segwBackhaul: "198.18.2.1",
  enbBackhaul: "198.18.2.2",
  prefixLen: 24,
  /** The eNB's LWIP interface: configured at the SeGW, assigned nowhere (it only appears in the tunnel). */
  enbLwipEndpoint: "198.18.3.1",
  pool: "198.18.64.0/24",
} as const;

/** The hosts of the lab. */
export type Host = "ue" | "segw" | "enb";

let sequence = 0;

/** The three namespaces, their links and addresses; see the file comment. */
export class LwipHosts {
  /** Prefix of the three namespace names. */
  readonly id: string;
  readonly ns: Readonly<Record<Host, string>>;
  /** Scratch directory of this run (PKI, config, air socket); removed by teardown unless LWIP_INTEROP_KEEP. */
  readonly workDir: string;
  readonly #children = new Set<ChildProcessWithoutNullStreams>();
  #down = false;

  private constructor(id: string) {
    this.id = id;
    this.ns = { ue: `${id}-ue`, segw: `${id}-segw`, enb: `${id}-enb` };
    this.workDir = mkdtempSync(join(tmpdir(), `${id}-`));
  }

  /**
   * Creates the namespaces, the WLAN and backhaul veth pairs and the addresses of {@link HOSTS}.
   * @throws Error (after removing what was created) when a step fails.
   */
  static async create(): Promise<LwipHosts> {
    const all = [HOSTS.segwWlan, ...HOSTS.ueWlan, HOSTS.rogue, HOSTS.segwBackhaul, HOSTS.enbBackhaul, HOSTS.enbLwipEndpoint, HOSTS.pool];
    for (const addr of all) assertLabAddress(addr, "lab address");
    sequence += 1;
    const hosts = new LwipHosts(`${NAMESPACE_PREFIX}h${sequence}`);
    registerLab(hosts);
    try {
      await hosts.#build();
    } catch (e) {
      await hosts.teardown();
      throw e;
    }
    return hosts;
  }

  async #build(): Promise<void> {
    for (const ns of Object.values(this.ns)) {
      await runHost(["ip", "netns", "add", ns]);
      await runHost(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    // Each veth end is created directly inside its namespace, never in the host's.
    await runHost(["ip", "link", "add", "wlan", "netns", this.ns.ue, "type", "veth", "peer", "name", "wlan", "netns", this.ns.segw]);
    await runHost(["ip", "link", "add", "backhaul", "netns", this.ns.segw, "type", "veth", "peer", "name", "backhaul", "netns", this.ns.enb]);
    const plan: [Host, string, string][] = [
      ...HOSTS.ueWlan.map((a): [Host, string, string] => ["ue", "wlan", a]),
      ["ue", "wlan", HOSTS.rogue],
      ["segw", "wlan", HOSTS.segwWlan],
      ["segw", "backhaul", HOSTS.segwBackhaul],
      ["enb", "backhaul", HOSTS.enbBackhaul],
    ];
    for (const [host, dev, addr] of plan) await runHost(["ip", "-n", this.ns[host], "addr", "add", `${addr}/${HOSTS.prefixLen}`, "dev", dev]);
    for (const [host, dev] of [["ue", "wlan"], ["segw", "wlan"], ["segw", "backhaul"], ["enb", "backhaul"]] as const) {
      await runHost(["ip", "-n", this.ns[host], "link", "set", dev, "up"]);
    }
  }

  /** Runs a command on a host and collects its output (see {@link ExecOptions}). */
  exec(host: Host, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.#assertUp();
    return runHost(["ip", "netns", "exec", this.ns[host], ...argv], opts);
  }

  /**
   * Starts a long-running command on a host with stdin, stdout and stderr piped. `ip netns exec`
   * execs the program in place, so the child's pid is the program's. Killed by {@link teardown}.
   */
  spawn(host: Host, argv: readonly string[]): ChildProcessWithoutNullStreams {
    this.#assertUp();
    const child = spawn("ip", ["netns", "exec", this.ns[host], ...argv], { stdio: ["pipe", "pipe", "pipe"] });
    this.#children.add(child);
    child.once("exit", () => this.#children.delete(child));
    return child;
  }

  /** Stops one child: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stopChild(child: ChildProcessWithoutNullStreams, graceMs = 5_000): Promise<void> {
    await stopChildProcess(child, graceMs);
  }

  /** The namespaces of this lab that still exist. */
  remainingNamespaces(): string[] {
    return namespacesWithPrefix(`${this.id}-`);
  }

  /** Kills every process started here, deletes the three namespaces and the work dir. */
  async teardown(): Promise<void> {
    if (this.#down) return;
    await Promise.all([...this.#children].map((child) => this.stopChild(child, 2_000)));
    this.teardownSync();
  }

  /** Synchronous last-resort teardown (process 'exit' handler): SIGKILL, then delete. */
  teardownSync(): void {
    if (this.#down) return;
    this.#down = true;
    unregisterLab(this);
    for (const child of this.#children) if (isRunning(child)) child.kill("SIGKILL");
    for (const ns of this.remainingNamespaces()) {
      // Anything still inside our own namespace was started by this run; it would keep it alive.
      const pids = execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).split("\n").filter((p) => /^\d+$/.test(p));
      for (const pid of pids) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
      execFileSync("ip", ["netns", "del", ns]);
    }
    if (process.env["LWIP_INTEROP_KEEP"] === undefined) rmSync(this.workDir, { recursive: true, force: true });
  }

  #assertUp(): void {
    if (this.#down) throw new Error(`lab ${this.id} has been torn down`);
  }
}
