// The simulated LTE air interface: frames as JSON lines (checked on receipt), delivered in order
// in process, over a Unix domain socket and over TCP on loopback; closing one end is seen by the
// other; garbage and overlong lines are refused without a throw.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import fc from "fast-check";
import { decodeDownlinkFrame, decodeUplinkFrame, encodeFrame, MAX_FRAME_LINE_BYTES, type DownlinkFrame, type UplinkFrame } from "../../../src/lwip/air-frames.js";
import { connectAirInterface, createAirLinkPair, formatAirAddress, listenAirInterface, parseAirAddress, type AirLinkHandlers, type AirAddress, type EnbAirLink } from "../../../src/lwip/air-interface.js";
import { hex } from "../../../src/wire/hex.js";

const UP: readonly UplinkFrame[] = [
  { kind: "attach", ueId: "ue1" },
  { kind: "rrc", message: { "wlanConnectionStatusReport-r13": { "wlan-Status-r13": "failureWlanRadioLink" } } },
  { kind: "pdcp-sdu", drbId: 3, bytes: hex("4500001c") },
  { kind: "radio-link-failure" },
];

const DOWN: readonly DownlinkFrame[] = [
  { kind: "attached", cell: { physCellId: 1, dlEarfcn: 1300 }, cRnti: hex("beef") },
  { kind: "rrc", message: { rrcConnectionReconfiguration: { "rrc-TransactionIdentifier": 1, "lwip-Configuration-r13": { release: null } } } },
  { kind: "pdcp-sdu", drbId: 32, bytes: new Uint8Array(0) },
];

/** Collects what a link end receives, and resolves when `n` frames (or the close) arrived. */
function collect<In>(link: { listen(h: AirLinkHandlers<In>): void }) {
  const frames: In[] = [];
  const invalid: string[] = [];
  let closed = false;
  let wake = () => {};
  link.listen({ frame: (f) => { frames.push(f); wake(); }, closed: () => { closed = true; wake(); }, invalid: (e) => { invalid.push(e.code); wake(); } });
  const until = (cond: () => boolean, ms = 2000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out")), ms);
      const check = () => { if (cond()) { clearTimeout(timer); resolve(); } };
      wake = check;
      check();
    });
  return { frames, invalid, isClosed: () => closed, until };
}

test("frame codec: each frame kind round-trips through its JSON line", () => {
  for (const f of UP) {
    const r = decodeUplinkFrame(encodeFrame(f));
    assert.ok(r.ok);
    assert.deepEqual(r.value, f);
  }
  for (const f of DOWN) {
    const r = decodeDownlinkFrame(encodeFrame(f));
    assert.ok(r.ok);
    assert.deepEqual(r.value, f);
  }
  assert.equal(decodeDownlinkFrame(encodeFrame({ kind: "attach", ueId: "ue1" })).ok, false, "attach only goes uplink");
  assert.equal(decodeUplinkFrame(encodeFrame(DOWN[1] as DownlinkFrame)).ok, false, "a downlink RRC message is refused uplink");
  assert.equal(decodeUplinkFrame('{"kind":"attach","ueId":"../etc"}').ok, false, "UE names are plain");
  assert.equal(decodeUplinkFrame('{"kind":"pdcp-sdu","drbId":0,"bytes":""}').ok, false, "DRB identity 1..32");
  const long = decodeUplinkFrame(" ".repeat(MAX_FRAME_LINE_BYTES + 1));
  assert.ok(!long.ok && long.error.code === "length-mismatch");
});

test("property: any line decodes to a frame or a CodecError, never a throw", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), (line) => {
      for (const r of [decodeUplinkFrame(line), decodeDownlinkFrame(line)]) {
        if (r.ok) assert.equal(encodeFrame(r.value), JSON.stringify(JSON.parse(encodeFrame(r.value))));
      }
    }),
  );
});

test("in-process pair: frames arrive in order, later (not inside send), both ways; close is seen by the peer", async () => {
  const { ue, enb } = createAirLinkPair();
  const atEnb = collect(enb);
  const atUe = collect(ue);
  for (const f of UP) ue.send(f);
  assert.equal(atEnb.frames.length, 0, "delivery is asynchronous");
  for (const f of DOWN) enb.send(f);
  await atEnb.until(() => atEnb.frames.length === UP.length);
  await atUe.until(() => atUe.frames.length === DOWN.length);
  assert.deepEqual(atEnb.frames, UP);
  assert.deepEqual(atUe.frames, DOWN);
  ue.close();
  await atEnb.until(atEnb.isClosed);
  assert.ok(atUe.isClosed(), "the closing end hears its own close");
  enb.send(DOWN[0] as DownlinkFrame);
  ue.send(UP[0] as UplinkFrame);
  await new Promise((r) => setImmediate(r));
  assert.equal(atEnb.frames.length, UP.length, "nothing after close");
});

test("frames sent before the far end listens are kept for it", async () => {
  const { ue, enb } = createAirLinkPair();
  ue.send(UP[0] as UplinkFrame);
  await new Promise((r) => setImmediate(r));
  const atEnb = collect(enb);
  await atEnb.until(() => atEnb.frames.length === 1);
  assert.deepEqual(atEnb.frames, [UP[0]]);
});

async function overSocket(address: AirAddress): Promise<void> {
  const accepted: EnbAirLink[] = [];
  const server = await listenAirInterface(address, (l) => accepted.push(l));
  const ue = await connectAirInterface(server.address);
  const atUe = collect(ue);
  for (const f of UP) ue.send(f);
  const start = Date.now();
  while (accepted.length === 0 && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 5));
  const enb = accepted[0];
  assert.ok(enb, "the eNB accepted the UE");
  const atEnb = collect(enb);
  for (const f of DOWN) enb.send(f);
  await atEnb.until(() => atEnb.frames.length === UP.length);
  await atUe.until(() => atUe.frames.length === DOWN.length);
  assert.deepEqual(atEnb.frames, UP);
  assert.deepEqual(atUe.frames, DOWN);
  ue.close();
  await atEnb.until(atEnb.isClosed);
  await server.close();
}

test("Unix domain socket transport carries frames both ways and reports the close", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lwip-air-"));
  try {
    await overSocket({ kind: "unix", path: join(dir, "air.sock") });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("TCP transport on 127.0.0.1 (port 0 picks one) carries frames both ways", async () => {
  await overSocket({ kind: "tcp", host: "127.0.0.1", port: 0 });
});

test("a peer sending garbage gets it refused line by line; an endless line closes the connection", async () => {
  const accepted: EnbAirLink[] = [];
  const server = await listenAirInterface({ kind: "tcp", host: "127.0.0.1", port: 0 }, (l) => accepted.push(l));
  const port = server.address.kind === "tcp" ? server.address.port : 0;
  const raw = connect(port, "127.0.0.1");
  await new Promise((r) => raw.once("connect", r));
  raw.write('not json\n{"kind":"attach","ueId":"ue1"}\n');
  const start = Date.now();
  while (accepted.length === 0 && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 5));
  const enb = accepted[0];
  assert.ok(enb);
  const atEnb = collect(enb);
  await atEnb.until(() => atEnb.frames.length === 1 && atEnb.invalid.length === 1);
  assert.deepEqual(atEnb.invalid, ["invalid-syntax"]);
  raw.write("x".repeat(MAX_FRAME_LINE_BYTES + 10));
  await atEnb.until(atEnb.isClosed);
  raw.destroy();
  await server.close();
});

test("air interface addresses: unix:/path, bare paths, tcp:host:port, [v6]", () => {
  assert.deepEqual(parseAirAddress("unix:/run/lwip/air.sock"), { kind: "unix", path: "/run/lwip/air.sock" });
  assert.deepEqual(parseAirAddress("/tmp/a.sock"), { kind: "unix", path: "/tmp/a.sock" });
  assert.deepEqual(parseAirAddress("tcp:127.0.0.1:7000"), { kind: "tcp", host: "127.0.0.1", port: 7000 });
  assert.deepEqual(parseAirAddress("tcp:[::1]:7000"), { kind: "tcp", host: "::1", port: 7000 });
  assert.equal(parseAirAddress("tcp:127.0.0.1:70000"), undefined);
  assert.equal(parseAirAddress("tcp:7000"), undefined);
  assert.equal(parseAirAddress(""), undefined);
  assert.equal(formatAirAddress({ kind: "tcp", host: "::1", port: 7 }), "tcp:[::1]:7");
});
