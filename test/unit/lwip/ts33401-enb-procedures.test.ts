// The eNB's LWIP procedures against a stand-in SeGW (the XwAP calls recorded and answered here)
// and an in-process air link whose UE end is read directly: the order of 16.2.3 and 16.2.1, the
// PSK the SeGW is given, the counter's refusal to wrap, and the releases of 16.3, 16.4.2 and 16.5.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createAirLinkPair } from "../../../src/lwip/air-interface.js";
import type { DownlinkFrame } from "../../../src/lwip/air-frames.js";
import { AsSecurityContext, deriveKenbStar, LwipCounter } from "../../../src/lwip/as-security.js";
import { EnbUe } from "../../../src/lwip/enb-ue.js";
import * as proc from "../../../src/lwip/enb-procedures.js";
import type { EnbUserPlane } from "../../../src/lwip/enb-user-plane.js";
import type { XwAdditionRequest, XwClient } from "../../../src/lwip/enb-xw.js";
import type { LwipEvent } from "../../../src/lwip/events.js";
import type { RRCConnectionReconfiguration } from "../../../src/lwip/rrc.js";
import { deriveLwipPsk } from "../../../src/kdf/lwip-psk.js";
import { hex } from "../../../src/wire/hex.js";

const KENB = hex("5df775f16633b7e14575d47423c64d2062b6c8a5f10f3db6c234cbbf4dbe3237");
const CELL = { physCellId: 1, dlEarfcn: 1300 };

interface Rig {
  readonly ue: EnbUe;
  readonly svc: proc.EnbServices;
  readonly log: string[];
  readonly events: LwipEvent[];
  readonly additions: { idi: Uint8Array; psk: Uint8Array }[];
  /** RRC reconfigurations the UE end received so far. */
  readonly rrc: () => RRCConnectionReconfiguration[];
  /** Lets the pending LWIP ADDITION REQUEST be answered (the stand-in SeGW holds it until then). */
  gate?: Promise<void>;
  /** The acknowledge's lwipSegwIpAddress (a multi-worker SeGW's worker); absent if undefined. */
  segwIp?: string;
}

async function rig(): Promise<Rig> {
  const pair = createAirLinkPair();
  const received: DownlinkFrame[] = [];
  pair.ue.listen({ frame: (f) => received.push(f), closed: () => {} });
  const log: string[] = [];
  const events: LwipEvent[] = [];
  const additions: Rig["additions"] = [];
  const r: { gate?: Promise<void>; segwIp?: string } = {};
  const xw = {
    lwipAdditionRequest: async (req: XwAdditionRequest) => {
      additions.push({ idi: req.ikeInitiatorIdentity.slice(), psk: req.lwipPsk.slice() });
      log.push("xw:addition-request");
      await r.gate;
      log.push("xw:acknowledge");
      return { ok: true as const, wtUeXwapId: hex("000009"), segwGtpTunnelEndpoint: { address: "127.0.0.1", teid: 5 }, ...(r.segwIp !== undefined ? { lwipSegwIpAddress: r.segwIp } : {}) };
    },
    lwipReleaseRequest: async () => {
      log.push("xw:release-request");
      return true;
    },
    lwipReleaseConfirm: async () => true,
  } as unknown as XwClient;
  const userPlane = { bind: () => 42, unbind: () => log.push("teid:unbind"), prepareSegw: (a: string) => log.push(`zb:prepare ${a}`) } as unknown as EnbUserPlane;
  const svc: proc.EnbServices = {
    xw, userPlane, segwAddress: hex("c6120001"), segwAddressText: "198.18.0.1", gtpAddress: "127.0.0.2", windowSeconds: undefined,
    byIdi: new Map(), emit: (e) => events.push(e), uplink: () => {},
  };
  const ue = new EnbUe("ue1", pair.enb, new AsSecurityContext(KENB), new LwipCounter(), CELL, hex("0001"), hex("000001"));
  ue.setWlanMac(hex("020000000001"));
  const rrc = () => received.flatMap((f) => (f.kind === "rrc" && "rrcConnectionReconfiguration" in f.message ? [f.message.rrcConnectionReconfiguration] : []));
  return Object.assign(r, { ue, svc, log, events, additions, rrc });
}

const tick = () => new Promise((r) => setImmediate(r));

test("16.2.3 then 16.2.1: the UE hears of SeGW, IDi and counter only after the SeGW acknowledged", async () => {
  const t = await rig();
  let open = () => {};
  t.gate = new Promise<void>((resolve) => (open = resolve));
  const done = proc.configureDrbs(t.svc, t.ue, [{ drbId: 1, type: "lwip" }]);
  for (let i = 0; i < 5; i++) await tick();
  assert.deepEqual(t.log, ["xw:addition-request"]);
  assert.equal(t.rrc().length, 0, "no RRC before the acknowledgement");
  open();
  assert.deepEqual(await done, { ok: true });
  await tick();
  const [config] = t.rrc();
  const setup = config?.["lwip-Configuration-r13"];
  assert.ok(setup && "setup" in setup);
  const tunnel = setup.setup["lwip-Config-r13"]["tunnelConfigLWIP-r13"];
  assert.deepEqual(tunnel?.["ip-Address-r13"], { "ipv4-r13": hex("c6120001") });
  assert.deepEqual(tunnel?.["ike-Identity-r13"]["idI-r13"], t.additions[0]?.idi, "the IDi the SeGW was told");
  assert.equal(tunnel?.["lwip-Counter-r13"], 1);
  assert.deepEqual(config?.radioResourceConfigDedicated?.["drb-ToAddModList"], [{ "drb-Identity": 1, "drb-TypeLWIP-r13": "lwip" }]);
});

/** The rrc-lwip-configuration events' SeGW addresses, and the ip-Address-r13 of the last LWIP set-up sent. */
function segwGiven(t: Rig): { events: string[]; rrc: unknown } {
  const setups = t.rrc().flatMap((m) => {
    const c = m["lwip-Configuration-r13"];
    return c && "setup" in c ? [c.setup["lwip-Config-r13"]["tunnelConfigLWIP-r13"]?.["ip-Address-r13"]] : [];
  });
  return { events: t.events.flatMap((e) => (e.event === "rrc-lwip-configuration" ? [e.segw] : [])), rrc: setups.at(-1) };
}

test("16.2.1: without lwipSegwIpAddress in the acknowledge the UE is given the eNB's configured SeGW address", async () => {
  const t = await rig();
  await proc.configureDrbs(t.svc, t.ue, [{ drbId: 1, type: "lwip" }]);
  await tick();
  assert.deepEqual(segwGiven(t), { events: ["198.18.0.1"], rrc: { "ipv4-r13": hex("c6120001") } });
});

test("16.2.1 / TS 36.331 ip-Address-r13: the UE is given the SeGW (worker) address the acknowledge names, IPv4 or IPv6", async () => {
  for (const [address, ie] of [["198.18.0.7", { "ipv4-r13": hex("c6120007") }], ["2001:db8::7", { "ipv6-r13": hex("20010db8000000000000000000000007") }]] as const) {
    const t = await rig();
    t.segwIp = address;
    await proc.configureDrbs(t.svc, t.ue, [{ drbId: 1, type: "lwip" }]);
    await tick();
    assert.deepEqual(segwGiven(t), { events: [address], rrc: ie }, address);
  }
});

test("16.1: the Zb SA to the acknowledged SeGW GTP-U address is started before the UE is configured", async () => {
  const t = await rig();
  t.segwIp = "198.18.0.7";
  const send = t.ue.sendReconfiguration.bind(t.ue);
  t.ue.sendReconfiguration = (r) => {
    t.log.push("rrc");
    send(r);
  };
  await proc.configureDrbs(t.svc, t.ue, [{ drbId: 1, type: "lwip" }]);
  assert.deepEqual(t.log, ["xw:addition-request", "xw:acknowledge", "zb:prepare 127.0.0.1", "rrc"]);
});

test("16.4.2: after a key refresh the UE is given the SeGW address of the new acknowledge", async () => {
  const t = await rig();
  t.segwIp = "198.18.0.7";
  await proc.configureDrbs(t.svc, t.ue, [{ drbId: 1, type: "lwip" }]);
  t.segwIp = "198.18.0.8";
  assert.deepEqual(await proc.refreshKeys(t.svc, t.ue), { ok: true });
  await tick();
  assert.deepEqual(segwGiven(t), { events: ["198.18.0.7", "198.18.0.8"], rrc: { "ipv4-r13": hex("c6120008") } });
});

test("16.4.1 / 16.2.3: the SeGW is given KDF(KeNB, counter) and a 16-octet random IDi, fresh for each set-up", async () => {
  const t = await rig();
  await proc.configureDrbs(t.svc, t.ue, [{ drbId: 1, type: "lwip" }]);
  await proc.releaseLwip(t.svc, t.ue);
  await proc.configureDrbs(t.svc, t.ue, []);
  const [a, b] = t.additions;
  assert.ok(a && b);
  assert.deepEqual(a.psk, deriveLwipPsk(KENB, 1));
  assert.deepEqual(b.psk, deriveLwipPsk(KENB, 2), "the next PSK uses the next counter");
  assert.equal(a.idi.length, 16);
  assert.notDeepEqual(a.idi, b.idi);
});

test("brief §1.3 [M]: with the counter used up the eNB refuses LWIP until KeNB is refreshed (16.4.2)", async () => {
  const t = await rig();
  while (t.ue.counter.next() !== undefined);
  assert.deepEqual(await proc.configureDrbs(t.svc, t.ue, [{ drbId: 1, type: "lwip" }]), { ok: false, reason: "LWIP set-up failed (see events)" });
  assert.equal(t.additions.length, 0, "no PSK was derived or sent");
  const refused = t.events.find((e) => e.event === "lwip-refused");
  assert.equal(refused?.clause, "16.4.2");
  assert.deepEqual(await proc.refreshKeys(t.svc, t.ue), { ok: true }, "a refresh without LWIP only changes KeNB");
  assert.deepEqual(await proc.configureDrbs(t.svc, t.ue, []), { ok: true });
  assert.deepEqual(t.additions[0]?.psk, deriveLwipPsk(deriveKenbStar(KENB, CELL), 1), "counter 1 again, under KeNB*");
});

test("16.3: changing the last LWIP DRB to E-UTRAN releases the tunnel at the SeGW and the UE", async () => {
  const t = await rig();
  await proc.configureDrbs(t.svc, t.ue, [{ drbId: 1, type: "lwip" }, { drbId: 2, type: "eutran" }]);
  await proc.configureDrbs(t.svc, t.ue, [{ drbId: 1, type: "eutran" }]);
  await tick();
  assert.ok(t.log.includes("xw:release-request"));
  assert.equal(t.ue.session, undefined);
  assert.deepEqual(t.rrc().at(-1)?.["lwip-Configuration-r13"], { release: null });
});

test("16.5: a handover releases at the SeGW before the command, and the command carries mobilityControlInfo", async () => {
  const t = await rig();
  await proc.configureDrbs(t.svc, t.ue, [{ drbId: 1, type: "lwip" }]);
  const target = { physCellId: 9, dlEarfcn: 2850 };
  assert.deepEqual(await proc.handover(t.svc, t.ue, target, true), { ok: true });
  await tick();
  assert.equal(t.log.at(-1), "xw:release-request");
  const command = t.rrc().at(-1);
  assert.deepEqual(command?.mobilityControlInfo, { targetPhysCellId: 9, carrierFreq: { "dl-CarrierFreq": 2850 }, t304: "ms1000", "newUE-Identity": hex("0001") });
  assert.equal(command?.["lwip-Configuration-r13"], undefined, "no new LWIP set-up rides on a handover");
  assert.equal(t.ue.counter.current, 0, "the counter restarted with KeNB*");
  assert.deepEqual(t.ue.cell, target);
});
