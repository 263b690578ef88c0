import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDevPki } from "../../src/pki/dev-pki.js";
import { writePkiFiles } from "../../src/pki/write-files.js";
import { parseSegwConfig } from "../../src/segw/config.js";
import { startSegw, type Segw } from "../../src/segw/daemon.js";
import { silentLogger } from "../../src/io/log.js";
import { EnbNdsIp } from "../../src/lwip/enb-nds-ip.js";
import { decodeGtpu, encodeEchoRequest } from "../../src/gtpu/messages.js";
import { until } from "../support/until.js";

/**
 * TS 33.401 16.1 with TS 33.210, against a multi-worker SeGW: each worker ends the eNB's Zb SA on its
 * own backhaul address, so the eNB runs one NDS/IP SA per SeGW address it sends GTP-U to, all from its
 * one pair of IKE sockets. Two single-process SeGWs, on 127.0.0.1 and 127.0.0.2, stand for two workers.
 */
const ENB = "127.0.6.5";
const SEGWS = ["127.0.0.1", "127.0.0.2"] as const;
/** gtpuPort: the SeGWs' plain UDP sockets (only counting drops); inside the Zb SA GTP-U uses 2152. */
const PORTS = { ikePort: 27510, nattPort: 27511, gtpuPort: 27152 };
const GTPU = 2152;
const API_PORTS = [27443, 27444];
let dir: string;
let segws: Segw[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "lwip-zb-workers-"));
  const files = await createDevPki({ enbs: ["alpha"], segwName: "segw.lwip.test", segwAddresses: [...SEGWS], days: 1 });
  const written = writePkiFiles(join(dir, "pki"), files, false);
  if (!written.ok) throw new Error(written.error);
  segws = await Promise.all(SEGWS.map((address, i) => {
    const config = parseSegwConfig(`
ike: { listen: ${address}, ikePort: ${PORTS.ikePort}, nattPort: ${PORTS.nattPort}, dpdSeconds: 0 }
pools: [198.18.${64 + 64 * i}.0/18]
controlApi: { listen: ${address}, port: ${API_PORTS[i]}, tls: { cert: pki/segw.pem, key: pki/segw-key.pem, ca: pki/ca.pem } }
enbs:
  - { name: alpha, certificateIdentity: alpha, lwipEndpoints: [198.18.1.1], gtpAddress: ${ENB} }
gtpu: { listen: ${address}, port: ${PORTS.gtpuPort}, ndsIp: builtin }
`, dir);
    if (!config.ok) throw new Error(config.error.message);
    return startSegw(config.value, { log: silentLogger });
  }));
});
after(async () => {
  await Promise.all(segws.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

test("16.1: one Zb SA per SeGW (worker) address on the eNB's one IKE socket pair; GTP-U echo answered by each inside its own SA", async () => {
  const pem = (n: string) => readFileSync(join(dir, "pki", n), "utf8");
  const echoFrom = new Map<number, string>();
  const zb = await EnbNdsIp.open({
    address: ENB, segwAddress: SEGWS[0], ikePort: PORTS.ikePort, nattPort: PORTS.nattPort, segwIkePort: PORTS.ikePort, segwNattPort: PORTS.nattPort,
    cert: pem("enb-alpha.pem"), key: pem("enb-alpha-key.pem"), ca: pem("ca.pem"), retransmitMs: [200, 400, 800],
    onDatagram: (bytes, from) => {
      const m = decodeGtpu(bytes);
      if (m.ok && m.value.kind === "echo-response") echoFrom.set(m.value.header.sequence ?? -1, from.address);
    },
  });
  try {
    await until(() => zb.established, "the SA to the configured SeGW address comes up at open", 5000);
    assert.equal(zb.establishedTo(SEGWS[1]), false, "no SA to the second worker before it is named");
    // GTP-U to an address without an SA is refused, counted, and starts the SA to it.
    assert.equal(zb.send(encodeEchoRequest(1), { address: SEGWS[1], port: GTPU }), false);
    assert.equal(zb.counters.get("nds_ip_no_sa"), 1);
    zb.ensure(SEGWS[1]);
    await until(() => zb.establishedTo(SEGWS[1]), "the SA to the second worker comes up", 5000);
    assert.equal(zb.established, true, "the first SA is still up");
    // Each SeGW holds one Zb IKE SA, from the same eNB endpoint: the eNB's NAT-T socket (IKE_AUTH moved there, RFC 7296 §2.23).
    const remotes = segws.map((segw) => segw.node.sas.filter((sa) => sa.state === "established").map((sa) => sa.remote));
    assert.deepEqual(remotes, [[{ address: ENB, port: PORTS.nattPort }], [{ address: ENB, port: PORTS.nattPort }]]);
    assert.ok(zb.send(encodeEchoRequest(10), { address: SEGWS[0], port: GTPU }));
    assert.ok(zb.send(encodeEchoRequest(20), { address: SEGWS[1], port: GTPU }));
    await until(() => echoFrom.size >= 2, "both Echo Requests answered", 3000);
    assert.deepEqual(Object.fromEntries(echoFrom), { 10: SEGWS[0], 20: SEGWS[1] }, "each answered by the SeGW it was sent to, through its SA");
    for (const segw of segws) {
      const drops = await segw.metrics.registry.getSingleMetricAsString("lwip_segw_drops_total");
      assert.equal(drops.includes('reason="gtpu-outside-nds-ip"'), false, "no GTP-U reached a SeGW outside NDS/IP");
    }
    assert.equal(zb.counters.get("nds_ip_sa_lost"), 0);
  } finally {
    zb.close();
  }
});
