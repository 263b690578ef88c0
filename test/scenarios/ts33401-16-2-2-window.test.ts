// TS 33.401 16.2.2 NOTE: the SeGW accepts the handshake only within a configured window, then
// deletes the LWIP-PSK and the IDi. The eNB learns it (tunnel-down "window-expired") and releases
// the UE's LWIP configuration over RRC, so the UE's DRBs go on over LTE instead of waiting forever.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { is, startLab, type Lab } from "../../src/demo/lab.js";
import { fromHex } from "../../src/wire/hex.js";
import { until } from "../support/until.js";

let lab: Lab;

before(async () => {
  lab = await startLab("127.0.82", { enbWindowSeconds: 1 });
});

after(async () => {
  await lab?.stop();
});

test("16.2.2 note: a UE that does not authenticate within the window has its PSK and IDi deleted, and the eNB releases its LWIP configuration", async () => {
  // The UE's WLAN is up, but its IKE_SA_INIT never reaches the SeGW (sent to a port nobody listens
  // on: lost on the way, as behind a firewall), and it retries slower than the 1 s window.
  const u = await lab.addUe(1, { segwIkePort: 10999, ikeTiming: { retransmitMs: [4000], halfOpenMs: 30_000, dpdMs: 0 } });
  const from = lab.log.mark();
  assert.deepEqual(await lab.enb.setupLwip("ue1", [{ drbId: 1, type: "lwip" }]), { ok: true });
  const rrc = await lab.log.waitFor(is("rrc-lwip-configuration", "eNB", "ue1"), "the RRC configuration", from);
  const idi = rrc.event === "rrc-lwip-configuration" ? rrc.idi : "";
  const release = await lab.log.waitFor((e) => e.event === "rrc-lwip-release" && e.ue === "ue1", "the eNB releasing the UE's LWIP", from, 5000);
  assert.equal(release.event === "rrc-lwip-release" ? release.trigger : "", "window-expired");
  assert.equal(release.clause, "16.2.2");
  assert.equal(lab.segw.store.get(fromHex(idi) ?? new Uint8Array(0)), undefined, "the SeGW deleted the PSK and the IDi");
  await until(() => !u.ue.lwipConfigured, "the UE released its LWIP configuration");
  assert.equal(lab.log.of("ue1", from).filter((e) => e.event === "lwip-addition-request").length, 1, "not set up again with a new PSK");
  assert.equal(lab.enb.drops.size, 0);
});
