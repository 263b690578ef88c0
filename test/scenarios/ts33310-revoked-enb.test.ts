// TS 33.310 revocation between the LWIP-SeGW and its eNBs: an eNB whose certificate is on the CA's
// CRL (controlApi.tls.crl, made by `lwip pki revoke`) can neither use the control API (mutual TLS)
// nor set up its NDS/IP SA (TS 33.401 16.1, TS 33.210); another eNB of the same CA still can. The
// same CRL also revokes the SeGW's certificate here: an eNB given the CRL (lwip enb --crl) refuses
// the SeGW, one without it does not.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { IkeNode } from "../../src/ike/ike-node.js";
import { parseCertificatesPem } from "../../src/ike/auth/certificates.js";
import { parseProposalList } from "../../src/ike/proposal.js";
import { IdType } from "../../src/ike/registry.js";
import { parseCidr, selectorFromCidr } from "../../src/ike/traffic-selector.js";
import type { IkeEvent } from "../../src/ike/events.js";
import { EspTunnels } from "../../src/dataplane/esp-tunnels.js";
import { IkeUdpSockets } from "../../src/io/udp.js";
import { systemClock } from "../../src/io/clock.js";
import { Counters } from "../../src/io/counters.js";
import { createLogger, silentLogger } from "../../src/io/log.js";
import { ControlApiClient } from "../../src/segw/control-api/client.js";
import { EnbNdsIp } from "../../src/lwip/enb-nds-ip.js";
import { startSegwFixture, type SegwFixture } from "../support/segw-fixture.js";
import { until } from "../support/until.js";

const ALPHA = "127.0.0.12";
const BRAVO = "127.0.0.9";
const PORTS = { ikePort: 26600, nattPort: 26601, apiPort: 26643, gtpuPort: 26652 };
const segwLog: string[] = [];
let fx: SegwFixture;

before(async () => {
  fx = await startSegwFixture({ ndsIp: "builtin", enbAddress: ALPHA, ...PORTS, revoked: ["enb-bravo", "segw"], log: createLogger("info", (l) => void segwLog.push(l)) });
});
after(async () => {
  await fx.stop();
});

const pem = (name: string) => readFileSync(join(fx.pki, name), "utf8");
const client = (enb: string, crl?: string) => new ControlApiClient({
  api: `https://127.0.0.1:${PORTS.apiPort}`, cert: pem(`enb-${enb}.pem`), key: pem(`enb-${enb}-key.pem`), ca: pem("ca.pem"), crl,
});

function specs(text: string, kind: "ike" | "esp") {
  const r = parseProposalList(text, kind);
  assert.ok(r.ok);
  return r.specs;
}
const host = (address: string) => {
  const c = parseCidr(`${address}/32`);
  assert.ok(c);
  return selectorFromCidr(c);
};

/** The eNB `name` sets up its NDS/IP SA from `address` with its certificate; resolves with its first up or failed event. */
async function ndsIpAttempt(name: string, address: string): Promise<IkeEvent> {
  const chain = parseCertificatesPem(pem(`enb-${name}.pem`));
  const anchors = parseCertificatesPem(pem("ca.pem"));
  assert.ok(chain.ok && anchors.ok);
  const io: { s?: IkeUdpSockets } = {};
  const counters = new Counters();
  const tunnels = new EspTunnels({ sendEsp: (p, to) => io.s?.sendEsp(p, to), deliver: () => {} }, counters);
  let settle: (e: IkeEvent) => void = () => {};
  const outcome = new Promise<IkeEvent>((resolve) => (settle = resolve));
  const enb = new IkeNode({
    clock: systemClock, random: (n) => new Uint8Array(randomBytes(n)), log: silentLogger, sink: tunnels,
    sender: { send: (m, l, r) => io.s?.sendIke(m, l, r) },
    onEvent: (e) => {
      if (e.event === "child-sa-up" || e.event === "ike-sa-failed") settle(e);
    },
  });
  io.s = await IkeUdpSockets.open({ address, ikePort: PORTS.ikePort, nattPort: PORTS.nattPort }, {
    onIke: (m, r, l) => enb.receive(m, r, l), onEsp: (p, spi, r) => tunnels.receive(p, spi, r),
  });
  try {
    enb.initiate({
      local: { address, port: PORTS.ikePort }, remote: { address: "127.0.0.1", port: PORTS.ikePort },
      idi: { idType: IdType.ID_FQDN, data: new TextEncoder().encode(name) },
      certificates: { credentials: [{ chain: chain.value, privateKey: createPrivateKey(pem(`enb-${name}-key.pem`)) }], trustAnchors: anchors.value },
      ikeProposals: specs("aes128gcm16-prfsha256-ecp256", "ike"), espProposals: specs("aes128gcm16", "esp"),
      tsi: [host(address)], tsr: [host("127.0.0.1")], requestVirtualIp: false,
      nattPorts: { local: PORTS.nattPort, remote: PORTS.nattPort },
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no outcome for ${name}`)), 5000).unref());
    return await Promise.race([outcome, timeout]);
  } finally {
    enb.shutdown();
    // The Delete goes out before the sockets close, and the address is free for the next test.
    await new Promise((r) => setTimeout(r, 100));
    io.s?.close();
  }
}

test("TS 33.310 / RFC 5280 §6.3: the control API refuses the TLS handshake of a revoked eNB and serves the others", async () => {
  const alpha = await client("alpha").call("GET", "/xwap/v1/ues");
  assert.equal(alpha.status, 200);
  await assert.rejects(client("bravo").call("GET", "/xwap/v1/ues"), "bravo's certificate is on the CRL");
});

test("TS 33.401 16.1 / TS 33.310: NDS/IP refuses a revoked eNB with AUTHENTICATION_FAILED (logged as revoked); another eNB's SA comes up", async () => {
  const bravo = await ndsIpAttempt("bravo", BRAVO);
  assert.equal(bravo.event, "ike-sa-failed");
  assert.equal(bravo.event === "ike-sa-failed" ? bravo.reason : "", "AUTHENTICATION_FAILED");
  assert.ok(segwLog.some((l) => l.includes("certificate-revoked")), "the SeGW logs why");
  const alpha = await ndsIpAttempt("alpha", ALPHA);
  assert.equal(alpha.event, "child-sa-up");
});

test("TS 33.310: an eNB given the CRL refuses a revoked SeGW certificate, over TLS and in its NDS/IP IKE_AUTH", async () => {
  await assert.rejects(client("alpha", pem("crl.pem")).call("GET", "/xwap/v1/ues"), "the SeGW's certificate is on the CRL");
  const enbLog: string[] = [];
  const zb = await EnbNdsIp.open({
    address: ALPHA, segwAddress: "127.0.0.1", ikePort: PORTS.ikePort, nattPort: PORTS.nattPort, segwIkePort: PORTS.ikePort, segwNattPort: PORTS.nattPort,
    cert: pem("enb-alpha.pem"), key: pem("enb-alpha-key.pem"), ca: pem("ca.pem"), crl: pem("crl.pem"), retransmitMs: [200, 200],
    log: createLogger("info", (l) => void enbLog.push(l)), onDatagram: () => {},
  });
  try {
    await until(() => enbLog.some((l) => l.includes("certificate-revoked")), "the eNB refuses the SeGW's AUTH as revoked", 5000);
    assert.equal(zb.established, false);
  } finally {
    zb.close();
  }
});
