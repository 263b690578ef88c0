// Our eNB's NDS/IP function (nds-ip-enb-main.ts, EnbNdsIp) as a process in a namespace of a
// Topology: started, told by SIGUSR1 to send one GTP-U Echo Request through its SA, and read
// through its JSON lines (events and its log).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { JsonLinesProcess, type JsonLine } from "./json-lines.js";
import type { ExitStatus } from "./lwip.js";
import { assertLabAddress } from "./lab-addr.js";
import type { Topology } from "./netns.js";

/** What the eNB process is given: addresses and PEM file paths. */
export interface OwnEnbOptions {
  /** The namespace of the eNB host. */
  readonly ns: string;
  /** The eNB's address: IKE source, and its GTP-U address (TSi = address/32). */
  readonly address: string;
  /** The SeGW's IKE address, and its GTP-U address where the Echo Requests go (TSr = gtpu/32). */
  readonly segw: string;
  readonly gtpu: string;
  /** The eNB's certificate and key, and the CA of the SeGW's certificate. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  /** Sequence number of the first Echo Request (default 1). */
  readonly firstSeq?: number;
}

/** The log line EnbNdsIp writes when its SA ended or could not be set up (then it tries again). */
export const SA_LOST = "NDS/IP SA to the SeGW lost; setting it up again";

/** One Echo Request sent by the eNB and the first datagram that came back out of its SA. */
export interface EnbEcho {
  readonly seq: number;
  readonly from: string;
  readonly port: number;
  readonly bytes: Uint8Array;
}

/** A running nds-ip-enb-main.js. */
export class OwnEnbNdsIp {
  readonly proc: JsonLinesProcess;
  readonly #pid: number;

  private constructor(proc: JsonLinesProcess, pid: number) {
    this.proc = proc;
    this.#pid = pid;
  }

  /** Starts the process in `o.ns` and waits until its sockets are bound (it initiates at once). */
  static async start(topo: Topology, o: OwnEnbOptions): Promise<OwnEnbNdsIp> {
    for (const a of [o.address, o.segw, o.gtpu]) assertLabAddress(a, "eNB NDS/IP address");
    const script = join(dirname(fileURLToPath(import.meta.url)), "nds-ip-enb-main.js");
    const argv = [
      process.execPath, "--enable-source-maps", script, "--address", o.address, "--segw", o.segw, "--gtpu", o.gtpu,
      "--cert", o.cert, "--key", o.key, "--ca", o.ca, "--seq", String(o.firstSeq ?? 1),
    ];
    const proc = JsonLinesProcess.start(topo, o.ns, argv, "stdout", "our eNB (EnbNdsIp)");
    const started = await proc.waitFor((l) => l["event"] === "started", 10_000, "EnbNdsIp to bind its sockets");
    return new OwnEnbNdsIp(proc, Number(started["pid"]));
  }

  /** Resolves once the CHILD SA is up; rejects on exit or after `timeoutMs`. */
  established(timeoutMs: number, extra?: () => string): Promise<JsonLine> {
    return this.proc.waitFor((l) => l["event"] === "established", timeoutMs, "the NDS/IP SA to come up", 0, extra);
  }

  /** Resolves with the first "SA lost" log line from index `since` on (it carries the reason). */
  lost(timeoutMs: number, since = 0, extra?: () => string): Promise<JsonLine> {
    return this.proc.waitFor((l) => l["msg"] === SA_LOST, timeoutMs, `'${SA_LOST}'`, since, extra);
  }

  /**
   * Makes the eNB send the next Echo Request through its SA (SIGUSR1) and resolves with the first
   * datagram that comes back out of the SA afterwards.
   * @throws Error when EnbNdsIp refuses to send (no SA) or nothing comes back within `timeoutMs`.
   */
  async echo(timeoutMs: number, extra?: () => string): Promise<EnbEcho> {
    const since = this.proc.lines.length;
    process.kill(this.#pid, "SIGUSR1");
    const sent = await this.proc.waitFor((l) => l["event"] === "echo-sent", timeoutMs, "the eNB to send an Echo Request", since, extra);
    if (sent["ok"] !== true) throw new Error(`EnbNdsIp.send refused the Echo Request: ${JSON.stringify(sent)}\n${this.proc.diagnostics()}`);
    const got = await this.proc.waitFor((l) => l["event"] === "datagram", timeoutMs, "a GTP-U datagram out of the SA", since, extra);
    return { seq: Number(sent["seq"]), from: String(got["from"]), port: Number(got["port"]), bytes: new Uint8Array(Buffer.from(String(got["hex"]), "hex")) };
  }

  /** SIGTERM (EnbNdsIp.close deletes the IKE SA); resolves with the exit status. */
  stop(): Promise<ExitStatus> {
    return this.proc.stop();
  }
}
