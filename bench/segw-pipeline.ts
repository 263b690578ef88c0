/**
 * The SeGW's per-packet user-plane work without its sockets, in one process, next to the floors it
 * sits on: `node bench/segw-pipeline.js [slices=7] [batch=4096]`.
 *
 * - uplink: a UDP-encapsulated ESP packet from the UE (RFC 3948 classification, EspTunnels.receive:
 *   SPI lookup, RFC 4303 §3.4 decapsulation, RFC 4301 §5.2 selector check) handed to the daemon's
 *   uplink step (session by IDi, SegwUserPlane.uplink with the per-UE and per-eNB limits on,
 *   metrics) up to the G-PDU that would go to the socket.
 * - downlink: a G-PDU from the eNB through SegwUserPlane.downlink, the session lookup and
 *   EspTunnels.send (selectors, encapsulation) up to the ESP packet that would go to the socket.
 * - floors: the bare node:crypto AES-128-GCM call of the same plaintext (decrypt with its tag check
 *   for uplink, encrypt for downlink), and node:dgram sending one datagram of the size the SeGW
 *   sends and receiving it, over loopback in this process (what a relay pays per packet).
 *
 * The daemon's glue (src/segw/daemon.ts uplink / downlink) is restated here in a few lines, with
 * the same classes (UeSessions, SegwMetrics, Counters). CPU time of this process (process.cpuUsage)
 * per packet; the operations of one size run in interleaved slices, the median and minimum slice
 * are reported (a shared machine only ever adds time).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { EspTunnels } from "../src/dataplane/esp-tunnels.js";
import { isEspDrop, NextHeader } from "../src/esp/constants.js";
import { createOutboundSa } from "../src/esp/sa.js";
import { classifyUdp4500 } from "../src/esp/udp-encap.js";
import { encodeGpdu } from "../src/gtpu/messages.js";
import type { ChildSa } from "../src/ike/sa/child-sa.js";
import type { IkeSa } from "../src/ike/sa/ike-sa.js";
import { parseCidr, selectorFromCidr } from "../src/ike/traffic-selector.js";
import { encodeIpv4 } from "../src/inet/ipv4.js";
import { Counters } from "../src/io/counters.js";
import { EtherType, encodeLwipep } from "../src/lwipep/lwipep.js";
import { SegwMetrics } from "../src/segw/metrics.js";
import { UeSessions } from "../src/segw/ue-sessions.js";
import { SegwUserPlane } from "../src/segw/user-plane.js";
import { toHex } from "../src/wire/hex.js";
import { innerUdpPacket } from "./esp-tunnel-common.js";
import { median } from "./interleaved.js";

const PAYLOADS = [64, 1400] as const;
const VIP = Uint8Array.of(198, 18, 64, 1);
const LWIP_ENDPOINT = Uint8Array.of(198, 18, 1, 1);
const SPI_AT_SEGW = 0xc0000001;
const SPI_AT_UE = 0xc0000002;
const HIGH = 1_000_000_000;

function selector(cidr: string) {
  const c = parseCidr(cidr);
  if (!c) throw new Error(cidr);
  return selectorFromCidr(c);
}

/** The parts of an IKE SA that EspTunnels and the daemon's glue read; idiHex is computed per call, as in IkeSa. */
class BenchIkeSa {
  readonly remote = { address: "127.0.0.2", port: 4500 };
  readonly local = { address: "127.0.0.1", port: 4500 };
  readonly rekeyedTo = undefined;
  readonly children: unknown[] = [];
  constructor(private readonly idi: Uint8Array) {}
  get idiHex(): string {
    return toHex(this.idi);
  }
}

/** The SeGW's data plane for one UE, and the UE's outbound SA that feeds it. */
function segwFor(sink: { gtpu: number; esp: number }) {
  const [keyIn, keyOut] = [new Uint8Array(randomBytes(20)), new Uint8Array(randomBytes(20))];
  const suite = { protocolId: 3, encrId: 20, encrKeyBits: 128, integId: 0, prfId: 0, dhGroup: 0, esn: false, spi: new Uint8Array(4) };
  const child = {
    spiIn: SPI_AT_SEGW, spiOut: SPI_AT_UE, suite, tsLocal: [selector("198.18.1.1/32")], tsRemote: [selector("198.18.64.1/32")],
    encrIn: keyIn, integIn: new Uint8Array(0), encrOut: keyOut, integOut: new Uint8Array(0), state: "installed", createdAt: 0, outboundActive: true,
  } as unknown as ChildSa;
  const ikeSa = new BenchIkeSa(new TextEncoder().encode("bench-ue-0")) as unknown as IkeSa;
  const counters = new Counters();
  const metrics = new SegwMetrics({ counters });
  const sessions = new UeSessions();
  const userPlane = new SegwUserPlane({
    uplinkPerUe: { packets: { perSecond: HIGH, burst: HIGH }, bytes: { perSecond: HIGH, burst: HIGH } },
    uplinkPerEnb: { packets: { perSecond: HIGH, burst: HIGH }, bytes: { perSecond: HIGH, burst: HIGH } },
    now: () => performance.now(),
  });
  const binding = {
    idi: toHex(new TextEncoder().encode("bench-ue-0")), virtualIp: VIP, enbName: "alpha", enbLwipEndpoints: [LWIP_ENDPOINT],
    enbGtp: { address: "127.0.0.3", port: 2152, teid: 0x0e000001 }, segwTeid: 0x5e000001,
  };
  sessions.add({ sa: ikeSa, binding, releasedByEnb: false });
  const tunnels = new EspTunnels({
    sendEsp: () => sink.esp++,
    deliver: (packet, t) => {
      const idi = t.ikeSa.idiHex;
      const session = idi === null ? undefined : sessions.get(idi);
      if (!session) return metrics.drop("no-session");
      const out = userPlane.uplink(packet, session.binding);
      if (!out.ok) return metrics.drop(out.drop);
      metrics.uplink(packet.length);
      if (out.gtpu.length > 0) sink.gtpu++;
    },
    onDrop: (reason) => metrics.drop(`esp-${reason}`),
  }, counters);
  tunnels.install(ikeSa, child);
  const from = { address: "127.0.0.3", port: 2152 };
  const downlink = (bytes: Uint8Array) => {
    const r = userPlane.downlink(bytes, (teid) => sessions.bindingByTeid(teid), from.address);
    if (!r.ok || r.kind !== "deliver") return metrics.drop(r.ok ? r.kind : r.drop);
    const session = sessions.get(r.ue.idi);
    if (!session || !tunnels.send(session.sa, r.innerPacket)) return metrics.drop("no-tunnel");
    metrics.downlink(r.innerPacket.length);
  };
  /** A fresh inbound SA, so that a batch of ESP packets with sequence numbers 1.. can be replayed. */
  const reinstall = () => {
    tunnels.remove(ikeSa, child);
    tunnels.install(ikeSa, child);
  };
  const ue = createOutboundSa({ spi: SPI_AT_SEGW, encrId: 20, encrKeyBits: 128, integId: 0, encrKey: keyIn, esn: false });
  return { tunnels, downlink, reinstall, ue, binding, remote: ikeSa.remote, counters, metrics };
}

function innerPackets(payload: number) {
  const lwipep = encodeLwipep({ drbId: 1, protocolType: EtherType.IPV4, payload: innerUdpPacket(VIP, LWIP_ENDPOINT, payload) });
  return { lwipep, inner: encodeIpv4({ src: VIP, dst: LWIP_ENDPOINT, protocol: 47, ttl: 64, id: 0, payload: lwipep }) };
}

/** µs of CPU per call of `op` over `n` calls. */
function cpuUsPer(n: number, op: (i: number) => void): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) op(i);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

function gcmFloor(bytes: number) {
  const key = randomBytes(16);
  const iv = randomBytes(12);
  const aad = randomBytes(8);
  const pt = randomBytes(bytes);
  const enc = createCipheriv("aes-128-gcm", key, iv, { authTagLength: 16 }).setAAD(aad);
  const ct = Buffer.concat([enc.update(pt), enc.final()]);
  const tag = enc.getAuthTag();
  return {
    decrypt: () => {
      const d = createDecipheriv("aes-128-gcm", key, iv, { authTagLength: 16 }).setAAD(aad).setAuthTag(tag);
      d.update(ct);
      d.final();
    },
    encrypt: () => {
      const c = createCipheriv("aes-128-gcm", key, iv, { authTagLength: 16 }).setAAD(aad);
      c.update(pt);
      c.final();
      c.getAuthTag();
    },
  };
}

/** µs of CPU per datagram sent and received over loopback in this process, `window` in flight. */
async function dgramFloorUs(bytes: number, n: number, window = 64, burst = 16): Promise<number> {
  const rx = createSocket("udp4");
  const tx = createSocket("udp4");
  let got = 0;
  rx.on("message", () => got++);
  await new Promise<void>((r) => rx.bind(0, "127.0.0.1", r));
  await new Promise<void>((r) => tx.bind(0, "127.0.0.1", r));
  const port = rx.address().port;
  const datagram = new Uint8Array(bytes);
  let sent = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (got < n && performance.now() - t0 < 10_000) {
    for (let b = 0; b < burst && sent < n && sent - got < window; b++, sent++) tx.send(datagram, port, "127.0.0.1");
    await new Promise((r) => setImmediate(r));
  }
  const c = process.cpuUsage(c0);
  rx.close();
  tx.close();
  return (c.user + c.system) / Math.max(1, got);
}

async function main(): Promise<void> {
  const slices = Number(process.argv[2] ?? 7);
  const batch = Number(process.argv[3] ?? 4096);
  /** Only the rows whose name starts with this (for a profile of one path), e.g. "uplink". */
  const only = process.argv[4] ?? "";
  const sink = { gtpu: 0, esp: 0 };
  const lines = ["| path | UDP payload | median µs / packet | min µs / packet |", "| --- | ---: | ---: | ---: |"];
  for (const payload of PAYLOADS) {
    const s = segwFor(sink);
    const { inner, lwipep } = innerPackets(payload);
    const esp: Uint8Array[] = [];
    for (let i = 0; i < batch; i++) {
      const p = s.ue.encapsulate(inner, NextHeader.IPV4);
      if (isEspDrop(p)) throw new Error(p.drop);
      esp.push(p);
    }
    const gpdu = encodeGpdu(s.binding.segwTeid, lwipep);
    const gcm = gcmFloor(inner.length + 2 + ((4 - ((inner.length + 2) % 4)) % 4));
    const all: Array<[string, () => number]> = [
      ["uplink: ESP in -> G-PDU out", () => {
        s.reinstall();
        return cpuUsPer(batch, (i) => {
          const d = classifyUdp4500(esp[i] ?? new Uint8Array(0));
          if (d.kind === "esp") s.tunnels.receive(d.packet, d.spi, s.remote);
        });
      }],
      ["downlink: G-PDU in -> ESP out", () => cpuUsPer(batch, () => s.downlink(gpdu))],
      ["floor: AES-128-GCM decrypt (bare node:crypto)", () => cpuUsPer(batch, gcm.decrypt)],
      ["floor: AES-128-GCM encrypt (bare node:crypto)", () => cpuUsPer(batch, gcm.encrypt)],
    ];
    const ops = all.filter(([name]) => name.startsWith(only));
    const before = { ...sink };
    const runs: number[][] = ops.map(() => []);
    for (let k = 0; k <= slices; k++) {
      ops.forEach(([, op], i) => {
        const us = op();
        if (k > 0) runs[i]?.push(us); // slice 0 warms up
      });
    }
    const expected = (name: string) => (ops.some(([n]) => n.startsWith(name)) ? (slices + 1) * batch : 0);
    if (sink.gtpu - before.gtpu !== expected("uplink") || sink.esp - before.esp !== expected("downlink")) {
      throw new Error(`not every packet went through: ${JSON.stringify({ sink, before, drops: s.counters.snapshot() })}`);
    }
    ops.forEach(([name], i) => lines.push(`| ${name} | ${payload} | ${median(runs[i] ?? []).toFixed(2)} | ${Math.min(...(runs[i] ?? [])).toFixed(2)} |`));
    if (only !== "" && !"floor: node:dgram".startsWith(only)) continue;
    const dgram: number[] = [];
    for (let k = 0; k < 3; k++) dgram.push(await dgramFloorUs(payload + 118, batch * 4));
    lines.push(`| floor: node:dgram send + receive of one ${payload + 118}-octet datagram | ${payload} | ${median(dgram).toFixed(2)} | ${Math.min(...dgram).toFixed(2)} |`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`segw-pipeline: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
