// The eNB setting up again a tunnel the SeGW lost (issue 7, "Restarts"), against a stand-in SeGW that
// can be away and come back, on a FakeClock (no real waits): each attempt derives the PSK of the next
// LWIP counter (TS 33.401 16.4.1, Annex A.16) with a fresh IDi and provisions the SeGW before the UE is
// configured (16.2.3, 16.2.1); attempts follow a bounded exponential back-off; the SeGW's event stream
// coming back cuts the wait short; every release (16.3, 16.5, 16.6, detach) cancels the timer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createAirLinkPair } from "../../../src/lwip/air-interface.js";
import type { DownlinkFrame } from "../../../src/lwip/air-frames.js";
import { AsSecurityContext, LwipCounter } from "../../../src/lwip/as-security.js";
import { EnbUe, type LwipSession } from "../../../src/lwip/enb-ue.js";
import * as proc from "../../../src/lwip/enb-procedures.js";
import { DEFAULT_REESTABLISH_BACKOFF, Reestablisher, type ReestablishBackoff } from "../../../src/lwip/enb-reestablish.js";
import type { EnbUserPlane } from "../../../src/lwip/enb-user-plane.js";
import type { XwAdditionRequest, XwAdditionResult, XwClient } from "../../../src/lwip/enb-xw.js";
import type { LwipEvent, LwipEventOf } from "../../../src/lwip/events.js";
import type { RRCConnectionReconfiguration } from "../../../src/lwip/rrc.js";
import { deriveLwipPsk } from "../../../src/kdf/lwip-psk.js";
import { FakeClock } from "../../../src/sim/fake-clock.js";
import { hex, toHex } from "../../../src/wire/hex.js";

const KENB = hex("5df775f16633b7e14575d47423c64d2062b6c8a5f10f3db6c234cbbf4dbe3237");
const CELL = { physCellId: 1, dlEarfcn: 1300 };
const BACKOFF: ReestablishBackoff = { initialMs: 1000, maxMs: 4000, maxAttempts: 10 };

const UNREACHABLE: XwAdditionResult = { ok: false, cause: "transport/transport-resource-unavailable", error: "control API unreachable" };

/** A stand-in SeGW: answers LWIP ADDITION REQUEST when `reachable`, else as a dead control API would. */
class StandInSegw {
  reachable = true;
  /** What a reachable SeGW answers instead of ACKNOWLEDGE (a reject), if set. */
  refusal: XwAdditionResult | undefined;
  readonly requests: { at: number; idi: string; psk: Uint8Array }[] = [];
  releases = 0;

  constructor(private readonly clock: FakeClock) {}

  asXwClient(): XwClient {
    return {
      lwipAdditionRequest: async (req: XwAdditionRequest): Promise<XwAdditionResult> => {
        this.requests.push({ at: this.clock.now(), idi: toHex(req.ikeInitiatorIdentity), psk: req.lwipPsk.slice() });
        if (!this.reachable) return UNREACHABLE;
        return this.refusal ?? { ok: true, wtUeXwapId: hex("000009"), segwGtpTunnelEndpoint: { address: "127.0.0.1", teid: 5 } };
      },
      lwipReleaseRequest: async () => {
        this.releases++;
        return this.reachable;
      },
      lwipReleaseConfirm: async () => this.reachable,
    } as unknown as XwClient;
  }
}

interface Rig {
  readonly clock: FakeClock;
  readonly segw: StandInSegw;
  readonly ue: EnbUe;
  readonly svc: proc.EnbServices;
  readonly re: Reestablisher;
  readonly events: LwipEvent[];
  readonly rrc: () => RRCConnectionReconfiguration[];
}

/** A UE with one LWIP DRB whose tunnel is set up (counter 1), then lost: the session it had. */
async function rigWithLostTunnel(backoff = BACKOFF): Promise<Rig & { lostSession: LwipSession }> {
  const clock = new FakeClock();
  const segw = new StandInSegw(clock);
  const pair = createAirLinkPair();
  const received: DownlinkFrame[] = [];
  pair.ue.listen({ frame: (f) => received.push(f), closed: () => {} });
  const events: LwipEvent[] = [];
  let teid = 40;
  const userPlane = { bind: () => ++teid, unbind: () => {}, prepareSegw: () => {} } as unknown as EnbUserPlane;
  const svc: proc.EnbServices = {
    xw: segw.asXwClient(), userPlane, segwAddress: hex("c6120001"), segwAddressText: "198.18.0.1", gtpAddress: "127.0.0.2", windowSeconds: undefined,
    byIdi: new Map(), emit: (e) => events.push(e), uplink: () => {},
  };
  const ue = new EnbUe("ue1", pair.enb, new AsSecurityContext(KENB), new LwipCounter(), CELL, hex("0001"), hex("000001"));
  ue.setWlanMac(hex("020000000001"));
  assert.deepEqual(await ue.run(() => proc.configureDrbs(svc, ue, [{ drbId: 1, type: "lwip" }])), { ok: true });
  const lostSession = ue.session;
  assert.ok(lostSession);
  lostSession.state = "connected";
  const rrc = () => received.flatMap((f) => (f.kind === "rrc" && "rrcConnectionReconfiguration" in f.message ? [f.message.rrcConnectionReconfiguration] : []));
  return { clock, segw, ue, svc, re: new Reestablisher(svc, clock, backoff), events, rrc, lostSession };
}

/** Lets queued procedures and the stand-in's answers run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

async function advance(t: Rig, ms: number): Promise<void> {
  t.clock.advance(ms);
  await settle();
}

const announced = (t: Rig) => t.events.filter((e): e is LwipEventOf<"lwip-reestablishment"> => e.event === "lwip-reestablishment");

test("SeGW away, then back: attempts back off 1, 2, 4, 4 s on the clock; each derives the next counter's PSK with a fresh IDi", async () => {
  const t = await rigWithLostTunnel();
  t.segw.reachable = false;
  await t.ue.run(() => t.re.lost(t.ue, t.lostSession, "shutdown", true));
  assert.equal(t.segw.requests.length, 1, "only the first set-up so far: a SeGW shutting down is given the first back-off");
  assert.equal(t.clock.pending, 1);
  await advance(t, 999);
  assert.equal(t.segw.requests.length, 1);
  await advance(t, 1);
  for (const step of [2000, 4000, 4000, 4000]) await advance(t, step);
  const attempts = t.segw.requests.slice(1);
  assert.deepEqual(attempts.map((r) => r.at), [1000, 3000, 7000, 11000, 15000], "waits of 1, 2, 4 s, then at most 4 s");
  assert.deepEqual(announced(t).map((e) => e.delayMs), [1000, 2000, 4000, 4000, 4000, 4000]);
  assert.equal(t.rrc().length, 1, "the UE heard nothing while the SeGW was away");
  t.segw.reachable = true;
  await advance(t, 4000);
  const all = t.segw.requests;
  assert.equal(all.length, 7);
  // 16.4.1 / A.16: PSK n is KDF(KeNB, n); no counter value is used twice, and every IDi is new.
  all.forEach((r, i) => assert.deepEqual(r.psk, deriveLwipPsk(KENB, i + 1), `request ${i + 1} carries the PSK of counter ${i + 1}`));
  assert.equal(new Set(all.map((r) => r.idi)).size, all.length);
  // 16.2.3 before 16.2.1: the UE is configured with the IDi and counter the SeGW acknowledged.
  const setup = t.rrc().at(-1)?.["lwip-Configuration-r13"];
  assert.ok(setup && "setup" in setup);
  const tunnel = setup.setup["lwip-Config-r13"]["tunnelConfigLWIP-r13"];
  assert.equal(tunnel?.["lwip-Counter-r13"], 7);
  assert.equal(toHex(tunnel?.["ike-Identity-r13"]["idI-r13"] ?? new Uint8Array(0)), all.at(-1)?.idi);
  assert.equal(t.ue.session?.state, "configured");
  assert.equal(t.svc.byIdi.has(t.lostSession.idiHex), false, "the lost IDi is forgotten");
  assert.equal(t.ue.reestablishment, undefined);
  assert.equal(t.clock.pending, 0, "no timer left");
});

test("a tunnel-down while the SeGW stays up is set up again at once, without a timer", async () => {
  const t = await rigWithLostTunnel();
  await t.ue.run(() => t.re.lost(t.ue, t.lostSession, "release-confirmed", false));
  assert.equal(t.segw.requests.length, 2);
  assert.equal(t.ue.counter.current, 2);
  assert.equal(t.ue.session?.state, "configured");
  assert.equal(t.clock.pending, 0);
});

test("the SeGW's event stream coming back cuts the back-off short", async () => {
  const t = await rigWithLostTunnel();
  t.segw.reachable = false;
  await t.ue.run(() => t.re.lost(t.ue, t.lostSession, "shutdown", false));
  assert.equal(t.segw.requests.length, 2, "one failed attempt");
  assert.equal(t.clock.pending, 1, "the next waits for its back-off");
  t.segw.reachable = true;
  t.re.retryNow(t.ue);
  await settle();
  assert.equal(t.segw.requests.length, 3);
  assert.equal(t.segw.requests.at(-1)?.at, 0, "tried at once");
  assert.equal(t.ue.session?.lwipCounter, 3);
  assert.equal(t.clock.pending, 0);
  t.re.retryNow(t.ue);
  await settle();
  assert.equal(t.segw.requests.length, 3, "nothing waits, nothing more is tried");
});

const releases: [string, (t: Rig) => Promise<unknown>][] = [
  ["an operator release", (t) => proc.releaseLwip(t.svc, t.ue)],
  ["deleting the last LWIP DRB (16.3)", (t) => proc.deleteDrb(t.svc, t.ue, 1)],
  ["a handover to another eNB (16.5)", (t) => proc.handover(t.svc, t.ue, { physCellId: 9, dlEarfcn: 1300 }, false)],
  ["a radio link failure (16.6)", (t) => proc.radioLinkFailure(t.svc, t.ue, true)],
  ["a WLAN failure report (16.6)", (t) => proc.wlanStatus(t.svc, t.ue, "failureWlanRadioLink")],
  ["the UE's detach", (t) => proc.releaseAtSegw(t.svc, t.ue, "detach")],
];

for (const [what, release] of releases) {
  test(`${what} while a set-up waits cancels its timer; nothing is tried later`, async () => {
    const t = await rigWithLostTunnel();
    t.segw.reachable = false;
    await t.ue.run(() => t.re.lost(t.ue, t.lostSession, "shutdown", true));
    assert.equal(t.clock.pending, 1);
    await t.ue.run(() => release(t));
    assert.equal(t.clock.pending, 0, "the back-off timer is cancelled");
    assert.equal(t.ue.reestablishment, undefined);
    t.segw.reachable = true;
    await advance(t, 60_000);
    assert.equal(t.segw.requests.length, 1, "no attempt after the release");
    assert.equal(t.ue.session, undefined);
  });
}

test("an operator release while a set-up waits also releases the UE's LWIP configuration over RRC", async () => {
  const t = await rigWithLostTunnel();
  t.segw.reachable = false;
  await t.ue.run(() => t.re.lost(t.ue, t.lostSession, "shutdown", true));
  assert.deepEqual(await t.ue.run(() => proc.releaseLwip(t.svc, t.ue)), { ok: true }, "a waiting set-up counts as LWIP set up");
  await settle();
  assert.deepEqual(t.rrc().at(-1)?.["lwip-Configuration-r13"], { release: null });
});

test("a KeNB refresh while a set-up waits sets the tunnel up under the new KeNB, counter 1", async () => {
  const t = await rigWithLostTunnel();
  t.segw.reachable = false;
  await t.ue.run(() => t.re.lost(t.ue, t.lostSession, "shutdown", true));
  t.segw.reachable = true;
  assert.deepEqual(await t.ue.run(() => proc.refreshKeys(t.svc, t.ue)), { ok: true });
  assert.equal(t.ue.session?.lwipCounter, 1);
  assert.equal(t.clock.pending, 0);
});

test("after maxAttempts the eNB gives up: the UE's LWIP configuration is released over RRC (tunnel-lost), no timer left", async () => {
  const t = await rigWithLostTunnel({ initialMs: 100, maxMs: 100, maxAttempts: 3 });
  t.segw.reachable = false;
  await t.ue.run(() => t.re.lost(t.ue, t.lostSession, "shutdown", false));
  await advance(t, 100);
  await advance(t, 100);
  assert.equal(t.segw.requests.length, 4, "the set-up, then 3 attempts");
  assert.deepEqual(t.rrc().at(-1)?.["lwip-Configuration-r13"], { release: null });
  const release = t.events.find((e): e is LwipEventOf<"rrc-lwip-release"> => e.event === "rrc-lwip-release");
  assert.equal(release?.trigger, "tunnel-lost");
  assert.equal(t.ue.reestablishment, undefined);
  assert.equal(t.ue.lwipPending, false);
  assert.equal(t.clock.pending, 0);
  await advance(t, 10_000);
  assert.equal(t.segw.requests.length, 4);
});

test("a refusal that waiting cannot cure (protocol cause) ends at once with the RRC release", async () => {
  const t = await rigWithLostTunnel();
  t.segw.refusal = { ok: false, cause: "protocol/semantic-error", error: "bad request" };
  await t.ue.run(() => t.re.lost(t.ue, t.lostSession, "release-confirmed", false));
  await settle();
  assert.equal(t.segw.requests.length, 2);
  assert.deepEqual(t.rrc().at(-1)?.["lwip-Configuration-r13"], { release: null });
  assert.equal(t.clock.pending, 0);
});

test("a session that is no longer the UE's is not set up again", async () => {
  const t = await rigWithLostTunnel();
  await t.ue.run(() => proc.releaseLwip(t.svc, t.ue));
  await t.ue.run(() => t.re.lost(t.ue, t.lostSession, "shutdown", false));
  assert.equal(t.segw.requests.length, 1);
  assert.equal(t.ue.reestablishment, undefined);
});

test("the back-off must be bounded and positive", () => {
  const svc = {} as proc.EnbServices;
  assert.throws(() => new Reestablisher(svc, new FakeClock(), { initialMs: 0, maxMs: 10, maxAttempts: 1 }), RangeError);
  assert.throws(() => new Reestablisher(svc, new FakeClock(), { initialMs: 10, maxMs: 5, maxAttempts: 1 }), RangeError);
  assert.throws(() => new Reestablisher(svc, new FakeClock(), { initialMs: 1, maxMs: 5, maxAttempts: 0 }), RangeError);
  assert.ok(new Reestablisher(svc, new FakeClock(), DEFAULT_REESTABLISH_BACKOFF));
});
