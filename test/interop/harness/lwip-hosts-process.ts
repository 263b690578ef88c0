// One `lwip` process on a host of the three-host lab: JSON objects, one per line, on one stream
// (stdout for `lwip enb` / `lwip ue` events, stderr for the SeGW daemon's logs), JSON commands on
// stdin. Waits are bounded and event-driven (they wake on every new line and on exit) and fail at
// once when the process exits, with its output and the lab's other processes in the message.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { JsonLinesProcess, type JsonStream } from "./json-lines.js";
import type { JsonLine } from "./json-line-parser.js";
import type { LwipHosts, Host } from "./lwip-hosts.js";

let commandSequence = 0;

/** A running process, what it printed, and a command channel. */
export class HostProcess extends JsonLinesProcess {
  /** Diagnostics of the rest of the lab, appended to failures. */
  context: () => string = () => "";
  readonly #child: ChildProcessWithoutNullStreams;

  private constructor(hosts: LwipHosts, child: ChildProcessWithoutNullStreams, stream: JsonStream, label: string) {
    super(child, stream, label, (graceMs) => hosts.stopChild(child, graceMs));
    this.#child = child;
    // A command written after the process died must fail the wait, not the test process.
    child.stdin.on("error", () => undefined);
  }

  /** Starts `argv` on `host`; `label` names it in messages. */
  static on(hosts: LwipHosts, host: Host, argv: readonly string[], stream: JsonStream, label: string): HostProcess {
    return new HostProcess(hosts, hosts.spawn(host, argv), stream, label);
  }

  /** The first line from `since` on that matches, with the rest of the lab's diagnostics on failure. */
  waitForLine(pred: (l: JsonLine) => boolean, what: string, since = 0, timeoutMs = 5_000): Promise<JsonLine> {
    return this.waitFor(pred, timeoutMs, what, since, () => this.context());
  }

  /** The first event named `name` (and with those fields) from `since` on. */
  event(name: string, fields: Readonly<Record<string, unknown>> = {}, since = 0, timeoutMs = 5_000): Promise<JsonLine> {
    const what = `event ${name} ${JSON.stringify(fields)}`;
    return this.waitForLine((l) => l["event"] === name && Object.entries(fields).every(([k, v]) => l[k] === v), what, since, timeoutMs);
  }

  /** Sends a command with a fresh id on stdin and resolves with its command-result line. */
  async command(command: Readonly<Record<string, unknown>>, timeoutMs = 10_000): Promise<JsonLine> {
    commandSequence += 1;
    const id = `c${commandSequence}`;
    this.#child.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
    return this.waitForLine((l) => l["event"] === "command-result" && l["id"] === id, `the result of ${JSON.stringify(command)}`, 0, timeoutMs);
  }
}
