// One `lwip` process on a host of the three-host lab: JSON objects, one per line, on one stream
// (stdout for `lwip enb` / `lwip ue` events, stderr for the SeGW daemon's logs), JSON commands on
// stdin. Waits are bounded and event-driven (they wake on every new line and on exit) and fail at
// once when the process exits, with its output and the lab's other processes in the message.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import type { JsonStream } from "./json-lines.js";
import { isJsonObject, JsonLineParser, type JsonLine } from "./json-line-parser.js";
import type { LwipHosts, Host } from "./lwip-hosts.js";
import type { ExitStatus } from "./lwip.js";


let commandSequence = 0;

/** A running process, what it printed, and a command channel. */
export class HostProcess {
  /** Parsed objects, in order. */
  readonly lines: JsonLine[] = [];
  /** Lines of the JSON stream that were not a JSON object. */
  readonly badLines: string[] = [];
  readonly label: string;
  /** Diagnostics of the rest of the lab, appended to failures. */
  context: () => string = () => "";
  #other = "";
  readonly #parser = new JsonLineParser(isJsonObject);
  #exit: ExitStatus | null = null;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #hosts: LwipHosts;
  readonly #listeners = new Set<() => void>();
  readonly #closed: Promise<void>;

  private constructor(hosts: LwipHosts, child: ChildProcessWithoutNullStreams, stream: JsonStream, label: string) {
    this.#hosts = hosts;
    this.#child = child;
    this.label = label;
    const [json, other] = stream === "stdout" ? [child.stdout, child.stderr] : [child.stderr, child.stdout];
    json.setEncoding("utf8").on("data", (chunk: string) => this.#onJson(chunk));
    other.setEncoding("utf8").on("data", (chunk: string) => {
      this.#other += chunk;
    });
    // A command written after the process died must fail the wait, not the test process.
    child.stdin.on("error", () => undefined);
    this.#closed = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        this.#exit = { code, signal };
        this.#notify();
        resolve();
      });
    });
  }

  /** Starts `argv` on `host`; `label` names it in messages. */
  static start(hosts: LwipHosts, host: Host, argv: readonly string[], stream: JsonStream, label: string): HostProcess {
    return new HostProcess(hosts, hosts.spawn(host, argv), stream, label);
  }

  #onJson(chunk: string): void {
    const { values, bad } = this.#parser.push(chunk);
    this.lines.push(...values);
    this.badLines.push(...bad);
    this.#notify();
  }

  #notify(): void {
    for (const fn of [...this.#listeners]) fn();
  }

  /** Exit status, or null while running. */
  get exit(): ExitStatus | null {
    return this.#exit;
  }

  /** Index of the next line: a wait `since` it sees only what comes after this call. */
  mark(): number {
    return this.lines.length;
  }

  /** The lines from index `since` on that match. */
  matching(pred: (l: JsonLine) => boolean, since = 0): JsonLine[] {
    return this.lines.slice(since).filter(pred);
  }

  /** The last `n` JSON lines, the non-JSON lines and the other stream's tail. */
  diagnostics(n = 30): string {
    return [
      `--- ${this.label}: exit ${this.#exit === null ? "running" : JSON.stringify(this.#exit)}; last ${Math.min(n, this.lines.length)} of ${this.lines.length} JSON lines:`,
      ...this.lines.slice(-n).map((l) => JSON.stringify(l)),
      ...(this.badLines.length > 0 ? ["--- non-JSON lines:", ...this.badLines.slice(-n)] : []),
      ...(this.#other.trim() === "" ? [] : ["--- other stream (tail):", this.#other.split("\n").slice(-n).join("\n")]),
    ].join("\n");
  }

  /**
   * Resolves with the first line from index `since` on (printed or still to come) that matches.
   * Rejects when the process exits first or after `timeoutMs`.
   */
  waitFor(pred: (l: JsonLine) => boolean, what: string, since = 0, timeoutMs = 5_000): Promise<JsonLine> {
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        done();
        reject(new Error(`${this.label}: ${why} waiting for ${what}\n${this.diagnostics()}\n${this.context()}`));
      };
      const check = (): void => {
        const hit = this.lines.slice(since).find(pred);
        if (hit !== undefined) {
          done();
          resolve(hit);
        } else if (this.#exit !== null) {
          fail("exited");
        }
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** The first event named `name` (and with those fields) from `since` on. */
  event(name: string, fields: Readonly<Record<string, unknown>> = {}, since = 0, timeoutMs = 5_000): Promise<JsonLine> {
    const what = `event ${name} ${JSON.stringify(fields)}`;
    return this.waitFor((l) => l["event"] === name && Object.entries(fields).every(([k, v]) => l[k] === v), what, since, timeoutMs);
  }

  /** Sends a command with a fresh id on stdin and resolves with its command-result line. */
  async command(command: Readonly<Record<string, unknown>>, timeoutMs = 10_000): Promise<JsonLine> {
    commandSequence += 1;
    const id = `c${commandSequence}`;
    this.#child.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
    return this.waitFor((l) => l["event"] === "command-result" && l["id"] === id, `the result of ${JSON.stringify(command)}`, 0, timeoutMs);
  }

  /** Sends SIGTERM (SIGKILL after `graceMs`) and resolves with the exit status. */
  async stop(graceMs = 5_000): Promise<ExitStatus> {
    if (this.#exit === null) await this.#hosts.stopChild(this.#child, graceMs);
    await this.#closed;
    return this.#exit ?? { code: null, signal: null };
  }
}
