// One strongSwan charon instance inside a namespace of a Topology, as the lab runs it
// (/work/shared/lab/sslab.sh start_charon): its own directory with strongswan.conf
// (STRONGSWAN_CONF), swanctl.conf (SWANCTL_DIR), vici socket and log, and a private mount
// namespace in which the instance's run directory is bind-mounted over /run, because charon's
// pid-file path (/var/run/charon.pid) is compiled in (lab pitfall 4).
import type { ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { strongswanConf, swanctlConf, type CharonSettings, type ConnConfig } from "./charon-config.js";
import { runHost, type Topology } from "./netns.js";
import { waitUntil } from "./poll.js";
import { ViciClient } from "./vici.js";
import { ViciEventLog } from "./vici-sa.js";

/** Path of the charon daemon of Debian's strongswan-charon package. */
export const CHARON_BINARY = "/usr/lib/ipsec/charon";

/** Options of {@link Charon.start}. */
export interface CharonOptions extends Partial<CharonSettings> {
  /** Instance name (directory name under the topology's work dir). */
  readonly name: string;
  /** Namespace to run in. */
  readonly ns: string;
}

/** A running charon. */
export class Charon {
  readonly name: string;
  readonly dir: string;
  readonly viciSocket: string;
  readonly logFile: string;
  readonly #topo: Topology;
  readonly #child: ChildProcess;
  #vici: ViciClient | null = null;
  readonly #eventLogs: ViciEventLog[] = [];

  private constructor(topo: Topology, name: string, dir: string, child: ChildProcess) {
    this.#topo = topo;
    this.name = name;
    this.dir = dir;
    this.viciSocket = join(dir, "charon.vici");
    this.logFile = join(dir, "charon.log");
    this.#child = child;
  }

  /**
   * Writes the instance's strongswan.conf and starts charon; resolves once vici answers.
   * @throws Error with the daemon's output and log tail when it does not come up within 15 s.
   */
  static async start(topo: Topology, opts: CharonOptions): Promise<Charon> {
    const dir = join(topo.workDir, opts.name);
    const runDir = join(dir, "run");
    mkdirSync(runDir, { recursive: true });
    // swanctl warns about every missing credential directory (lab pitfall 7); PSK needs none
    for (const sub of ["x509", "x509ca", "x509ocsp", "x509aa", "x509ac", "x509crl", "pubkey", "private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12"]) {
      mkdirSync(join(dir, "swanctl", sub), { recursive: true });
    }
    const settings: CharonSettings = {
      ikePort: opts.ikePort ?? 500,
      nattPort: opts.nattPort ?? 4500,
      logLevels: opts.logLevels ?? {},
      logKeys: opts.logKeys ?? false,
      dosProtection: opts.dosProtection ?? false,
      allowPeerTs: opts.allowPeerTs ?? false,
      ...(opts.fragmentSize === undefined ? {} : { fragmentSize: opts.fragmentSize }),
    };
    writeFileSync(join(dir, "strongswan.conf"), strongswanConf(dir, settings));
    const out = openSync(join(dir, "charon.out"), "a");
    const child = topo.spawn(
      opts.ns,
      ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount --bind "$0" /run && exec "$@"', runDir, "env", `STRONGSWAN_CONF=${join(dir, "strongswan.conf")}`, CHARON_BINARY],
      { output: out },
    );
    closeSync(out);
    const charon = new Charon(topo, opts.name, dir, child);
    await charon.#waitForVici();
    return charon;
  }

  async #waitForVici(): Promise<void> {
    this.#vici = await waitUntil(
      async () => {
        if (this.#child.exitCode !== null || this.#child.signalCode !== null) throw new Error("charon exited");
        return existsSync(this.viciSocket) ? ViciClient.connect(this.viciSocket) : undefined;
      },
      { timeoutMs: 15_000, what: `charon[${this.name}] vici socket`, diagnostics: () => this.diagnostics() },
    );
  }

  /** The instance's command connection. */
  get vici(): ViciClient {
    if (this.#vici === null) throw new Error(`charon[${this.name}] is not running`);
    return this.#vici;
  }

  /** Opens an event log (ike-updown, ike-rekey, child-updown, child-rekey) from now on. */
  async openEventLog(): Promise<ViciEventLog> {
    const log = await ViciEventLog.open(this.viciSocket);
    this.#eventLogs.push(log);
    return log;
  }

  /**
   * Writes swanctl.conf with the connection "lwip" and loads it with `swanctl --load-all`, which
   * also unloads whatever the previous load had.
   * @throws Error with swanctl's output when loading fails.
   */
  async load(conn: ConnConfig): Promise<void> {
    const file = join(this.dir, "swanctl", "swanctl.conf");
    writeFileSync(file, swanctlConf(conn));
    // swanctl wants the command first, options after it (lab pitfall 7)
    await runHost(["swanctl", "--load-all", "--noprompt", "--uri", `unix://${this.viciSocket}`], {
      env: { ...process.env, SWANCTL_DIR: join(this.dir, "swanctl"), STRONGSWAN_CONF: join(this.dir, "strongswan.conf") },
    });
  }

  /** The last `lines` lines of the charon log. */
  logTail(lines = 40): string {
    if (!existsSync(this.logFile)) return "(no charon log)";
    return readFileSync(this.logFile, "utf8").split("\n").slice(-lines - 1).join("\n");
  }

  /** Daemon output and log tail, for error messages. */
  diagnostics(lines = 40): string {
    const outFile = join(this.dir, "charon.out");
    const out = existsSync(outFile) ? readFileSync(outFile, "utf8").trim() : "";
    return `--- charon[${this.name}] ${this.logFile} (last ${lines} lines)\n${this.logTail(lines)}${out === "" ? "" : `\n--- charon.out\n${out}`}`;
  }

  /** Closes the vici connections and stops the daemon (SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    for (const log of this.#eventLogs) log.close();
    this.#vici?.close();
    this.#vici = null;
    await this.#topo.stopChild(this.#child);
  }
}
