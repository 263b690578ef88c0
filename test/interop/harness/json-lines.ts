// A process inside a namespace that writes one JSON object per line on one of its streams: the
// SeGW daemon (its logs, on stderr), `lwip segw ctl events` (stdout), the packet taps (stdout)
// and our own UE (stdout). Unlike LwipProcess (lwip.ts), the objects need no "event" field and
// the stream is chosen by the caller.
import type { ChildProcess } from "node:child_process";
import type { ExitStatus } from "./lwip.js";
import type { Topology } from "./netns.js";
import { isJsonObject, JsonLineParser, type JsonLine } from "./json-line-parser.js";

export type { JsonLine } from "./json-line-parser.js";

/** Which stream carries the JSON lines; the other one is kept as text for diagnostics. */
export type JsonStream = "stdout" | "stderr";


/** A running process and the JSON objects it has printed so far. */
export class JsonLinesProcess {
  /** Parsed objects, in order. */
  readonly lines: JsonLine[] = [];
  /** Lines of the JSON stream that were not a JSON object. */
  readonly badLines: string[] = [];
  readonly label: string;
  #other = "";
  readonly #parser = new JsonLineParser(isJsonObject);
  #exit: ExitStatus | null = null;
  readonly #stopChild: (graceMs: number) => Promise<void>;
  readonly #listeners = new Set<() => void>();
  readonly #closed: Promise<void>;

  /** `stopChild` sends the child SIGTERM (SIGKILL after graceMs) wherever it was spawned. */
  protected constructor(child: ChildProcess, stream: JsonStream, label: string, stopChild: (graceMs: number) => Promise<void>) {
    this.#stopChild = stopChild;
    this.label = label;
    const json = stream === "stdout" ? child.stdout : child.stderr;
    const other = stream === "stdout" ? child.stderr : child.stdout;
    json?.setEncoding("utf8").on("data", (chunk: string) => this.#onJson(chunk));
    other?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#other += chunk;
    });
    this.#closed = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        this.#exit = { code, signal };
        this.#notify();
        resolve();
      });
    });
  }

  /** Starts `argv` in namespace `ns`; `label` names it in error messages. */
  static start(topo: Topology, ns: string, argv: readonly string[], stream: JsonStream, label: string): JsonLinesProcess {
    const child = topo.spawn(ns, argv);
    return new JsonLinesProcess(child, stream, label, (graceMs) => topo.stopChild(child, graceMs));
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
  diagnostics(n = 40): string {
    return [
      `--- ${this.label}: exit ${this.#exit === null ? "running" : JSON.stringify(this.#exit)}; last ${n} of ${this.lines.length} JSON lines:`,
      ...this.lines.slice(-n).map((l) => JSON.stringify(l)),
      ...(this.badLines.length > 0 ? ["--- non-JSON lines:", ...this.badLines.slice(-n)] : []),
      ...(this.#other.trim() === "" ? [] : ["--- other stream (tail):", this.#other.split("\n").slice(-n).join("\n")]),
    ].join("\n");
  }

  /**
   * Resolves with the first line from index `since` on (printed or still to come) that matches.
   * Rejects when the process exits first or after `timeoutMs`, with {@link diagnostics} and
   * `extra` (e.g. the other peer's log) in the message.
   */
  waitFor(pred: (l: JsonLine) => boolean, timeoutMs: number, what: string, since = 0, extra: () => string = () => ""): Promise<JsonLine> {
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        done();
        reject(new Error(`${this.label}: ${why} waiting for ${what}\n${this.diagnostics()}\n${extra()}`));
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

  /** Sends SIGTERM (SIGKILL after `graceMs`) and resolves with the exit status. */
  async stop(graceMs = 5_000): Promise<ExitStatus> {
    if (this.#exit === null) await this.#stopChild(graceMs);
    await this.#closed;
    return this.#exit ?? { code: null, signal: null };
  }
}
