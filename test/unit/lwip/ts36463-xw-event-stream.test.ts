// The eNB's follower of the SeGW's event stream (TS 36.463 LWIP procedures carried as events): after
// the SeGW says events were lost, the eNB must check what the SeGW holds, as it does when the stream
// (re)opens, or a tunnel-down it never saw would leave a UE on a dead tunnel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { XwClient, type XwStreamEvent } from "../../../src/lwip/enb-xw.js";
import type { ControlApiClient, StreamEvent } from "../../../src/segw/control-api/client.js";
import { silentLogger } from "../../../src/io/log.js";

/** A control API whose one event stream opens, delivers `events`, and then waits for stop(). */
function apiWith(events: readonly StreamEvent[]): ControlApiClient {
  const api = {
    events: async (onEvent: (e: StreamEvent) => void, signal: AbortSignal, onOpen?: () => void) => {
      onOpen?.();
      for (const e of events) onEvent(e);
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      return { status: 200, body: undefined };
    },
  };
  return api as unknown as ControlApiClient;
}

const TUNNEL_UP: StreamEvent = {
  type: "tunnel-up",
  data: { enbUeXwapId: "000001", wtUeXwapId: "000002", ikeInitiatorIdentity: "00112233445566778899aabbccddeeff", innerAddress: "10.45.0.2" },
};

async function follow(events: readonly StreamEvent[]): Promise<{ opened: number; delivered: XwStreamEvent[] }> {
  let opened = 0;
  const delivered: XwStreamEvent[] = [];
  const stream = new XwClient(apiWith(events), silentLogger).streamEvents((e) => delivered.push(e), () => opened++);
  await new Promise((r) => setImmediate(r));
  stream.stop();
  return { opened, delivered };
}

test("events-lost from the SeGW makes the eNB check what the SeGW holds, as a reopened stream does", async () => {
  const { opened, delivered } = await follow([TUNNEL_UP, { type: "events-lost", data: { count: 3 } }]);
  assert.equal(opened, 2, "once when the stream opened, once for the lost events");
  assert.deepEqual(delivered.map((e) => e.type), ["tunnel-up"], "events-lost itself is not an event of a UE");
});

test("without lost events the check runs only when the stream opens", async () => {
  const { opened, delivered } = await follow([TUNNEL_UP]);
  assert.equal(opened, 1);
  assert.equal(delivered.length, 1);
});
