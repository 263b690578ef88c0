/**
 * The command channel of `lwip enb` and `lwip ue` as processes: one JSON object per line on
 * stdin, checked against a schema, answered (like every event) by one JSON object per line on
 * stdout. Lets a test harness or the demo drive the procedures of TS 33.401 clause 16 in another
 * process or network namespace.
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { z } from "zod";
import { DRB_IDENTITY_MAX, DRB_IDENTITY_MIN, DRB_TYPE_LWIP_R13 } from "./rrc.js";

/** A command line longer than this is refused. */
const MAX_COMMAND_CHARS = 64 * 1024;

export const drbIdSchema = z.number().int().min(DRB_IDENTITY_MIN).max(DRB_IDENTITY_MAX);
export const drbConfigSchema = z.strictObject({ drbId: drbIdSchema, type: z.enum(DRB_TYPE_LWIP_R13) });
/** Probe packets to send: how many, how big, how far apart. */
export const sendSchema = { count: z.number().int().min(1).max(1_000_000).default(1), size: z.number().int().min(28).max(9000).default(100), intervalMs: z.number().int().min(0).max(60_000).default(0) };
/** Any command may carry an id, echoed in its result. */
export const commandId = { id: z.union([z.string().max(100), z.number()]).optional() };

/**
 * Reads commands from `input` until it ends or close() is called; each valid one goes to
 * onCommand, each invalid line to onInvalid. close() also lets go of `input` (stdin would keep
 * the process alive).
 */
export function readJsonCommands<T>(input: Readable, schema: z.ZodType<T>, onCommand: (c: T) => void, onInvalid: (error: string) => void): { close(): void } {
  const lines = createInterface({ input, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    if (line.length > MAX_COMMAND_CHARS) return onInvalid("command line too long");
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return onInvalid("not JSON");
    }
    const c = schema.safeParse(json);
    if (c.success) return onCommand(c.data);
    const issue = c.error.issues[0];
    onInvalid(issue ? `${issue.path.map(String).join(".") || "command"}: ${issue.message}` : "invalid command");
  });
  return {
    close: () => {
      lines.close();
      input.destroy();
    },
  };
}

/** Prints one JSON object as one line on stdout. */
export function printJson(o: object): void {
  process.stdout.write(JSON.stringify(o) + "\n");
}

/** Sleeps between paced probe packets. */
export function pause(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
