// Splits a stream of text chunks into JSON lines: complete lines are parsed, the accepted objects
// and the unparsable or unaccepted lines are returned, a partial last line waits for the next chunk.
// Shared by the harness's process wrappers (lwip.ts, json-lines.ts, lwip-hosts-process.ts).

/** One parsed line: any JSON object. */
export type JsonLine = Readonly<Record<string, unknown>>;

export function isJsonObject(value: unknown): value is JsonLine {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class JsonLineParser<T> {
  private rest = "";

  constructor(private readonly accept: (value: unknown) => value is T) {}

  /** The values and bad lines completed by `chunk`. */
  push(chunk: string): { readonly values: T[]; readonly bad: string[] } {
    const parts = (this.rest + chunk).split("\n");
    this.rest = parts.pop() ?? "";
    const values: T[] = [];
    const bad: string[] = [];
    for (const line of parts) {
      if (line.trim() === "") continue;
      try {
        const value: unknown = JSON.parse(line);
        if (this.accept(value)) values.push(value);
        else bad.push(line);
      } catch {
        bad.push(line);
      }
    }
    return { values, bad };
  }
}
