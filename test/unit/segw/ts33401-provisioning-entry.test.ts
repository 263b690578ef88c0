// A provisioning entry (TS 33.401 16.2.2, TS 36.463 LWIP ADDITION REQUEST) as the store keeps it:
// compact, since a SeGW holds one per UE, yet every identifier reads back as provisioned, as a
// copy, and the LWIP-PSK cannot be reached through the entry (no field, no spread, no JSON).
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/sim/fake-clock.js";
import { ProvisioningStore } from "../../../src/segw/provisioning-store.js";
import { hex, toHex } from "../../../src/wire/hex.js";

const PSK = new Uint8Array(32).fill(0x5a);

function store() {
  const clock = new FakeClock();
  clock.advance(1234);
  const random = () => hex("80a1b2c3");
  return { clock, store: new ProvisioningStore({ clock, defaultWindowSeconds: 30, maxWindowSeconds: 300, maxEntries: 10, random }) };
}

test("16.2.3: every IE of the entry reads back as provisioned, with the allocated IDs", () => {
  const { store: s } = store();
  const r = s.provision("alpha", {
    enbUeXwapId: hex("00ab01"), ueIdentity: hex("021122334455"), lwipPsk: PSK.slice(), ikeInitiatorIdentity: hex("a0ff0001"), windowSeconds: 45,
    enbGtpTunnelEndpoint: { transportLayerAddress: "198.51.100.7", gtpTeid: hex("fedcba98") },
  });
  assert.ok(r.ok);
  const e = r.entry;
  assert.equal(e.enbName, "alpha");
  assert.deepEqual(e.enbUeXwapId, hex("00ab01"));
  assert.deepEqual(e.wtUeXwapId, hex("000001"), "the first WT UE XwAP ID");
  assert.deepEqual(e.ueIdentity, hex("021122334455"));
  assert.deepEqual(e.idi, hex("a0ff0001"));
  assert.equal(e.idiHex, "a0ff0001");
  assert.deepEqual(e.segwGtpTeid, hex("80a1b2c3"), "a TEID above 2^31 survives");
  assert.deepEqual(e.enbGtpTunnelEndpoint, { transportLayerAddress: "198.51.100.7", gtpTeid: hex("fedcba98") });
  assert.equal(e.provisionedAt, 1234);
  assert.equal(e.windowEndsAt, 1234 + 45_000);
  assert.equal(e.state, "provisioned");
  assert.equal(s.byGtpTeid(0x80a1b2c3), e);
  assert.equal(s.getByIdiHex("a0ff0001"), e);
  assert.equal(s.getByWtUeXwapId("alpha", hex("000001")), e);
});

test("the identifiers read are copies, and an entry without an eNB GTP endpoint has none", () => {
  const { store: s } = store();
  const r = s.provision("alpha", { enbUeXwapId: hex("000002"), ueIdentity: hex("020000000002"), lwipPsk: PSK.slice(), ikeInitiatorIdentity: hex("02") });
  assert.ok(r.ok);
  r.entry.enbUeXwapId.fill(0xff);
  r.entry.idi.fill(0xff);
  assert.deepEqual(r.entry.enbUeXwapId, hex("000002"));
  assert.deepEqual(r.entry.idi, hex("02"));
  assert.equal(r.entry.enbGtpTunnelEndpoint, undefined);
});

test("16.2.2: the PSK is not reachable through the entry, in any state", () => {
  const { store: s } = store();
  const r = s.provision("alpha", { enbUeXwapId: hex("000003"), ueIdentity: hex("020000000003"), lwipPsk: PSK.slice(), ikeInitiatorIdentity: hex("03") });
  assert.ok(r.ok);
  const pskHex = toHex(PSK);
  // JSON renders a Uint8Array as {"0":90,"1":90,...} (0x5a = 90), a Buffer as [90,90,...].
  const exposed = (e: object) => {
    const json = JSON.stringify(e);
    return json.includes('"1":90') || json.includes("90,90,90") || json.includes(pskHex) || Object.values({ ...e }).some((v) => v instanceof Uint8Array);
  };
  assert.equal(exposed(r.entry), false, "provisioned: PSK held, but not by any own field");
  assert.ok(!Object.keys(r.entry).some((k) => /psk|timer/i.test(k)));
  assert.ok(s.lookupPsk(hex("03")).ok, "the store still has it");
  s.markAuthenticated(hex("03"), { innerAddress: "198.18.64.3" });
  assert.equal(exposed(r.entry), false);
  assert.deepEqual(s.lookupPsk(hex("03")), { ok: false, reason: "psk-used" });
});
