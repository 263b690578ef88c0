import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EnbNdsIp } from "../../src/lwip/enb-nds-ip.js";
import { decodeGtpu, encodeEchoRequest } from "../../src/gtpu/messages.js";
import { startSegwFixture, type SegwFixture } from "../support/segw-fixture.js";
import { until } from "../support/until.js";

/**
 * Issue 6 / TS 33.401 16.1 with TS 33.210: the eNB's NDS/IP SA carries GTP-U, is rekeyed before its
 * lifetime ends without losing traffic, and is set up again after the SeGW restarts.
 */
const ENB = "127.0.5.2";
const PORTS = { ikePort: 26500, nattPort: 25500, apiPort: 29443, gtpuPort: 2152 };
let fx: SegwFixture;

before(async () => {
  fx = await startSegwFixture({ ndsIp: "builtin", enbAddress: ENB, ...PORTS });
});
after(async () => {
  await fx.stop();
});

test("16.1: the eNB's NDS/IP SA is rekeyed under steady GTP-U without loss, and comes back after a SeGW restart", async () => {
  const pem = (n: string) => readFileSync(join(fx.pki, n), "utf8");
  const answered = new Set<number>();
  const zb = await EnbNdsIp.open({
    address: ENB, segwAddress: "127.0.0.1", ikePort: PORTS.ikePort, nattPort: PORTS.nattPort, segwIkePort: PORTS.ikePort, segwNattPort: PORTS.nattPort,
    cert: pem("enb-alpha.pem"), key: pem("enb-alpha-key.pem"), ca: pem("ca.pem"),
    childLifetimeMs: 400, ikeLifetimeMs: 900, dpdMs: 300, retransmitMs: [100, 100, 100],
    onDatagram: (bytes) => {
      const m = decodeGtpu(bytes);
      if (m.ok && m.value.kind === "echo-response") answered.add(m.value.header.sequence ?? -1);
    },
  });
  try {
    await until(() => zb.established, "the NDS/IP SA comes up", 5000);
    const rekeysBefore = fx.segw.node.counters.get("child_sa_rekeyed");
    let sent = 0;
    const end = Date.now() + 2000;
    while (Date.now() < end) {
      if (zb.send(encodeEchoRequest(sent), { address: "127.0.0.1", port: 2152 })) sent++;
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => answered.size >= sent, "every Echo Request answered", 2000);
    const rekeys = fx.segw.node.counters.get("child_sa_rekeyed") - rekeysBefore;
    assert.ok(rekeys >= 2, `CHILD SA rekeyed on its lifetime (${rekeys} times)`);
    assert.ok(fx.segw.node.counters.get("ike_sa_rekeyed") >= 1, "IKE SA rekeyed on its lifetime");
    assert.equal(answered.size, sent, `every one of ${sent} Echo Requests answered through the rekeys`);
    assert.equal(zb.counters.get("nds_ip_no_sa"), 0, "never without an SA");

    await fx.restart();
    await until(() => !zb.established, "the eNB notices the restart (liveness)", 5000);
    await until(() => zb.established, "and sets the SA up again", 8000);
    answered.clear();
    assert.ok(zb.send(encodeEchoRequest(9999), { address: "127.0.0.1", port: 2152 }));
    await until(() => answered.has(9999), "GTP-U flows through the new SA", 3000);
  } finally {
    zb.close();
  }
});
