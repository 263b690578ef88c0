import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EspTunnels } from "../../src/dataplane/esp-tunnels.js";
import { WiresharkKeyLog } from "../../src/demo/wireshark-keys.js";
import { echoRequest } from "../../src/cli/ping.js";
import { IkeNode } from "../../src/ike/ike-node.js";
import { AddressPool } from "../../src/ike/address-pool.js";
import { parseProposalList } from "../../src/ike/proposal.js";
import { IdType } from "../../src/ike/registry.js";
import { parseCidr, selectorFromCidr } from "../../src/ike/traffic-selector.js";
import { echoReplyFor } from "../../src/inet/icmp.js";
import { setPacketTap } from "../../src/io/capture.js";
import { systemClock } from "../../src/io/clock.js";
import { Counters } from "../../src/io/counters.js";
import { silentLogger } from "../../src/io/log.js";
import { PcapRecorder } from "../../src/io/pcap.js";
import { IkeUdpSockets } from "../../src/io/udp.js";
import { inCi } from "./harness/prerequisites.js";

/**
 * Wireshark as an independent decoder of what we write: a loopback IKEv2 + ESP exchange is captured
 * through the packet tap into a pcap, the exported keys into Wireshark's own tables, and tshark must
 * decrypt IKE_AUTH (ID_KEY_ID, CP, AUTH) and the ESP-protected ICMP echo.
 */
const IKE_PORT = 45500;
const NATT_PORT = 44500;

function specs(text: string, kind: "ike" | "esp") {
  const r = parseProposalList(text, kind);
  assert.ok(r.ok);
  return r.specs;
}

function sel(text: string) {
  const c = parseCidr(text);
  assert.ok(c);
  return selectorFromCidr(c);
}

async function captureExchange(dir: string, ike: string, esp: string): Promise<number> {
  const pcap = new PcapRecorder();
  const keys = new WiresharkKeyLog();
  setPacketTap((direction, from, to, payload) => direction === "out" && pcap.add(from, to, payload));
  const random = (n: number) => new Uint8Array(randomBytes(n));
  const psk = random(32);
  const io: { r?: IkeUdpSockets; i?: IkeUdpSockets } = {};
  const tr: EspTunnels = new EspTunnels({ sendEsp: (p, to) => io.r?.sendEsp(p, to), deliver: (p, t) => { const r = echoReplyFor(p); if (r) tr.send(t.ikeSa, r); } }, new Counters());
  let replies = 0;
  const ti = new EspTunnels({ sendEsp: (p, to) => io.i?.sendEsp(p, to), deliver: () => void replies++ }, new Counters());
  const responder = new IkeNode({
    clock: systemClock, random, log: silentLogger, sink: tr, exportKeys: (k) => keys.add(k), onEvent: () => {},
    sender: { send: (m, l, r) => io.r?.sendIke(m, l, r) },
    policy: {
      ikeProposals: specs(ike, "ike"), espProposals: specs(esp, "esp"), localId: { idType: IdType.ID_IPV4_ADDR, data: new Uint8Array([127, 0, 0, 1]) },
      lookupPsk: () => ({ ok: true, psk: psk.slice() }), pools: [new AddressPool({ address: new Uint8Array([198, 18, 64, 0]), prefixLength: 18 })],
      localTs: [sel("198.18.1.1/32")], remoteTs: [sel("0.0.0.0/0")], cookieThreshold: 100,
    },
  });
  let up: () => void = () => {};
  const childUp = new Promise<void>((resolve) => (up = resolve));
  const initiator = new IkeNode({ clock: systemClock, random, log: silentLogger, sink: ti, sender: { send: (m, l, r) => io.i?.sendIke(m, l, r) }, onEvent: (e) => e.event === "child-sa-up" && up() });
  io.r = await IkeUdpSockets.open({ address: "127.0.0.1", ikePort: IKE_PORT, nattPort: NATT_PORT }, { onIke: (m, r, l) => responder.receive(m, r, l), onEsp: (p, s, r) => tr.receive(p, s, r) });
  io.i = await IkeUdpSockets.open({ address: "127.0.0.2", ikePort: IKE_PORT, nattPort: NATT_PORT }, { onIke: (m, r, l) => initiator.receive(m, r, l), onEsp: (p, s, r) => ti.receive(p, s, r) });
  try {
    const sa = initiator.initiate({
      local: { address: "127.0.0.2", port: IKE_PORT }, remote: { address: "127.0.0.1", port: IKE_PORT },
      idi: { idType: IdType.ID_KEY_ID, data: new TextEncoder().encode("LWIP-UE-0001") }, psk,
      ikeProposals: specs(ike, "ike"), espProposals: specs(esp, "esp"), tsi: [sel("0.0.0.0/0")], tsr: [sel("0.0.0.0/0")],
      requestVirtualIp: true, nattPorts: { local: NATT_PORT, remote: NATT_PORT },
    });
    await childUp;
    const vip = sa.virtualIp;
    assert.ok(vip);
    for (let seq = 1; seq <= 3; seq++) ti.send(sa, echoRequest(vip, new Uint8Array([198, 18, 1, 1]), 9, seq));
    const deadline = Date.now() + 3000;
    while (replies < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  } finally {
    setPacketTap(undefined);
    initiator.shutdown();
    responder.shutdown();
    io.i?.close();
    io.r?.close();
  }
  pcap.write(join(dir, "capture.pcap"));
  keys.write(dir);
  return replies;
}

function tshark(dir: string, filter: string): string {
  const r = spawnSync("tshark", [
    "-o", "esp.enable_encryption_decode:TRUE", "-d", `udp.port==${NATT_PORT},udpencap`, "-d", `udp.port==${IKE_PORT},isakmp`,
    "-r", join(dir, "capture.pcap"), "-V", "-Y", filter,
  ], { encoding: "utf8", env: { ...process.env, WIRESHARK_CONFIG_DIR: dir }, timeout: 30_000 });
  return r.stdout;
}

for (const [ike, esp] of [["aes128-sha256-modp2048", "aes128gcm16"], ["aes128gcm16-prfsha256-ecp256", "aes128-sha256"]] as const) {
  test(`tshark decrypts our IKE_AUTH and ESP with the exported tables (IKE ${ike}, ESP ${esp})`, async (t) => {
    if (spawnSync("tshark", ["--version"]).status !== 0) {
      if (inCi()) assert.fail("tshark is missing (apt-get install tshark)");
      return t.skip("tshark is not installed");
    }
    const dir = mkdtempSync(join(tmpdir(), "lwip-ws-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    assert.equal(await captureExchange(dir, ike, esp), 3, "three echo replies through the tunnel");
    const auth = tshark(dir, "isakmp.exchangetype == 35");
    assert.match(auth, /ID_KEY_ID: 4c5749502d55452d30303031/);
    assert.match(auth, /CFG_REQUEST/);
    assert.match(auth, /CFG_REPLY/);
    const icmp = tshark(dir, "icmp.type == 0");
    assert.equal((icmp.match(/Echo \(ping\) reply/g) ?? []).length, 3, "the three ESP-protected echo replies decrypt");
  });
}
