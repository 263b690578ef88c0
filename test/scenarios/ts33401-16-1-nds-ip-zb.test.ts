import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, createPrivateKey } from "node:crypto";
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
import { openUdpSocket } from "../../src/io/udp-socket.js";
import { systemClock } from "../../src/io/clock.js";
import { Counters } from "../../src/io/counters.js";
import { silentLogger } from "../../src/io/log.js";
import { decodeUdpPacket, encodeUdpPacket } from "../../src/inet/udp.js";
import { decodeGtpu, encodeEchoRequest } from "../../src/gtpu/messages.js";
import { startSegwFixture, type SegwFixture } from "../support/segw-fixture.js";

/**
 * TS 33.401 16.1: "The interface between the eNB and the LWIP-SeGW shall be confidentiality and
 * integrity protected by NDS/IP TS 33.210." With NDS/IP built in, the eNB sets up an IKE SA with
 * certificates (ID_FQDN, RFC 7427) and GTP-U travels only inside its ESP SA.
 */
const ENB = "127.0.0.5";
const PORTS = { ikePort: 25500, nattPort: 24500, apiPort: 28443, gtpuPort: 22152 };
let fx: SegwFixture;

before(async () => {
  fx = await startSegwFixture({ ndsIp: "builtin", enbAddress: ENB, ...PORTS });
});
after(async () => {
  await fx.stop();
});

function specs(text: string, kind: "ike" | "esp") {
  const r = parseProposalList(text, kind);
  assert.ok(r.ok);
  return r.specs;
}

function cidr(text: string) {
  const c = parseCidr(text);
  assert.ok(c);
  return c;
}

const waitFor = <T>(p: Promise<T>, ms: number, what: string) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`timed out: ${what}`)), ms).unref())]);

test("16.1 / TS 33.210: the eNB's certificate SA carries GTP-U; plain GTP-U to the SeGW is dropped and counted", async () => {
  const pem = (name: string) => readFileSync(join(fx.pki, name), "utf8");
  const chain = parseCertificatesPem(pem("enb-alpha.pem"));
  const anchors = parseCertificatesPem(pem("ca.pem"));
  assert.ok(chain.ok && anchors.ok);
  const replies: Uint8Array[] = [];
  const io: { s?: IkeUdpSockets } = {};
  const counters = new Counters();
  const tunnels = new EspTunnels({ sendEsp: (p, to) => io.s?.sendEsp(p, to), deliver: (p) => void replies.push(p) }, counters);
  const events: IkeEvent[] = [];
  let childUp: () => void = () => {};
  const up = new Promise<void>((resolve) => (childUp = resolve));
  const enb = new IkeNode({
    clock: systemClock, random: (n) => new Uint8Array(randomBytes(n)), log: silentLogger, sink: tunnels,
    sender: { send: (m, l, r) => io.s?.sendIke(m, l, r) },
    onEvent: (e) => {
      events.push(e);
      if (e.event === "child-sa-up") childUp();
    },
  });
  io.s = await IkeUdpSockets.open({ address: ENB, ikePort: PORTS.ikePort, nattPort: PORTS.nattPort }, {
    onIke: (m, r, l) => enb.receive(m, r, l), onEsp: (p, spi, r) => tunnels.receive(p, spi, r),
  });
  try {
    const sa = enb.initiate({
      local: { address: ENB, port: PORTS.ikePort }, remote: { address: "127.0.0.1", port: PORTS.ikePort },
      idi: { idType: IdType.ID_FQDN, data: new TextEncoder().encode("alpha") },
      certificates: { credentials: [{ chain: chain.value, privateKey: createPrivateKey(pem("enb-alpha-key.pem")) }], trustAnchors: anchors.value },
      ikeProposals: specs("aes128gcm16-prfsha256-ecp256", "ike"), espProposals: specs("aes128gcm16", "esp"),
      tsi: [selectorFromCidr(cidr(`${ENB}/32`))], tsr: [selectorFromCidr(cidr("127.0.0.1/32"))], requestVirtualIp: false,
      nattPorts: { local: PORTS.nattPort, remote: PORTS.nattPort },
    });
    await waitFor(up, 5000, `the Zb CHILD SA (${JSON.stringify(events)})`);
    const child = events.find((e) => e.event === "child-sa-up");
    assert.deepEqual(child && "tsLocal" in child ? [child.tsLocal, child.tsRemote] : [], [[`${ENB}/32`], ["127.0.0.1/32"]]);
    // A GTP-U Echo Request inside the tunnel gets its Echo Response inside the tunnel (TS 29.281 §7.2).
    const echo = encodeUdpPacket({ src: new Uint8Array([127, 0, 0, 5]), dst: new Uint8Array([127, 0, 0, 1]), srcPort: 2152, dstPort: 2152, payload: encodeEchoRequest(7) });
    assert.equal(tunnels.send(sa, echo), true);
    const deadline = Date.now() + 3000;
    while (replies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const reply = replies[0] ? decodeUdpPacket(replies[0]) : undefined;
    assert.ok(reply?.ok, "an answer came back through the Zb SA");
    const gtpu = decodeGtpu(reply.value.payload);
    assert.ok(gtpu.ok);
    assert.equal(gtpu.value.kind, "echo-response");
    // The same Echo Request as plain UDP is not answered, only counted.
    const plain = await openUdpSocket(ENB, 0, () => assert.fail("no plain GTP-U answer expected"));
    const before = fx.segw.metrics.registry;
    plain.send(encodeEchoRequest(8), { address: "127.0.0.1", port: PORTS.gtpuPort });
    const counted = Date.now() + 2000;
    const drops = async () => (await before.getSingleMetricAsString("lwip_segw_drops_total")).includes('reason="gtpu-outside-nds-ip"} 1');
    while (!(await drops()) && Date.now() < counted) await new Promise((r) => setTimeout(r, 20));
    assert.ok(await drops(), "the plain GTP-U datagram was counted as outside NDS/IP");
    plain.close();
    enb.deleteIke(sa);
  } finally {
    setTimeout(() => io.s?.close(), 100);
  }
});
