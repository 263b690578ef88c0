/**
 * `npm run bench`: the whole suite of issue 8 (bench/suite.ts), which writes docs/benchmarks.md,
 * docs/benchmarks.json and docs/benchmarks.svg. `npm run bench -- [ike|esp|segw|suite ...]` runs
 * the named benchmarks and prints a Markdown table per benchmark. Figures are ratios to a baseline
 * measured in the same run.
 */
import { cpus, loadavg } from "node:os";
import { benchIke } from "./ike.js";
import { benchEspMicro } from "./esp-micro.js";
import { benchEspTunnelLoopback, ESP_PROPOSAL, IKE_PROPOSAL, PACING, type TunnelRow } from "./esp-tunnel.js";
import { benchEspTunnelNetns, OFFERED_PPS, PAYLOAD_BYTES, type NetnsResult } from "./esp-tunnel-netns.js";
import { benchSegw, printSegw } from "./segw.js";
import type { BenchRow } from "./types.js";
import { runSuite } from "./suite.js";
import { join } from "node:path";

const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function ike(): Promise<void> {
  const rows = await benchIke();
  console.log("\n### IKE set-up (IKE_SA_INIT + IKE_AUTH + CHILD SA, initiator and responder in one process, loopback UDP)\n");
  console.log("| proposal | handshakes | handshakes/s | CPU ms per handshake (both peers) | bare DH work/s | handshake CPU / bare DH |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(`| ${r.proposal} | ${r.handshakes} | ${fmt(r.handshakesPerSecond)} | ${fmt(r.cpuMsPerHandshake, 2)} | ${fmt(r.bareDhPerSecond)} | ${fmt(r.ratioToBareDh, 2)}x |`);
  }
}

async function esp(): Promise<void> {
  const rows = await benchEspMicro();
  console.log("\n### ESP per-packet cost (one core, CPU time)\n");
  console.log("| operation | bytes | packets/s | Gbit/s | cost vs bare cipher |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const suite = r.name.split(" ")[1] ?? "";
    const bare = rows.find((b) => b.sizeBytes === r.sizeBytes && b.name.includes("bare") && b.name.includes(suite));
    const ratio = bare ? bare.packetsPerSecond / r.packetsPerSecond : NaN;
    console.log(`| ${r.name} | ${r.sizeBytes} | ${fmt(r.packetsPerSecond, 0)} | ${fmt(r.gbitPerSecond, 2)} | ${fmt(ratio, 2)}x |`);
  }
  console.log(`\nMachine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, load average ${fmt(loadavg()[0] ?? NaN, 2)} (1 min) before the tunnel runs.`);
  await orFailure("loopback tunnel", async () => printTunnel(await benchEspTunnelLoopback(TUNNEL_SECONDS), rows));
  await orFailure("namespace tunnels", async () => printNetns(await benchEspTunnelNetns(NETNS_SECONDS)));
}

/** Runs one part of a benchmark; a failure is printed and fails the run, but the next part still runs. */
async function orFailure(what: string, part: () => Promise<void>): Promise<void> {
  try {
    await part();
  } catch (e) {
    console.log(`\n${what}: failed (${firstLine(e)}; details on stderr)`);
    console.error(e);
    process.exitCode = 1;
  }
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0] ?? "";
}

/** Seconds of traffic per figure of the end-to-end tunnel tables. */
const TUNNEL_SECONDS = 3;
const NETNS_SECONDS = 5;

function printTunnel(tunnel: readonly TunnelRow[], micro: readonly BenchRow[]): void {
  console.log("\n### ESP end-to-end, lwip to lwip, two processes over loopback UDP\n");
  console.log(`IKE ${IKE_PROPOSAL}, ESP ${ESP_PROPOSAL} in UDP (RFC 3948). Responder and initiator are two Node processes`);
  console.log("(bench/esp-tunnel-peer.ts on the CLI's openPeer) on 127.0.0.1, sharing the machine's cores. After IKE set-up the initiator");
  console.log(`sends inner IPv4/UDP packets for ${TUNNEL_SECONDS} s per size, at most ${PACING.window} beyond the highest one the responder acknowledged`);
  console.log(`(an ack through the tunnel every ${PACING.ackEvery} packets); the responder counts the packets its data plane delivered`);
  console.log("(decrypted, replay-checked, within the selectors). Rates are delivered UDP payload per wall-clock second, first to last");
  console.log("packet. CPU is user + system time of each process per packet (kernel UDP work included). The bare cipher figure is");
  console.log("the micro table's, per CPU second of one core.\n");
  console.log("| UDP payload | sent | delivered | loss | packets/s | Gbit/s | window timeouts | CPU µs/packet sender, receiver | bare gcm-128 packets/s | bare / delivered packets/s |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const t of tunnel) {
    const bare = micro.find((b) => b.sizeBytes === t.payloadBytes && b.name === "node:crypto gcm-128 bare");
    const bareCell = bare ? fmt(bare.packetsPerSecond, 0) : "n/a";
    const ratio = bare ? `${fmt(bare.packetsPerSecond / t.packetsPerSecond, 2)}x` : "n/a";
    const cpu = `${fmt(t.senderCpuUsPerPacket ?? NaN, 1)}, ${fmt(t.receiverCpuUsPerPacket ?? NaN, 1)}`;
    console.log(`| ${t.payloadBytes} | ${fmt(t.sent, 0)} | ${fmt(t.delivered, 0)} | ${fmt(t.lossPercent, 2)} % | ${fmt(t.packetsPerSecond, 0)} | ${fmt(t.gbitPerSecond, 3)} | ${t.stalls} | ${cpu} | ${bareCell} | ${ratio} |`);
  }
}

function printNetns(r: NetnsResult): void {
  console.log(`\n### ESP between two network namespaces (UE 198.18.0.2 --veth-- SeGW 198.18.0.1), ${PAYLOAD_BYTES}-octet UDP payloads\n`);
  if (r.skipped !== undefined) {
    console.log(`Skipped (${r.skipped}).`);
    return;
  }
  console.log(`Both tunnels: IKE ${IKE_PROPOSAL}, ESP ${ESP_PROPOSAL}, forced UDP encapsulation, ${NETNS_SECONDS} s of traffic, all processes`);
  console.log(`on the same cores (${r.versions ?? ""}). strongSwan: one charon per namespace with kernel-libipsec (ESP in user space`);
  console.log(`behind a TUN device), carrying \`iperf3 -u -l ${PAYLOAD_BYTES} -b <rate> -t ${NETNS_SECONDS}\` from the UE's virtual IP to the iperf3 server`);
  console.log(`on 198.18.1.1 in the SeGW namespace, offered ${OFFERED_PPS.join(", ")} packets/s in turn (stopping past the peak); the best figure`);
  console.log("from the receiving server, over its receive time (the lab measured 255-440 Mbit/s for libipsec on a quiet machine). lwip: our responder process");
  console.log("in the SeGW namespace, our initiator process in the UE namespace. Node cannot open a TUN device, so our UDP packets come");
  console.log("from an in-process generator in the initiator (paced by acks through the tunnel) and are counted in the responder after");
  console.log("decryption and the selector check: unlike strongSwan's path, no TUN device and no kernel socket at either tunnel end.\n");
  console.log("| tunnel | traffic | sent | delivered | loss | packets/s | Gbit/s |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  const line = (name: string, traffic: string, t: TunnelRow | string | undefined) =>
    typeof t === "object"
      ? console.log(`| ${name} | ${traffic} | ${fmt(t.sent, 0)} | ${fmt(t.delivered, 0)} | ${fmt(t.lossPercent, 2)} % | ${fmt(t.packetsPerSecond, 0)} | ${fmt(t.gbitPerSecond, 3)} |`)
      : console.log(`| ${name} | ${traffic} | ${firstLine(t ?? "not run")} | | | | |`);
  const offered = typeof r.strongswan === "object" ? fmt((r.strongswan.offeredBitsPerSecond ?? NaN) / 1e6, 0) : "?";
  line("strongSwan to strongSwan (libipsec)", `iperf3 UDP, best of the sweep (offered ${offered} Mbit/s)`, r.strongswan);
  line("lwip to lwip", `in-process generator, window ${PACING.window}`, r.lwip);
  for (const t of [r.strongswan, r.lwip]) if (typeof t === "string") console.error(t);
  if (typeof r.strongswan === "object" && typeof r.lwip === "object") {
    console.log(`\nlwip / strongSwan delivered: **${fmt(r.lwip.gbitPerSecond / r.strongswan.gbitPerSecond, 2)}x** (target: at least 3x).`);
  }
}

const BENCHES: Readonly<Record<string, () => Promise<void>>> = {
  ike, esp, segw: async () => printSegw(await benchSegw()),
  suite: async () => {
    const docs = join(process.cwd(), "docs");
    await runSuite(docs);
    console.log(`\nWrote ${join(docs, "benchmarks.md")}, benchmarks.json and benchmarks.svg.`);
  },
};

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  for (const name of names.length > 0 ? names : ["suite"]) {
    const b = BENCHES[name];
    if (!b) throw new Error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
    await b();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
