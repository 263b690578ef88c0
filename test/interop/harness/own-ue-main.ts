// Our own LWIP UE for the SeGW interop tests: a program that own-ue.ts starts with node inside
// the UE namespace (it runs on import; nothing else imports it). It sets up the IKE SA and the
// CHILD SA with the SeGW (PSK, ID_KEY_ID IDi, virtual IP by CP, TSr 0.0.0.0/0: the SeGW narrows
// it), then sends every --send packet through its ESP SA *without* checking its own traffic
// selectors: a UE that misbehaves, so that the SeGW has to enforce TS 33.401 16.2.2 itself. It
// prints the engine's events, one line per packet sent and per inner packet received, as JSON
// lines on stdout, and on SIGTERM deletes its IKE SA and exits 0.
//
//   node own-ue-main.js --local <addr> --remote <segw> --idi <hex> --psk <hex> [--send <src|vip>,<dst>,<gre hex>]...
import { parseArgs } from "node:util";
import { openPeer, printEvent, type Peer } from "../../../src/cli/ike-peer.js";
import { NextHeader, isEspDrop } from "../../../src/esp/constants.js";
import { decodeIpv4, encodeIpv4 } from "../../../src/inet/ipv4.js";
import { formatIpAddress as formatIp } from "../../../src/inet/address.js";
import { parseProposalList } from "../../../src/ike/proposal.js";
import { IdType } from "../../../src/ike/registry.js";
import type { IkeSa } from "../../../src/ike/sa/ike-sa.js";
import { parseCidr, parseIp as parseIpOrUndefined, selectorFromCidr } from "../../../src/ike/traffic-selector.js";

const GRE = 47;

interface Send {
  readonly src: Uint8Array | "vip";
  readonly dst: Uint8Array;
  readonly gre: Uint8Array;
}

/** @throws Error for a malformed argument (this program's only input is the test's argv). */
function parseIp(text: string): Uint8Array {
  const ip = parseIpOrUndefined(text);
  if (!ip) throw new Error(`not an IP address: ${text}`);
  return ip;
}

function proposals(text: string, kind: "ike" | "esp") {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new Error(r.error);
  return r.specs;
}

function parseSend(text: string): Send {
  const [src = "", dst = "", gre = ""] = text.split(",");
  return { src: src === "vip" ? "vip" : parseIp(src), dst: parseIp(dst), gre: new Uint8Array(Buffer.from(gre, "hex")) };
}

/** Encrypts one inner packet with the SA's outbound ESP SA and sends it, bypassing the selector check of EspTunnels.send. */
function sendUnchecked(peer: Peer, sa: IkeSa, inner: Uint8Array): string | undefined {
  const tunnel = peer.tunnels.findOutbound(sa);
  if (!tunnel) return "no CHILD SA";
  const esp = tunnel.outbound.encapsulate(inner, NextHeader.IPV4);
  if (isEspDrop(esp)) return esp.drop;
  peer.sockets.sendEsp(esp, tunnel.ikeSa.remote);
  return undefined;
}

function sendAll(peer: Peer, sa: IkeSa, sends: readonly Send[]): void {
  const vip = sa.virtualIp;
  sends.forEach((s, index) => {
    const src = s.src === "vip" ? vip : s.src;
    if (!src) return printEvent({ event: "send-failed", index, reason: "no virtual IP" });
    const inner = encodeIpv4({ src, dst: s.dst, protocol: GRE, ttl: 64, id: index + 1, payload: s.gre });
    const failed = sendUnchecked(peer, sa, inner);
    printEvent(failed === undefined ? { event: "sent", index, src: formatIp(src), dst: formatIp(s.dst) } : { event: "send-failed", index, reason: failed });
  });
  printEvent({ event: "sent-all", count: sends.length });
}

function printInner(packet: Uint8Array): void {
  const p = decodeIpv4(packet);
  if (!p.ok) return printEvent({ event: "inner-packet", malformed: Buffer.from(packet).toString("hex") });
  printEvent({ event: "inner-packet", src: formatIp(p.value.src), dst: formatIp(p.value.dst), protocol: p.value.protocol, payload: Buffer.from(p.value.payload).toString("hex") });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { local: { type: "string" }, remote: { type: "string" }, idi: { type: "string" }, psk: { type: "string" }, send: { type: "string", multiple: true } },
    strict: true,
  });
  const local = values.local ?? "0.0.0.0";
  const remote = values.remote ?? "";
  const sends = (values.send ?? []).map(parseSend);
  let onChildUp: () => void = () => {};
  let down: () => void = () => {};
  const peer = await openPeer({
    address: local, ikePort: 500, nattPort: 4500, logLevel: "warn",
    onInnerPacket: printInner,
    onEvent: (e) => {
      if (e.event === "child-sa-up") onChildUp();
      if (e.event === "ike-sa-down" || e.event === "ike-sa-failed") down();
    },
  });
  const anySelector = selectorFromCidr(parseCidr("0.0.0.0/0") ?? { address: new Uint8Array(4), prefixLength: 0 });
  const sa = peer.node.initiate({
    local: { address: local, port: 500 },
    remote: { address: remote, port: 500 },
    idi: { idType: IdType.ID_KEY_ID, data: new Uint8Array(Buffer.from(values.idi ?? "", "hex")) },
    psk: new Uint8Array(Buffer.from(values.psk ?? "", "hex")),
    ikeProposals: proposals("aes128gcm16-prfsha256-ecp256", "ike"),
    espProposals: proposals("aes128gcm16", "esp"),
    tsi: [anySelector],
    tsr: [anySelector],
    requestVirtualIp: true,
  });
  onChildUp = () => sendAll(peer, sa, sends);
  await new Promise<void>((resolve) => process.once("SIGTERM", () => resolve()));
  const gone = new Promise<void>((resolve) => {
    down = resolve;
    setTimeout(resolve, 3_000).unref();
  });
  if (sa.state === "established") peer.node.deleteIke(sa);
  else down();
  await gone;
  peer.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    printEvent({ event: "own-ue-error", error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  },
);
