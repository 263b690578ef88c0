/**
 * `lwip ike initiator`: establishes an IKE SA and a CHILD SA with PSK + ID_KEY_ID (forced UDP
 * encapsulation, virtual address by CP), optionally rekeys, pings through the tunnel, deletes.
 */
import { parseArgs } from "node:util";
import { IdType } from "../ike/registry.js";
import { parseIp, selectorFromCidr, cidrRange } from "../ike/traffic-selector.js";
import type { IkeSa } from "../ike/sa/ike-sa.js";
import { cidrOption, DEFAULT_ESP_PROPOSALS, DEFAULT_IKE_PROPOSALS, fragmentSizeOption, hexOption, proposalsOption } from "./ike-options.js";
import { openPeer, parsePort, printEvent, type Peer } from "./ike-peer.js";
import { EventWaiter, isEvent } from "./event-waiter.js";
import { echoReplySequence, echoRequest } from "./ping.js";
import { UsageError } from "./usage-error.js";

export const INITIATOR_HELP = `usage: lwip ike initiator --remote <addr> --idi <hex> --psk <hex> [--local <addr>] [--ts <cidr>]
       [--once] [--ping <n>] [--rekey-child-after <s>] [--rekey-ike-after <s>] [--remote-port 500] [--remote-natt-port 4500]
       [--ike-port 500] [--natt-port 4500] [--ike-proposal <p,...>] [--esp-proposal <p,...>] [--fragment-size 1280] [--timeout <s>]
  Defaults: --local 0.0.0.0, --ts 0.0.0.0/0 (what we ask for as TSr), --ike-proposal ${DEFAULT_IKE_PROPOSALS},
  --esp-proposal ${DEFAULT_ESP_PROPOSALS}, --timeout 30, --fragment-size 1280 (largest IP packet of an IKE message before RFC 7383
  fragmentation; 0: off). With --once: exit 0 after a clean delete, else non-zero.`;

const PING_INTERVAL_MS = 100;
const PING_GRACE_MS = 2000;

function seconds(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n >= 0 && n <= 86400)) throw new UsageError(`${name} must be a number of seconds`);
  return n;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends n echo requests from the virtual address to the first address of the narrowed TSr. */
async function ping(peer: Peer, sa: IkeSa, n: number): Promise<{ sent: number; received: number; lost: number }> {
  const tunnel = peer.tunnels.findOutbound(sa);
  const src = sa.rekeyedTo?.virtualIp ?? sa.virtualIp;
  const dstSel = tunnel?.child.tsRemote[0];
  if (!tunnel || !src || !dstSel) return { sent: 0, received: 0, lost: n };
  const identifier = process.pid & 0xffff;
  const got = new Set<number>();
  replyListener = (packet) => {
    const seq = echoReplySequence(packet, identifier);
    if (seq !== undefined) got.add(seq);
  };
  let sent = 0;
  for (let seq = 1; seq <= n; seq++) {
    if (peer.tunnels.send(sa, echoRequest(src, dstSel.startAddress, identifier, seq))) sent++;
    await sleep(PING_INTERVAL_MS);
  }
  const deadline = Date.now() + PING_GRACE_MS;
  while (got.size < n && Date.now() < deadline) await sleep(50);
  return { sent, received: got.size, lost: n - got.size };
}

let replyListener: (packet: Uint8Array) => void = () => {};

export async function runInitiator(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      remote: { type: "string" }, local: { type: "string" }, idi: { type: "string" }, psk: { type: "string" }, ts: { type: "string" },
      once: { type: "boolean" }, ping: { type: "string" }, "rekey-child-after": { type: "string" }, "rekey-ike-after": { type: "string" },
      "remote-port": { type: "string" }, "remote-natt-port": { type: "string" }, "ike-port": { type: "string" }, "natt-port": { type: "string" },
      "ike-proposal": { type: "string" }, "esp-proposal": { type: "string" }, "fragment-size": { type: "string" }, timeout: { type: "string" },
      "log-level": { type: "string" }, help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(INITIATOR_HELP + "\n");
    return 0;
  }
  const remote = values.remote;
  if (!remote || !parseIp(remote)) throw new UsageError("--remote <address> is required");
  const local = values.local ?? (remote.includes(":") ? "::" : "0.0.0.0");
  const idi = hexOption(values.idi, "--idi");
  const psk = hexOption(values.psk, "--psk", 16);
  const tsr = cidrOption(values.ts ?? "0.0.0.0/0", "--ts");
  const pings = values.ping === undefined ? 0 : Number(values.ping);
  if (!(Number.isInteger(pings) && pings >= 0 && pings <= 100000)) throw new UsageError("--ping must be a count");
  const ikeProposals = proposalsOption(values["ike-proposal"] ?? DEFAULT_IKE_PROPOSALS, "ike", "--ike-proposal");
  const espProposals = proposalsOption(values["esp-proposal"] ?? DEFAULT_ESP_PROPOSALS, "esp", "--esp-proposal");
  const rekeyChildAfter = seconds(values["rekey-child-after"], "--rekey-child-after");
  const rekeyIkeAfter = seconds(values["rekey-ike-after"], "--rekey-ike-after");
  const timeoutMs = (seconds(values.timeout, "--timeout") ?? 30) * 1000;
  const ikePort = parsePort(values["ike-port"], 500, "--ike-port");
  const nattPort = parsePort(values["natt-port"], 4500, "--natt-port");
  const events = new EventWaiter();
  const peer = await openPeer({
    address: local, ikePort, nattPort, logLevel: values["log-level"] ?? "info", fragmentSize: fragmentSizeOption(values["fragment-size"]),
    onInnerPacket: (p) => replyListener(p),
    onEvent: (e) => events.push(e),
  });
  const anyV4 = selectorFromCidr({ address: new Uint8Array(tsr.address.length), prefixLength: 0 });
  const sa = peer.node.initiate({
    local: { address: local, port: ikePort },
    remote: { address: remote, port: parsePort(values["remote-port"], 500, "--remote-port") },
    idi: { idType: IdType.ID_KEY_ID, data: idi },
    psk,
    ikeProposals,
    espProposals,
    tsi: [anyV4],
    tsr: [selectorFromCidr({ address: cidrRange(tsr).start, prefixLength: tsr.prefixLength })],
    requestVirtualIp: true,
    nattPorts: { local: nattPort, remote: parsePort(values["remote-natt-port"], 4500, "--remote-natt-port") },
  });
  const failed = events.next(isEvent("ike-sa-failed"), 2 ** 31 - 1, "failure").then((e) => Promise.reject(new Error(`IKE SA failed: ${e.reason}`)));
  failed.catch(() => {});
  try {
    await Promise.race([events.next(isEvent("child-sa-up"), timeoutMs, "the CHILD SA"), failed]);
    const pingResult = await script(peer, events, sa, { rekeyChildAfter, rekeyIkeAfter, pings, timeoutMs });
    if (!values.once) {
      await Promise.race([events.next(isEvent("ike-sa-down"), 2 ** 31 - 1, "the end"), waitForSignal()]);
      peer.node.shutdown();
      return 0;
    }
    const current = sa.rekeyedTo ?? sa;
    const down = events.next(isEvent("ike-sa-down"), timeoutMs, "the IKE SA delete");
    peer.node.deleteIke(current);
    await down;
    return pingResult && pingResult.lost > 0 ? 1 : 0;
  } catch (e) {
    peer.log.error("cli", "initiator failed", { error: e instanceof Error ? e.message : String(e) });
    peer.node.shutdown();
    return 1;
  } finally {
    setTimeout(() => peer.close(), 50);
  }
}

interface Script {
  readonly rekeyChildAfter: number | undefined;
  readonly rekeyIkeAfter: number | undefined;
  readonly pings: number;
  readonly timeoutMs: number;
}

/** Rekeys and pings as asked, in that order. */
async function script(peer: Peer, events: EventWaiter, first: IkeSa, s: Script) {
  const current = () => { let sa = first; while (sa.rekeyedTo) sa = sa.rekeyedTo; return sa; };
  if (s.rekeyChildAfter !== undefined) {
    await sleep(s.rekeyChildAfter * 1000);
    const sa = current();
    const child = sa.children.find((c) => c.state === "installed");
    if (child) {
      const done = events.next(isEvent("child-sa-rekeyed"), s.timeoutMs, "the CHILD SA rekey");
      peer.node.rekeyChild(sa, child);
      await done;
    }
  }
  if (s.rekeyIkeAfter !== undefined) {
    await sleep(s.rekeyIkeAfter * 1000);
    const done = events.next(isEvent("ike-sa-rekeyed"), s.timeoutMs, "the IKE SA rekey");
    peer.node.rekeyIke(current());
    await done;
  }
  if (s.pings === 0) return undefined;
  const result = await ping(peer, current(), s.pings);
  printEvent({ event: "ping", ...result });
  return result;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
}
