// The SeGW event bus: per-eNB delivery in order, bounded queues that never block the publisher.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SegwEventBus, type BusMessage, type SegwEvent } from "../../../src/segw/control-api/events.js";

function downEvent(n: number): SegwEvent {
  return { type: "tunnel-down", enbUeXwapId: "000001", wtUeXwapId: n.toString(16).padStart(6, "0"), ikeInitiatorIdentity: "01", reason: "deleted-by-peer" };
}

/** A bus whose deliveries run only when the test says so. */
function manualBus(maxQueue: number) {
  const pending: (() => void)[] = [];
  const bus = new SegwEventBus({ maxQueue, defer: (fn) => pending.push(fn) });
  return { bus, run: () => pending.splice(0).forEach((fn) => fn()) };
}

test("events reach only the subscribers of their eNB, in order, after publish returns", () => {
  const { bus, run } = manualBus(16);
  const a: BusMessage[] = [];
  const b: BusMessage[] = [];
  bus.subscribe("alpha", (m) => a.push(m));
  bus.subscribe("bravo", (m) => b.push(m));
  bus.publish("alpha", downEvent(1));
  bus.publish("alpha", downEvent(2));
  assert.equal(a.length, 0, "publish does not call subscribers itself");
  run();
  assert.deepEqual(a.map((m) => (m.event.type === "tunnel-down" ? m.event.wtUeXwapId : "")), ["000001", "000002"]);
  assert.ok((a[0]?.id ?? 0) < (a[1]?.id ?? 0));
  assert.deepEqual(b, []);
});

test("a subscriber that does not keep up loses its oldest events and is told how many", () => {
  const { bus, run } = manualBus(3);
  const got: BusMessage[] = [];
  bus.subscribe("alpha", (m) => got.push(m));
  for (let i = 1; i <= 10; i++) bus.publish("alpha", downEvent(i));
  run();
  assert.deepEqual(got[0]?.event, { type: "events-lost", count: 7 });
  assert.deepEqual(got.slice(1).map((m) => (m.event.type === "tunnel-down" ? m.event.wtUeXwapId : "")), ["000008", "000009", "00000a"]);
  assert.equal(bus.dropped, 7);
});

test("unsubscribing stops delivery, also of queued events", () => {
  const { bus, run } = manualBus(8);
  const got: BusMessage[] = [];
  const stop = bus.subscribe("alpha", (m) => got.push(m));
  bus.publish("alpha", downEvent(1));
  stop();
  run();
  bus.publish("alpha", downEvent(2));
  run();
  assert.deepEqual(got, []);
  assert.equal(bus.subscriberCount("alpha"), 0);
});
