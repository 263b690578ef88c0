// FixedDelayTimers (src/io/clock.ts): many timers of one delay on one clock timer, each firing
// exactly `delayMs` after it was added, in the order added; time is a FakeClock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FixedDelayTimers } from "../../../src/io/clock.js";
import { FakeClock } from "../../../src/sim/fake-clock.js";

test("each item fires delayMs after it was added, in order, on one clock timer", () => {
  const clock = new FakeClock();
  const fired: [string, number][] = [];
  const timers = new FixedDelayTimers<string>(clock, 1000, (item) => fired.push([item, clock.now()]));
  timers.add("a");
  clock.advance(250);
  timers.add("b");
  timers.add("c");
  assert.equal(clock.pending, 1, "one clock timer for three items");
  assert.equal(timers.size, 3);
  clock.advance(749);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [["a", 1000]]);
  clock.advance(250);
  assert.deepEqual(fired, [["a", 1000], ["b", 1250], ["c", 1250]]);
  assert.equal(clock.pending, 0, "nothing left, no timer left");
  assert.equal(timers.size, 0);
});

test("an item added again from fire() is periodic; clear() stops everything", () => {
  const clock = new FakeClock();
  const ticks: number[] = [];
  const timers = new FixedDelayTimers<number>(clock, 300, (n) => {
    ticks.push(clock.now());
    if (n > 1) timers.add(n - 1);
  });
  timers.add(3);
  clock.advance(10_000);
  assert.deepEqual(ticks, [300, 600, 900], "three ticks, then the item no longer wants one");
  timers.add(5);
  clock.advance(300);
  timers.clear();
  assert.equal(clock.pending, 0);
  clock.advance(10_000);
  assert.deepEqual(ticks, [300, 600, 900, 10_300], "the re-added item of 10 300 never fires");
});

test("thousands of items: all fire at their time, and the queue gives its memory back", () => {
  const clock = new FakeClock();
  let fired = 0;
  const timers = new FixedDelayTimers<number>(clock, 50, (at) => {
    assert.equal(clock.now(), at + 50);
    fired++;
  });
  for (let i = 0; i < 5000; i++) {
    timers.add(clock.now());
    clock.advance(i % 3);
  }
  clock.advance(100);
  assert.equal(fired, 5000);
  assert.equal(timers.size, 0);
  assert.equal(clock.pending, 0);
});
