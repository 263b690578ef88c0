// `lwip segw ctl`: the XwAP LWIP procedures from the command line against a real control API.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runSegwCtl, type CtlIo } from "../../../src/cli/segw-ctl.js";
import { UsageError } from "../../../src/cli/usage-error.js";
import { tunnelDownEvent } from "../../../src/segw/control-api/events.js";
import { hex } from "../../../src/wire/hex.js";
import { makePki, PSK_HEX, removePki, startHarness, waitFor, type Harness, type Pki } from "./fixtures.js";

let pki: Pki;
let h: Harness;

before(async () => {
  pki = await makePki();
  h = await startHarness(pki);
});

after(async () => {
  await h.api.close();
  removePki(pki);
});

function io(stdin = "", interrupt = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const ctl: CtlIo = { out: (l) => void out.push(l), err: (l) => void err.push(l), readStdin: async () => stdin, interrupt: () => interrupt };
  return { out, err, ctl };
}

function common(enb = "alpha"): string[] {
  return ["--api", h.url, "--cert", join(pki.dir, `enb-${enb}.pem`), "--key", join(pki.dir, `enb-${enb}-key.pem`), "--ca", join(pki.dir, "ca.pem")];
}

test("provision prints the ACKNOWLEDGE, list shows the UE, release removes it", async () => {
  const p = io();
  const code = await runSegwCtl(["provision", ...common(), "--idi", "c0ffee", "--psk", PSK_HEX, "--window", "20", "--enb-ue-xwap-id", "00000a", "--ue-identity", "02:11:22:33:44:55", "--gtp-address", "198.18.1.2", "--gtp-teid", "00000042"], p.ctl);
  assert.equal(code, 0, p.err.join("\n"));
  assert.equal(p.out.length, 1);
  const ack = JSON.parse(p.out[0] ?? "") as { enbUeXwapId: string; wtUeXwapId: string };
  assert.equal(ack.enbUeXwapId, "00000a");
  const entry = h.store.get(hex("c0ffee"));
  assert.equal(entry?.windowEndsAt, (entry?.provisionedAt ?? 0) + 20_000);
  assert.deepEqual(entry?.ueIdentity, hex("021122334455"));

  const l = io();
  assert.equal(await runSegwCtl(["list", ...common()], l.ctl), 0);
  const ues = l.out.map((line) => JSON.parse(line) as { ikeInitiatorIdentity: string; state: string });
  assert.deepEqual(ues.map((u) => [u.ikeInitiatorIdentity, u.state]), [["c0ffee", "provisioned"]]);

  const other = io();
  assert.equal(await runSegwCtl(["list", ...common("bravo")], other.ctl), 0);
  assert.deepEqual(other.out, []);

  const r = io();
  assert.equal(await runSegwCtl(["release", ...common(), "--wt-ue-xwap-id", ack.wtUeXwapId], r.ctl), 0);
  assert.deepEqual(r.out, []);
  assert.equal(h.store.get(hex("c0ffee")), undefined);
});

test("--psk - reads the PSK from stdin (so it stays out of the process list)", async () => {
  const p = io(`${PSK_HEX}\n`);
  assert.equal(await runSegwCtl(["provision", ...common(), "--idi", "d00d", "--psk", "-"], p.ctl), 0, p.err.join("\n"));
  const psk = h.store.lookupPsk(hex("d00d"));
  assert.ok(psk.ok && Buffer.from(psk.psk).toString("hex") === PSK_HEX);
  const r = io();
  assert.equal(await runSegwCtl(["release", ...common(), "--idi", "d00d"], r.ctl), 0);
});

test("refusals are one line on stderr with exit code 1", async () => {
  const unknown = io();
  assert.equal(await runSegwCtl(["release", ...common(), "--idi", "0bad"], unknown.ctl), 1);
  assert.equal(unknown.err.length, 1);
  assert.match(unknown.err[0] ?? "", /^lwip segw ctl: LWIP RELEASE REQUEST refused \(HTTP 404\) radioNetwork\/unknown-pair-of-UE-XwAP-ID: /);

  const forbidden = io();
  assert.equal(await runSegwCtl(["list", ...common("charlie")], forbidden.ctl), 1);
  assert.match(forbidden.err[0] ?? "", /HTTP 403/);

  const missingFile = io();
  assert.equal(await runSegwCtl(["list", "--api", h.url, "--cert", "/nonexistent.pem", "--key", "k", "--ca", "c"], missingFile.ctl), 1);
  assert.match(missingFile.err[0] ?? "", /cannot read \/nonexistent\.pem: ENOENT/);

  const down = io();
  assert.equal(await runSegwCtl(["list", "--api", "https://127.0.0.1:1", ...common().slice(2)], down.ctl), 1);
  assert.equal(down.err.length, 1);
});

test("bad arguments throw UsageError", async () => {
  const x = io();
  await assert.rejects(runSegwCtl(["provision", ...common(), "--idi", "zz", "--psk", PSK_HEX], x.ctl), UsageError);
  await assert.rejects(runSegwCtl(["provision", ...common(), "--idi", "01", "--psk", "00"], x.ctl), UsageError);
  await assert.rejects(runSegwCtl(["provision", ...common(), "--idi", "01", "--psk", PSK_HEX, "--gtp-address", "198.18.1.2"], x.ctl), UsageError);
  await assert.rejects(runSegwCtl(["release", ...common(), "--idi", "01", "--wt-ue-xwap-id", "000001"], x.ctl), UsageError);
  await assert.rejects(runSegwCtl(["frobnicate", ...common()], x.ctl), UsageError);
  await assert.rejects(runSegwCtl(["list", "--bogus"], x.ctl), /Unknown option/);
});

test("events prints one JSON line per event until interrupted", async () => {
  const stop = new AbortController();
  const e = io("", stop.signal);
  const running = runSegwCtl(["events", ...common()], e.ctl);
  await waitFor(() => h.events.subscriberCount("alpha") === 1, "the event stream");
  h.store.provision("alpha", { enbUeXwapId: hex("000099"), ueIdentity: hex("020000000099"), lwipPsk: new Uint8Array(32), ikeInitiatorIdentity: hex("99") });
  const entry = h.store.get(hex("99"));
  assert.ok(entry);
  h.events.publish("alpha", tunnelDownEvent(entry, "deleted-by-peer"));
  await waitFor(() => e.out.length > 0, "the printed event");
  stop.abort();
  assert.equal(await running, 0);
  assert.deepEqual(JSON.parse(e.out[0] ?? ""), { type: "tunnel-down", enbUeXwapId: "000099", wtUeXwapId: Buffer.from(entry.wtUeXwapId).toString("hex"), ikeInitiatorIdentity: "99", reason: "deleted-by-peer" });
  assert.deepEqual(e.err, []);
});
