// SeGW Prometheus metrics: hot-path counters appear with their labels in the exposition format,
// and the metrics server serves them over HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { SegwMetrics, startMetricsServer } from "../../../src/segw/metrics.js";
import { Counters } from "../../../src/io/counters.js";

test("handshakes, traffic, drops, gauges and named counters are exported", async () => {
  const counters = new Counters();
  let active = 3;
  const m = new SegwMetrics({ counters, activeUes: () => active, provisioningEntries: () => 7 });
  m.handshakeEstablished();
  m.handshakeEstablished();
  m.handshakeAuthFailed("psk-used");
  for (let i = 0; i < 5; i++) m.uplink(100);
  m.downlink(1400);
  m.drop("forbidden-destination");
  m.drop("rate-limit-ue", 4);
  counters.add("xwap_forbidden");
  const text = await m.metrics();
  const line = (s: string) => assert.ok(text.split("\n").includes(s), `missing line: ${s}\n${text}`);
  line('lwip_segw_handshakes_total{outcome="established",reason=""} 2');
  line('lwip_segw_handshakes_total{outcome="auth_failed",reason="psk-used"} 1');
  line('lwip_segw_handshakes_total{outcome="auth_failed",reason="wrong-psk"} 0');
  line('lwip_segw_packets_total{direction="uplink"} 5');
  line('lwip_segw_bytes_total{direction="uplink"} 500');
  line('lwip_segw_bytes_total{direction="downlink"} 1400');
  line('lwip_segw_drops_total{reason="rate-limit-ue"} 4');
  line('lwip_segw_drops_total{reason="forbidden-destination"} 1');
  line('lwip_segw_events_total{name="xwap_forbidden"} 1');
  line("lwip_segw_active_ues 3");
  line("lwip_segw_provisioning_entries 7");
  // Scrapes read current values, not sums of earlier scrapes.
  active = 1;
  m.uplink(50);
  const again = await m.metrics();
  assert.ok(again.includes('lwip_segw_packets_total{direction="uplink"} 6\n'));
  assert.ok(again.includes("lwip_segw_active_ues 1\n"));
});

test("startMetricsServer serves GET /metrics and nothing else", async () => {
  const m = new SegwMetrics();
  m.handshakeAuthFailed("unknown-identity");
  const server = await startMetricsServer("127.0.0.1", 0, m);
  const get = (path: string) =>
    new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.port, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
      });
      req.on("error", reject);
      req.end();
    });
  try {
    const r = await get("/metrics");
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/);
    assert.ok(r.body.includes('lwip_segw_handshakes_total{outcome="auth_failed",reason="unknown-identity"} 1'));
    assert.equal((await get("/")).status, 404);
  } finally {
    await server.close();
  }
});
