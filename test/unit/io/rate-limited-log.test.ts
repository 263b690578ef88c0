// The rate-limited rejection log (src/io/rate-limited-log.ts): per reason, the first `burst`
// refusals of an interval are logged with their identifiers, the rest are summarised in one line
// once the interval is over; time comes from an injected clock, and a flood costs a bounded number of
// lines and of tracked reasons.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FakeClock } from "../../../src/sim/fake-clock.js";
import type { LogFields, Logger } from "../../../src/io/log.js";
import { OVERFLOW_REASON, RateLimitedLog } from "../../../src/io/rate-limited-log.js";

interface Line {
  readonly level: string;
  readonly subsys: string;
  readonly msg: string;
  readonly fields: LogFields;
}

function recorder(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (subsys: string, msg: string, fields: LogFields = {}) => void lines.push({ level, subsys, msg, fields });
  return { lines, log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } };
}

function setup(o: { burst?: number; intervalMs?: number; maxReasons?: number; level?: "debug" | "info" | "warn" } = {}) {
  const clock = new FakeClock();
  const { log, lines } = recorder();
  const rl = new RateLimitedLog({ clock, log, subsys: "ike", burst: 3, intervalMs: 10_000, ...o });
  return { clock, lines, rl };
}

test("the first `burst` refusals of a reason are logged with the reason, the caller's ids and a running count", () => {
  const { lines, rl } = setup();
  for (let i = 0; i < 3; i++) rl.note("out-of-window-request", "request outside the window dropped", () => ({ sa: "0102_i 0304_r", messageId: 7 + i }));
  assert.deepEqual(lines, [0, 1, 2].map((i) => ({
    level: "info", subsys: "ike", msg: "request outside the window dropped",
    fields: { sa: "0102_i 0304_r", messageId: 7 + i, reason: "out-of-window-request", count: i + 1 },
  })));
});

test("past the burst nothing is written; the first refusal after the interval writes one line: suppressed K more <reason> in the last T s", () => {
  const { clock, lines, rl } = setup();
  for (let i = 0; i < 10; i++) rl.note("esp-replay", "packet dropped");
  assert.equal(lines.length, 3, "only the burst is written during the flood");
  clock.advance(9_999);
  rl.note("esp-replay", "packet dropped");
  assert.equal(lines.length, 3, "still the same interval");
  clock.advance(1);
  rl.note("esp-replay", "packet dropped", () => ({ spi: "0000c001" }));
  assert.deepEqual(lines.slice(3), [
    { level: "info", subsys: "ike", msg: "suppressed 8 more esp-replay in the last 10 s", fields: { reason: "esp-replay", suppressed: 8, count: 11, seconds: 10 } },
    { level: "info", subsys: "ike", msg: "packet dropped", fields: { spi: "0000c001", reason: "esp-replay", count: 1 } },
  ], "the summary of the interval that ended, then the first line of a new one");
});

test("a summary written long after its interval names the interval's span, not the time since", () => {
  const { clock, lines, rl } = setup({ burst: 1 });
  rl.note("half-open-max", "packet dropped");
  clock.advance(2_000);
  rl.note("half-open-max", "packet dropped");
  clock.advance(3_600_000);
  rl.note("half-open-max", "packet dropped");
  assert.deepEqual(lines.map((l) => l.msg), ["packet dropped", "suppressed 1 more half-open-max in the last 10 s", "packet dropped"]);
});

test("no timer is ever scheduled: an idle process holds none", () => {
  const { clock, rl } = setup({ burst: 0 });
  for (let i = 0; i < 100; i++) rl.note(`r${i % 3}`, "m");
  assert.equal(clock.pending, 0);
});

test("an interval without suppression ends silently and the next refusal opens a new one", () => {
  const { clock, lines, rl } = setup();
  rl.note("NO_ADDITIONAL_SAS", "CREATE_CHILD_SA refused");
  clock.advance(10_000);
  rl.note("NO_ADDITIONAL_SAS", "CREATE_CHILD_SA refused");
  assert.deepEqual(lines.map((l) => [l.msg, l.fields.count]), [["CREATE_CHILD_SA refused", 1], ["CREATE_CHILD_SA refused", 1]]);
});

test("reasons are limited independently: one reason's flood does not silence another", () => {
  const { lines, rl } = setup({ burst: 2 });
  for (let i = 0; i < 50; i++) rl.note("esp-icv", "packet dropped");
  rl.note("CHILD_SA_NOT_FOUND", "CREATE_CHILD_SA refused", () => ({ rekeySpi: "c0ffee01" }));
  assert.deepEqual(lines.map((l) => l.fields.reason), ["esp-icv", "esp-icv", "CHILD_SA_NOT_FOUND"]);
  assert.equal(lines[2]?.fields.rekeySpi, "c0ffee01");
});

test("identifiers are computed only for lines that are written", () => {
  const { lines, rl } = setup({ burst: 1 });
  let calls = 0;
  for (let i = 0; i < 100; i++) rl.note("esp-bad-spi", "packet dropped", () => ({ spi: String(++calls) }));
  assert.equal(calls, 1);
  assert.equal(lines.length, 1);
});

test("flush writes the summaries still due and resets every reason (shutdown)", () => {
  const { clock, lines, rl } = setup({ burst: 1 });
  rl.note("a", "x");
  rl.note("a", "x");
  rl.note("b", "y");
  clock.advance(2_000);
  rl.flush();
  assert.deepEqual(lines.map((l) => l.msg), ["x", "y", "suppressed 1 more a in the last 2 s"]);
  assert.equal(rl.trackedReasons, 0);
  rl.note("a", "x");
  assert.equal(lines.at(-1)?.msg, "x", "a new interval starts after a flush");
});

test("the level is the one configured; warn for example", () => {
  const { lines, rl } = setup({ level: "warn", burst: 0 });
  rl.note("r", "m");
  rl.flush();
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [["warn", "suppressed 1 more r in the last 1 s"]]);
});

test("more distinct reasons than maxReasons share one entry: memory stays bounded", () => {
  const { lines, rl } = setup({ maxReasons: 4, burst: 1 });
  for (let i = 0; i < 1000; i++) rl.note(`reason-${i}`, "m");
  assert.ok(rl.trackedReasons <= 5, `${rl.trackedReasons} reasons tracked`);
  assert.deepEqual(lines.map((l) => l.fields.reason), ["reason-0", "reason-1", "reason-2", "reason-3", OVERFLOW_REASON]);
});

test("configuration errors throw RangeError", () => {
  const { log } = recorder();
  const clock = new FakeClock();
  assert.throws(() => new RateLimitedLog({ clock, log, subsys: "x", burst: -1 }), RangeError);
  assert.throws(() => new RateLimitedLog({ clock, log, subsys: "x", intervalMs: 0 }), RangeError);
  assert.throws(() => new RateLimitedLog({ clock, log, subsys: "x", maxReasons: 0 }), RangeError);
});

test("property: over any schedule, lines per reason never exceed burst per interval plus one summary, and logged + suppressed = refusals", () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 4 }),
    fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3_000 }), reason: fc.constantFrom("a", "b", "c") }), { maxLength: 200 }),
    (burst, events) => {
      const { clock, lines, rl } = setup({ burst, intervalMs: 1_000 });
      for (const e of events) {
        clock.advance(e.gap);
        rl.note(e.reason, "dropped");
      }
      rl.flush();
      for (const reason of ["a", "b", "c"]) {
        const refusals = events.filter((e) => e.reason === reason).length;
        const mine = lines.filter((l) => l.fields.reason === reason);
        const logged = mine.filter((l) => l.msg === "dropped").length;
        const suppressed = mine.reduce((n, l) => n + (typeof l.fields.suppressed === "number" ? l.fields.suppressed : 0), 0);
        assert.equal(logged + suppressed, refusals);
        const totalMs = events.reduce((n, e) => n + e.gap, 0);
        const intervals = Math.floor(totalMs / 1_000) + 1;
        assert.ok(mine.length <= (burst + 1) * intervals, `${mine.length} lines for ${refusals} refusals in ${intervals} intervals`);
      }
    },
  ), { numRuns: 200 });
});
