// A child process that prints one JSON object per line on stdout and takes JSON commands on stdin:
// events are collected in order, waits are bounded and fail with the child's stderr.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";

export type JsonLine = Record<string, unknown>;

export class JsonChild {
  readonly lines: JsonLine[] = [];
  private stderr = "";
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private wake: () => void = () => {};
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(readonly name: string, argv: readonly string[]) {
    this.child = spawn(process.execPath, argv, { stdio: ["pipe", "pipe", "pipe"] });
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      try {
        this.lines.push(JSON.parse(line) as JsonLine);
      } catch {
        this.lines.push({ event: "not-json", line });
      }
      this.wake();
    });
    this.child.stderr.on("data", (c: Buffer) => (this.stderr += c.toString("utf8")));
    this.child.on("exit", (code, signal) => {
      this.exit = { code, signal };
      this.wake();
    });
  }

  send(command: object): void {
    this.child.stdin.write(JSON.stringify(command) + "\n");
  }

  /** The first line from index `from` on that matches, waiting up to `ms`. */
  async waitFor(match: (l: JsonLine) => boolean, what: string, from = 0, ms = 5000): Promise<JsonLine> {
    const end = Date.now() + ms;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found) return found;
      if (this.exit) throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before ${what}:\n${this.stderr}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`${this.name}: timed out after ${ms} ms waiting for ${what}:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  event(name: string, from = 0, ms = 5000): Promise<JsonLine> {
    return this.waitFor((l) => l["event"] === name, `event ${name}`, from, ms);
  }

  /** Sends a command with an id and waits for its result. */
  async command(command: object, ms = 5000): Promise<JsonLine> {
    const id = `c${this.lines.length}-${Math.random().toString(36).slice(2, 8)}`;
    this.send({ ...command, id });
    return this.waitFor((l) => l["event"] === "command-result" && l["id"] === id, `the result of ${JSON.stringify(command)}`, 0, ms);
  }

  /** SIGTERM, then the exit status (or a kill after `ms`). */
  async stop(ms = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exit) this.child.kill("SIGTERM");
    const end = Date.now() + ms;
    while (!this.exit && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    if (!this.exit) {
      this.child.kill("SIGKILL");
      throw new Error(`${this.name} did not exit after SIGTERM:\n${this.stderr}`);
    }
    return this.exit;
  }
}
