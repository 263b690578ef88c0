/**
 * GET /xwap/v1/events: the eNB's events as Server-Sent Events (WHATWG HTML §9.2), one JSON object
 * per `data:` line with the event type as the SSE event name. A client that does not read is cut
 * off once MAX_BUFFERED_BYTES are waiting in its socket, so it can never hold the daemon's memory;
 * the bus (events.ts) bounds what waits before that.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../io/log.js";
import type { Counters } from "../../io/counters.js";
import type { BusMessage, SegwEvent, SegwEventBus } from "./events.js";
import { sendJson } from "./http-util.js";

/** Streams per eNB at most (each costs a socket and a bus queue). */
export const MAX_STREAMS_PER_ENB = 4;
const MAX_BUFFERED_BYTES = 256 * 1024;
const KEEPALIVE_MS = 15_000;

/** The open event streams, so that close() can end them. */
export class EventStreams {
  private readonly open = new Set<ServerResponse>();

  constructor(
    private readonly bus: SegwEventBus,
    private readonly log: Logger,
    private readonly counters: Counters,
    /** Events still waiting for the eNB's answer (LWIP RELEASE REQUIRED), sent again to every new stream. */
    private readonly pending: (enbName: string) => Promise<readonly SegwEvent[]> = () => Promise.resolve([]),
  ) {}

  /** Serves one stream for `enbName` until the client goes away or the server closes. */
  serve(enbName: string, req: IncomingMessage, res: ServerResponse): void {
    if (this.bus.subscriberCount(enbName) >= MAX_STREAMS_PER_ENB) {
      sendJson(res, 429, { error: `at most ${MAX_STREAMS_PER_ENB} event streams per eNB` });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" });
    res.write("retry: 2000\n\n");
    this.open.add(res);
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
    keepalive.unref();
    const unsubscribe = this.bus.subscribe(enbName, (m) => this.deliver(enbName, res, m));
    // A restarted eNB (or one whose stream broke) must still confirm what is required of it (TS 36.463 WT initiated LWIP Release).
    this.sendPending(enbName, res);
    const end = () => {
      clearInterval(keepalive);
      unsubscribe();
      this.open.delete(res);
    };
    req.on("close", end);
    res.on("close", end);
  }

  /** Ends every stream (server shutdown). */
  closeAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }

  /** Sends `enbName`'s pending LWIP RELEASE REQUIRED again on `res`. */
  private sendPending(enbName: string, res: ServerResponse): void {
    this.pending(enbName).then(
      (events) => events.forEach((event) => this.open.has(res) && this.deliver(enbName, res, { id: 0, event })),
      (e: unknown) => this.log.error("xwap", "pending events not listed", { enb: enbName, error: e instanceof Error ? e.message : String(e) }),
    );
  }

  private deliver(enbName: string, res: ServerResponse, m: BusMessage): void {
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      this.counters.add("xwap_event_stream_cut");
      this.log.warn("xwap", "event stream cut: client not reading", { enb: enbName });
      res.destroy();
      return;
    }
    const id = m.id > 0 ? `id: ${m.id}\n` : "";
    res.write(`${id}event: ${m.event.type}\ndata: ${JSON.stringify(m.event)}\n\n`);
    // Among the lost events there may have been an LWIP RELEASE REQUIRED the eNB must still answer.
    if (m.event.type === "events-lost") this.sendPending(enbName, res);
  }
}
