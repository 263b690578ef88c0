/**
 * Where the SeGW's user-plane CPU goes, on loopback (root, ports 500/4500/2152 on 127.0.0.x):
 *
 *   node bench/segw-profile.js [seconds=3] [outDir=/tmp/segw-profile]
 *
 * 1. The SeGW (bench/segw-peer.ts, startSegw) runs under `node --cpu-prof`, with its bare UDP relay.
 * 2. Floor, in the SeGW's own process: this process floods the relay (recv one datagram, send one)
 *    with datagrams of the sizes the SeGW receives, and counts them at the eNB's address.
 * 3. The UE and the eNB stand-in (bench/traffic-peer.ts) drive uplink, then downlink, at 64 and
 *    1400 octets of UDP payload, the pacing of bench/traffic.ts.
 * 4. Per phase: SeGW CPU (utime + stime from /proc) per delivered packet, and the profile cut to
 *    the phase's window (CLOCK_MONOTONIC, shared by both processes), top functions by self time.
 * 5. Floor: the bare node:crypto AES-128-GCM call of each size (decrypt for uplink, encrypt for
 *    downlink), measured here with process.cpuUsage().
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { openUdpSocket } from "../src/io/udp-socket.js";
import { aggregateProfile, readCpuProfile, topTable, type Aggregate } from "./cpuprofile-aggregate.js";
import { num, procCpuUs, RpcChild, spawnIn } from "./peer-rpc.js";
import { SEGW_PEER, nodeArgv } from "./setup-rate.js";
import type { SegwPeerConfig } from "./segw-peer.js";
import type { TrafficPeerConfig } from "./traffic-peer.js";
import { TRAFFIC } from "./traffic.js";

const TRAFFIC_PEER = fileURLToPath(new URL("./traffic-peer.js", import.meta.url));
const SEGW = "127.0.0.1";
const UE = "127.0.0.2";
const ENB_GTP = "127.0.0.3";
const RELAY_PORT = 2153;
/** `--cpu-prof-interval` of the SeGW child: one sample stands for this much of its main thread. */
const PROFILE_INTERVAL_US = 250;
const PROPOSALS = { ike: "aes128gcm16-prfsha256-ecp256", esp: "aes128gcm16" } as const;
/** Inner IPv4 (20) + LWIPEP (8) + user IPv4 (20) + UDP (8) around the UDP payload. */
const INNER_OVERHEAD = 56;
/** ESP (8 + 8 IV + 16 ICV + 2 trailer) + UDP (8) + IP (20) around the inner packet, before padding. */
const ESP_UDP_OVERHEAD = 62;

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

interface PhaseRow {
  readonly phase: string;
  readonly delivered: number;
  readonly cpuUsPerPacket: number;
  readonly fromUs: number;
  readonly toUs: number;
}

/** The relay floor: window-paced datagrams of `bytes` octets through the SeGW process's bare relay. */
async function relayPhase(segwPid: number, bytes: number, seconds: number): Promise<PhaseRow> {
  const counter = { n: 0 };
  const sink = await openUdpSocket(ENB_GTP, 2152, () => counter.n++);
  const sender = await openUdpSocket(UE, 0, () => {});
  const datagram = new Uint8Array(randomBytes(bytes));
  const to = { address: SEGW, port: RELAY_PORT };
  let [sent, lost, progress, at] = [0, 0, 0, performance.now()];
  const cpu0 = procCpuUs(segwPid);
  const fromUs = nowUs();
  for (let t = performance.now(), end = t + seconds * 1000; t < end; t = performance.now()) {
    for (let b = 0; b < TRAFFIC.burst && sent - counter.n - lost < TRAFFIC.window; b++, sent++) sender.send(datagram, to);
    if (counter.n !== progress) [progress, at] = [counter.n, t];
    else if (t - at > 50) [lost, at] = [sent - counter.n, t];
    await yieldToLoop();
  }
  for (const stop = performance.now() + 200; counter.n < sent && performance.now() < stop; ) await yieldToLoop();
  const row = { phase: `relay ${bytes} B`, delivered: counter.n, cpuUsPerPacket: (procCpuUs(segwPid) - cpu0) / Math.max(1, counter.n), fromUs, toUs: nowUs() };
  sink.close();
  sender.close();
  return row;
}

/** µs of CPU per bare AES-128-GCM call on `bytes` of plaintext (decrypt with tag check, or encrypt with tag). */
function gcmFloorUs(bytes: number, decrypt: boolean, ms = 300): number {
  const key = randomBytes(16);
  const iv = randomBytes(12);
  const aad = randomBytes(8);
  const enc = createCipheriv("aes-128-gcm", key, iv, { authTagLength: 16 }).setAAD(aad);
  const plaintext = randomBytes(bytes);
  const ct = Buffer.concat([enc.update(plaintext), enc.final()]);
  const tag = enc.getAuthTag();
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 200; i++, n++) {
      if (decrypt) {
        const d = createDecipheriv("aes-128-gcm", key, iv, { authTagLength: 16 }).setAAD(aad).setAuthTag(tag);
        d.update(ct);
        d.final();
      } else {
        const c = createCipheriv("aes-128-gcm", key, iv, { authTagLength: 16 }).setAAD(aad);
        c.update(plaintext);
        c.final();
        c.getAuthTag();
      }
    }
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

function espPlaintextBytes(payload: number): number {
  const inner = payload + INNER_OVERHEAD;
  return inner + 2 + ((4 - ((inner + 2) % 4)) % 4);
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? TRAFFIC.seconds);
  const outDir = process.argv[3] ?? "/tmp/segw-profile";
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const psk = randomBytes(32).toString("hex");
  const config: SegwPeerConfig = {
    listen: SEGW, ikePort: 500, nattPort: 4500, gtpuPort: 2152, enbGtpAddress: ENB_GTP, lwipEndpoint: "198.18.1.1", pools: ["198.18.64.0/18"],
    ikeProposals: PROPOSALS.ike, espProposals: PROPOSALS.esp, logLevel: "warn", relayPort: RELAY_PORT, deadlineSeconds: 600,
  };
  const segw = new RpcChild("segw", spawnIn(undefined, nodeArgv(SEGW_PEER, config, { flags: ["--cpu-prof", `--cpu-prof-dir=${outDir}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`] })));
  await segw.ready();
  const rows: PhaseRow[] = [];
  for (const payload of TRAFFIC.payloads) rows.push(await relayPhase(segw.pid, payload + INNER_OVERHEAD + ESP_UDP_OVERHEAD, seconds));
  const peerConfig: TrafficPeerConfig = {
    ue: UE, enbGtp: ENB_GTP, segw: { address: SEGW, ikePort: 500, nattPort: 4500, gtpuPort: 2152, relayPort: RELAY_PORT },
    lwipEndpoint: "198.18.1.1", psk, ikeProposal: PROPOSALS.ike, espProposal: PROPOSALS.esp, deadlineSeconds: 600,
  };
  const peer = new RpcChild("traffic", spawnIn(undefined, nodeArgv(TRAFFIC_PEER, peerConfig)));
  try {
    await peer.ready();
    const prov = await segw.call("provision", { prefix: "profile-", from: 0, count: 1, psk });
    await peer.call("connect", { prefix: "profile-", k: 0, segwTeid: (prov["teids"] as number[] | undefined)?.[0] ?? 0 });
    await peer.call("phase", { direction: "uplink", payloadBytes: 1400, seconds: 0.5, window: TRAFFIC.window, burst: TRAFFIC.burst }, 20_000);
    for (const direction of ["uplink", "downlink"]) {
      for (const payloadBytes of TRAFFIC.payloads) {
        const cpu0 = procCpuUs(segw.pid);
        const fromUs = nowUs();
        const r = await peer.call("phase", { direction, payloadBytes, seconds, window: TRAFFIC.window, burst: TRAFFIC.burst }, 60_000);
        const delivered = num(r, "delivered");
        rows.push({ phase: `${direction} ${payloadBytes}`, delivered, cpuUsPerPacket: (procCpuUs(segw.pid) - cpu0) / Math.max(1, delivered), fromUs, toUs: nowUs() });
      }
    }
  } finally {
    await peer.stop();
    await segw.call("stop", {}, 10_000).catch(() => undefined);
    await segw.stop();
  }
  const file = readdirSync(outDir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no profile in ${outDir}`);
  const profile = readCpuProfile(join(outDir, file));
  const out: string[] = [];
  const aggregates: Record<string, Aggregate> = {};
  for (const row of rows) {
    const a = aggregateProfile(profile, row.fromUs, row.toUs);
    aggregates[row.phase] = a;
    const busyUs = ((a.samples - a.idle) * PROFILE_INTERVAL_US) / Math.max(1, row.delivered);
    const table = topTable(a, 15, { usPerSample: PROFILE_INTERVAL_US, operations: row.delivered, unit: "packet" });
    out.push(`### ${row.phase}: ${row.delivered} packets, ${row.cpuUsPerPacket.toFixed(1)} µs CPU / packet (/proc), ${busyUs.toFixed(1)} µs / packet sampled busy on the main thread\n\n${table}\n`);
  }
  const floor = TRAFFIC.payloads.map((p) => `| ${p} | ${espPlaintextBytes(p)} | ${gcmFloorUs(espPlaintextBytes(p), true).toFixed(2)} | ${gcmFloorUs(espPlaintextBytes(p), false).toFixed(2)} |`);
  out.push(["### bare AES-128-GCM (this process)\n", "| UDP payload | ESP plaintext octets | decrypt µs | encrypt µs |", "| ---: | ---: | ---: | ---: |", ...floor].join("\n"));
  const text = `${out.join("\n")}\n`;
  writeFileSync(join(outDir, "report.md"), text);
  writeFileSync(join(outDir, "phases.json"), JSON.stringify({ rows, aggregates }, null, 1));
  process.stdout.write(text);
}

main().catch((e: unknown) => {
  process.stderr.write(`segw-profile: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
