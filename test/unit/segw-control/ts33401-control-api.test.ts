// The SeGW control API (TS 33.401 16.2.3 over TLS 1.3 with mutual certificates; XwAP LWIP
// procedures of TS 36.463) on 127.0.0.1, with a PKI made by src/pki in a temp folder.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:tls";
import { request } from "node:https";
import { ControlApiClient } from "../../../src/segw/control-api/client.js";
import { releaseRequiredEvent, tunnelDownEvent, tunnelUpEvent } from "../../../src/segw/control-api/events.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { additionBody, GTPU_ADDRESS, makePki, PSK_HEX, removePki, startHarness, waitFor, type Harness, type Pki } from "./fixtures.js";

let pki: Pki;
let foreign: Pki;
let h: Harness;

before(async () => {
  [pki, foreign] = await Promise.all([makePki(), makePki()]);
  h = await startHarness(pki);
});

after(async () => {
  await h.api.close();
  removePki(pki);
  removePki(foreign);
});

type Ack = { enbUeXwapId: string; wtUeXwapId: string; lwipSegwGtpTunnelEndpoint: { transportLayerAddress: string; gtpTeid: string } };
type Listing = { ues: { wtUeXwapId: string; ikeInitiatorIdentity: string; state: string; windowRemainingSeconds: number | null }[] };

test("GET /healthz answers a certified client", async () => {
  const r = await h.client("alpha").call("GET", "/healthz");
  assert.deepEqual(r, { status: 200, body: { status: "ok" } });
});

test("LWIP Addition Preparation, listing and eNB-initiated release", async () => {
  const a = h.client("alpha");
  const add = await a.call("POST", "/xwap/v1/lwip-addition-request", additionBody("a1a1", { windowSeconds: 60 }));
  assert.equal(add.status, 200, JSON.stringify(add.body));
  const ack = add.body as Ack;
  assert.equal(ack.enbUeXwapId, "000001");
  assert.match(ack.wtUeXwapId, /^[0-9a-f]{6}$/);
  assert.equal(ack.lwipSegwGtpTunnelEndpoint.transportLayerAddress, GTPU_ADDRESS);
  assert.match(ack.lwipSegwGtpTunnelEndpoint.gtpTeid, /^[0-9a-f]{8}$/);
  assert.notEqual(ack.lwipSegwGtpTunnelEndpoint.gtpTeid, "00000000");

  // The IKEv2 responder now finds the PSK by IDi.
  const psk = h.store.lookupPsk(hex("a1a1"));
  assert.ok(psk.ok);
  assert.equal(Buffer.from(psk.psk).toString("hex"), PSK_HEX);
  assert.equal(psk.entry.enbGtpTunnelEndpoint?.transportLayerAddress, "198.18.1.2");

  h.clock.advance(10_000);
  const list = await a.call("GET", "/xwap/v1/ues");
  assert.equal(list.status, 200);
  const ue = (list.body as Listing).ues.find((u) => u.ikeInitiatorIdentity === "a1a1");
  assert.ok(ue);
  assert.equal(ue.state, "provisioned");
  assert.equal(ue.windowRemainingSeconds, 50);
  assert.ok(!JSON.stringify(list.body).includes(PSK_HEX), "the PSK is write-only");

  const rel = await a.call("POST", "/xwap/v1/lwip-release-request", { wtUeXwapId: ack.wtUeXwapId, enbUeXwapId: "000001" });
  assert.deepEqual(rel, { status: 204, body: undefined });
  assert.equal(h.store.get(hex("a1a1")), undefined);
  assert.equal(h.released.at(-1)?.reason, "enb-release");
  assert.ok(!h.logLines.some((l) => l.includes(PSK_HEX)), "no log line carries the PSK");
  assert.ok(h.logLines.some((l) => l.includes("LWIP ADDITION REQUEST ACKNOWLEDGE") && l.includes('"idi":"a1a1"')));
});

test("a client without a certificate is refused during the TLS handshake", async () => {
  const attempt = new Promise<number>((resolve, reject) => {
    const req = request(`${h.url}/healthz`, { ca: pki.pem("ca.pem"), agent: false }, (res) => resolve(res.statusCode ?? 0));
    req.on("error", reject);
    req.end();
  });
  await assert.rejects(attempt);
  assert.ok(h.counters.get("xwap_tls_refused") >= 1);
});

test("a certificate from another CA is refused", async () => {
  const c = new ControlApiClient({ api: h.url, cert: foreign.pem("enb-alpha.pem"), key: foreign.pem("enb-alpha-key.pem"), ca: pki.pem("ca.pem") });
  await assert.rejects(c.call("GET", "/xwap/v1/ues"));
  // The server logs why (node refuses such a certificate just after the handshake).
  await waitFor(() => h.logLines.some((l) => l.includes("TLS handshake refused") && l.includes("UNABLE_TO_VERIFY_LEAF_SIGNATURE")), "the refusal's log line");
});

test("TLS 1.2 is refused", async () => {
  const outcome = await new Promise<string>((resolve) => {
    const s = connect({ host: "127.0.0.1", port: h.api.port, maxVersion: "TLSv1.2", ca: pki.pem("ca.pem"), cert: pki.pem("enb-alpha.pem"), key: pki.pem("enb-alpha-key.pem") });
    s.on("secureConnect", () => {
      resolve(`connected with ${s.getProtocol() ?? "?"}`);
      s.destroy();
    });
    s.on("error", (e: Error & { code?: string }) => resolve(e.code ?? e.message));
  });
  assert.doesNotMatch(outcome, /^connected/);
});

test("a valid certificate of no configured eNB gets 403 with a JSON error, a log line and a counter", async () => {
  const before = h.counters.get("xwap_forbidden");
  const r = await h.client("charlie").call("GET", "/xwap/v1/ues");
  assert.equal(r.status, 403);
  assert.match((r.body as { error: string }).error, /configured eNB/);
  assert.equal(h.counters.get("xwap_forbidden"), before + 1);
  assert.ok(h.logLines.some((l) => l.includes("client certificate refused") && l.includes("charlie")));
});

test("eNB B can neither list nor release nor confirm eNB A's UEs", async () => {
  const add = await h.client("alpha").call("POST", "/xwap/v1/lwip-addition-request", additionBody("b0b0", { enbUeXwapId: "000002" }));
  const ack = add.body as Ack;
  const b = h.client("bravo");
  const list = await b.call("GET", "/xwap/v1/ues");
  assert.deepEqual(list, { status: 200, body: { ues: [] } });
  const byWt = await b.call("POST", "/xwap/v1/lwip-release-request", { wtUeXwapId: ack.wtUeXwapId });
  assert.equal(byWt.status, 404);
  const byIdi = await b.call("POST", "/xwap/v1/lwip-release-request", { ikeInitiatorIdentity: "b0b0" });
  assert.equal(byIdi.status, 404);
  const confirm = await b.call("POST", "/xwap/v1/lwip-release-confirm", { wtUeXwapId: ack.wtUeXwapId, enbUeXwapId: "000002" });
  assert.equal(confirm.status, 404);
  // Nor take the IDi over by provisioning it.
  const steal = await b.call("POST", "/xwap/v1/lwip-addition-request", additionBody("b0b0", { enbGtpTunnelEndpoint: undefined }));
  assert.equal(steal.status, 409);
  assert.equal(h.store.get(hex("b0b0"))?.enbName, "alpha");
  await h.client("alpha").call("POST", "/xwap/v1/lwip-release-request", { ikeInitiatorIdentity: "b0b0" });
});

test("invalid bodies get 400 naming the bad field", async () => {
  const a = h.client("alpha");
  const cases: [unknown, string][] = [
    [additionBody("c1", { enbUeXwapId: "01" }), "enbUeXwapId"],
    [additionBody("c1", { ueIdentity: "not-a-mac" }), "ueIdentity"],
    [additionBody("c1", { lwipSegwSecurityInformation: { lwipPsk: "00", ikeInitiatorIdentity: "c1" } }), "lwipSegwSecurityInformation.lwipPsk"],
    [additionBody("c1", { enbGtpTunnelEndpoint: { transportLayerAddress: "198.18.1.300", gtpTeid: "00000001" } }), "enbGtpTunnelEndpoint.transportLayerAddress"],
    [additionBody("c1", { windowSeconds: "30" }), "windowSeconds"],
    [additionBody("c1", { psk: PSK_HEX }), "psk"],
    [{ ...additionBody("c1"), ueIdentity: undefined }, "ueIdentity"],
  ];
  for (const [body, field] of cases) {
    const r = await a.call("POST", "/xwap/v1/lwip-addition-request", body);
    assert.equal(r.status, 400, JSON.stringify(body));
    const b = r.body as { error: string; field: string };
    assert.equal(b.field, field);
    assert.match(b.error, new RegExp(field.replace(/[.[\]]/g, "\\$&")));
  }
  const noKey = await a.call("POST", "/xwap/v1/lwip-release-request", { enbUeXwapId: "000001" });
  assert.equal(noKey.status, 400);
  assert.equal((noKey.body as { field: string }).field, "wtUeXwapId");
  assert.equal(h.store.get(hex("c1")), undefined);
});

test("malformed JSON, wrong content type, wrong method and unknown paths", async () => {
  const raw = (method: string, path: string, body: string, type: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${h.url}${path}`, { method, agent: false, ca: pki.pem("ca.pem"), cert: pki.pem("enb-alpha.pem"), key: pki.pem("enb-alpha-key.pem"), headers: { "content-type": type } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(body);
    });
  assert.equal(await raw("POST", "/xwap/v1/lwip-addition-request", "{not json", "application/json"), 400);
  assert.equal(await raw("POST", "/xwap/v1/lwip-addition-request", "{}", "text/plain"), 415);
  assert.equal(await raw("POST", "/xwap/v1/lwip-addition-request", "x".repeat(20_000), "application/json"), 413);
  assert.equal(await raw("GET", "/xwap/v1/lwip-addition-request", "", "application/json"), 405);
  assert.equal(await raw("GET", "/xwap/v1/nothing", "", "application/json"), 404);
});

test("an eNB GTP address other than the configured one is rejected with a transport cause", async () => {
  const r = await h.client("alpha").call("POST", "/xwap/v1/lwip-addition-request", additionBody("d1", { enbGtpTunnelEndpoint: { transportLayerAddress: "198.18.9.9", gtpTeid: "00000001" } }));
  assert.equal(r.status, 422);
  assert.deepEqual((r.body as { cause: unknown }).cause, { type: "transport", value: "transport-resource-unavailable" });
  assert.equal((r.body as { enbUeXwapId: string }).enbUeXwapId, "000001");
  assert.equal(h.store.get(hex("d1")), undefined);
});

test("events: tunnel-up, then LWIP RELEASE REQUIRED answered by LWIP RELEASE CONFIRM", async () => {
  const a = h.client("alpha");
  const add = await a.call("POST", "/xwap/v1/lwip-addition-request", additionBody("e1e1", { enbUeXwapId: "000003" }));
  const ack = add.body as Ack;
  const received: { type: string; data: unknown }[] = [];
  const stop = new AbortController();
  void a.events((e) => void received.push(e), stop.signal);
  const bStream = new AbortController();
  const bEvents: unknown[] = [];
  void h.client("bravo").events((e) => bEvents.push(e), bStream.signal);
  await waitFor(() => h.events.subscriberCount("alpha") === 1 && h.events.subscriberCount("bravo") === 1, "both event streams");

  // Early confirm: nothing is pending yet.
  const early = await a.call("POST", "/xwap/v1/lwip-release-confirm", { wtUeXwapId: ack.wtUeXwapId, enbUeXwapId: "000003" });
  assert.equal(early.status, 409);

  const up = h.store.markAuthenticated(hex("e1e1"), { innerAddress: "198.18.64.7" });
  assert.ok(up);
  h.events.publish("alpha", tunnelUpEvent(up));
  const down = h.store.markReleaseRequired(hex("e1e1"), { type: "radioNetwork", value: "radio-connection-with-UE-lost" });
  assert.ok(down);
  h.events.publish("alpha", releaseRequiredEvent(down, { type: "radioNetwork", value: "radio-connection-with-UE-lost" }, "dpd-timeout"));
  await waitFor(() => received.length === 2, "two events");
  stop.abort();
  bStream.abort();
  assert.deepEqual(received.map((e) => e.type), ["tunnel-up", "lwip-release-required"]);
  assert.deepEqual(received[0]?.data, { type: "tunnel-up", enbUeXwapId: "000003", wtUeXwapId: ack.wtUeXwapId, ikeInitiatorIdentity: "e1e1", innerAddress: "198.18.64.7", ueEndpoint: null });
  assert.equal((received[1]?.data as { reason: string }).reason, "dpd-timeout");
  assert.deepEqual(bEvents, [], "eNB B sees none of eNB A's events");

  const confirm = await a.call("POST", "/xwap/v1/lwip-release-confirm", { wtUeXwapId: ack.wtUeXwapId, enbUeXwapId: "000003" });
  assert.equal(confirm.status, 204);
  assert.equal(h.released.at(-1)?.reason, "release-confirmed");
  assert.equal(h.store.get(hex("e1e1")), undefined);
});

test("events lost from a full queue are followed by the LWIP RELEASE REQUIRED still pending (TS 36.463: the eNB must confirm it)", async () => {
  const a = h.client("alpha");
  await a.call("POST", "/xwap/v1/lwip-addition-request", additionBody("f1f1", { enbUeXwapId: "000009" }));
  const received: { type: string; data: unknown }[] = [];
  const stop = new AbortController();
  void a.events((e) => void received.push(e), stop.signal);
  await waitFor(() => h.events.subscriberCount("alpha") === 1, "the event stream");
  const cause = { type: "radioNetwork", value: "radio-connection-with-UE-lost" } as const;
  const down = h.store.markReleaseRequired(hex("f1f1"), cause);
  assert.ok(down);
  // The event itself is pushed out of the subscriber's queue by the ones published after it.
  h.events.publish("alpha", releaseRequiredEvent(down, cause, "dpd-timeout"));
  for (let i = 0; i < 300; i++) h.events.publish("alpha", tunnelDownEvent(down, `filler-${i}`));
  const rr = () => received.filter((e) => e.type === "lwip-release-required");
  await waitFor(() => received.some((e) => e.type === "events-lost") && rr().length === 1, "events-lost, then the pending RELEASE REQUIRED");
  stop.abort();
  assert.ok(received.findIndex((e) => e.type === "lwip-release-required") > received.findIndex((e) => e.type === "events-lost"));
  const wtUeXwapId = toHex(down.wtUeXwapId);
  assert.deepEqual(rr()[0]?.data, { type: "lwip-release-required", enbUeXwapId: "000009", wtUeXwapId, ikeInitiatorIdentity: "f1f1", cause, reason: "pending" });
  assert.equal((await a.call("POST", "/xwap/v1/lwip-release-confirm", { wtUeXwapId, enbUeXwapId: "000009" })).status, 204);
});
