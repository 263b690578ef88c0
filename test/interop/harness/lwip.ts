// The project's CLI (`lwip ike responder|initiator`, /work/notes/cli-contract.md) run inside a
// namespace. stdout carries one JSON object per line and event; stderr carries the logs.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Topology } from "./netns.js";
import { JsonLineParser } from "./json-line-parser.js";

/** One JSON-lines event of the CLI, e.g. {"event":"ike-sa-up",...}. */
export interface LwipEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** Path of the compiled CLI: $LWIP_CLI, else <build root>/src/cli/main.js next to this test build. */
export function lwipCliPath(): string {
  const fromEnv = process.env["LWIP_CLI"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  // this file is <build root>/test/interop/harness/lwip.js
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "src", "cli", "main.js");
}

/** True when the compiled CLI exists. */
export function lwipCliAvailable(): boolean {
  return existsSync(lwipCliPath());
}

/** How the process ended. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

function isEvent(value: unknown): value is LwipEvent {
  return typeof value === "object" && value !== null && typeof (value as { event?: unknown }).event === "string";
}

/** A running `lwip ike ...` process and everything it printed. */
export class LwipProcess {
  /** Parsed events, in order. */
  readonly events: LwipEvent[] = [];
  /** stdout lines that were not a JSON object with an "event" field (a contract violation). */
  readonly badLines: string[] = [];
  readonly argv: readonly string[];
  #stderr = "";
  readonly #parser = new JsonLineParser(isEvent);
  #exit: ExitStatus | null = null;
  readonly #child: ChildProcess;
  readonly #topo: Topology;
  readonly #listeners = new Set<() => void>();

  private constructor(topo: Topology, child: ChildProcess, argv: readonly string[]) {
    this.#topo = topo;
    this.#child = child;
    this.argv = argv;
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => this.#onStdout(chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stderr += chunk;
    });
    child.once("close", (code, signal) => {
      this.#exit = { code, signal };
      this.#notify();
    });
  }

  /** Starts `node <cli> ike <args...>` in namespace `ns` (`cli` defaults to {@link lwipCliPath}). */
  static start(topo: Topology, ns: string, args: readonly string[], cli = lwipCliPath()): LwipProcess {
    const argv = [process.execPath, "--enable-source-maps", cli, "ike", ...args];
    return new LwipProcess(topo, topo.spawn(ns, argv), argv);
  }

  #onStdout(chunk: string): void {
    const { values, bad } = this.#parser.push(chunk);
    this.events.push(...values);
    this.badLines.push(...bad);
    this.#notify();
  }

  #notify(): void {
    for (const fn of this.#listeners) fn();
  }

  /** Everything written to stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Exit status, or null while running. */
  get exit(): ExitStatus | null {
    return this.#exit;
  }

  /** A failure report: command, exit status, events and the stderr tail. */
  diagnostics(lines = 60): string {
    const tail = this.#stderr.split("\n").slice(-lines - 1).join("\n");
    return [
      `--- lwip: ${this.argv.slice(2).join(" ")}`,
      `--- exit: ${this.#exit === null ? "running" : JSON.stringify(this.#exit)}`,
      `--- events (${this.events.length}):`,
      ...this.events.map((e) => JSON.stringify(e)),
      ...(this.badLines.length > 0 ? ["--- non-JSON stdout lines:", ...this.badLines] : []),
      `--- stderr (last ${lines} lines):`,
      tail,
    ].join("\n");
  }

  /**
   * Resolves with the first event from index `since` on (already printed or still to come) that
   * matches: an event name or a predicate. Rejects at once when the process exits without it, or
   * after `timeoutMs`, with {@link diagnostics} in the message.
   */
  waitForEvent(match: string | ((e: LwipEvent) => boolean), timeoutMs: number, since = 0): Promise<LwipEvent> {
    const pred = typeof match === "string" ? (e: LwipEvent) => e.event === match : match;
    const what = typeof match === "string" ? `event '${match}'` : "a matching event";
    return this.#waitFor(() => this.events.slice(since).find(pred), timeoutMs, what);
  }

  /** Resolves with the exit status; rejects (with diagnostics) if still running after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<ExitStatus> {
    return this.#waitFor(() => this.#exit ?? undefined, timeoutMs, "process exit", false);
  }

  #waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string, failOnExit = true): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const value = probe();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (failOnExit && this.#exit !== null) {
          done();
          reject(new Error(`lwip exited before ${what}\n${this.diagnostics()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.diagnostics()}`));
      }, timeoutMs);
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
    if (this.#exit === null) await this.#topo.stopChild(this.#child, graceMs);
    return this.waitForExit(2_000);
  }
}
