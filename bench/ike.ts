/**
 * IKE set-up benchmark (issue 2): complete IKE_SA_INIT + IKE_AUTH handshakes (with CP, TS narrowing and
 * the CHILD SA) per second between our initiator and responder in one process over loopback UDP, for
 * ECP-256 and MODP-2048, next to the bare cost of the DH work a handshake cannot avoid (two key pairs
 * and two shared secrets), measured in the same run.
 */
import { randomBytes } from "node:crypto";
import { IkeNode } from "../src/ike/ike-node.js";
import { AddressPool } from "../src/ike/address-pool.js";
import type { ChildSaSink, ResponderPolicy } from "../src/ike/context.js";
import { createKeyExchange } from "../src/ike/crypto/dh.js";
import { parseProposalList } from "../src/ike/proposal.js";
import { IdType } from "../src/ike/registry.js";
import { parseCidr, selectorFromCidr } from "../src/ike/traffic-selector.js";
import { systemClock } from "../src/io/clock.js";
import { silentLogger } from "../src/io/log.js";
import { IkeUdpSockets } from "../src/io/udp.js";

export interface IkeBenchRow {
  readonly proposal: string;
  readonly handshakes: number;
  readonly handshakesPerSecond: number;
  /** CPU time of this process (both peers) per handshake. */
  readonly cpuMsPerHandshake: number;
  /** Bare DH work of one handshake (2 key pairs + 2 shared secrets), per second. */
  readonly bareDhPerSecond: number;
  /** How many times the bare DH work a whole handshake costs in CPU. */
  readonly ratioToBareDh: number;
}

const CONCURRENCY = 32;
const random = (n: number) => new Uint8Array(randomBytes(n));
const nullSink: ChildSaSink = { install() {}, remove() {}, rehome() {} };

function specs(text: string, kind: "ike" | "esp") {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new Error(r.error);
  return r.specs;
}

function cidr(text: string) {
  const c = parseCidr(text);
  if (!c) throw new Error(text);
  return c;
}

/** CPU milliseconds of one handshake's DH work alone (both sides), averaged over `n`. */
function bareDhMs(group: number, n: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const a = createKeyExchange(group);
    const b = createKeyExchange(group);
    if (!a || !b) throw new Error(`group ${group}`);
    a.computeShared(b.publicValue);
    b.computeShared(a.publicValue);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / n;
}

async function pair(ikeProposal: string) {
  const psk = random(32);
  const policy: ResponderPolicy = {
    ikeProposals: specs(ikeProposal, "ike"),
    espProposals: specs("aes128gcm16", "esp"),
    localId: { idType: IdType.ID_IPV4_ADDR, data: new Uint8Array([127, 0, 0, 1]) },
    lookupPsk: () => ({ ok: true, psk: psk.slice() }),
    pools: [new AddressPool(cidr("198.18.64.0/16"))],
    localTs: [selectorFromCidr(cidr("198.18.1.1/32"))],
    remoteTs: [selectorFromCidr(cidr("0.0.0.0/0"))],
    cookieThreshold: 1_000_000,
  };
  let up = 0;
  let onUp = () => {};
  const io: { r?: IkeUdpSockets; i?: IkeUdpSockets } = {};
  const timing = { retransmitMs: [2000, 4000], halfOpenMs: 30_000, dpdMs: 0 };
  const responder = new IkeNode({ clock: systemClock, random, sender: { send: (m, l, r) => io.r?.sendIke(m, l, r) }, sink: nullSink, log: silentLogger, onEvent: () => {}, policy, timing });
  const initiator = new IkeNode({
    clock: systemClock, random, sender: { send: (m, l, r) => io.i?.sendIke(m, l, r) }, sink: nullSink, log: silentLogger, timing,
    onEvent: (e) => {
      if (e.event === "child-sa-up") {
        up++;
        onUp();
      }
    },
  });
  io.r = await IkeUdpSockets.open({ address: "127.0.0.1", ikePort: 500, nattPort: 4500 }, { onIke: (m, r, l) => responder.receive(m, r, l), onEsp: () => {} });
  io.i = await IkeUdpSockets.open({ address: "127.0.0.2", ikePort: 500, nattPort: 4500 }, { onIke: (m, r, l) => initiator.receive(m, r, l), onEsp: () => {} });
  const initiate = (k: number) => initiator.initiate({
    local: { address: "127.0.0.2", port: 500 },
    remote: { address: "127.0.0.1", port: 500 },
    idi: { idType: IdType.ID_KEY_ID, data: new TextEncoder().encode(`bench-${k}`) },
    psk,
    ikeProposals: policy.ikeProposals,
    espProposals: policy.espProposals,
    tsi: [selectorFromCidr(cidr("0.0.0.0/0"))],
    tsr: [selectorFromCidr(cidr("0.0.0.0/0"))],
    requestVirtualIp: true,
  });
  const run = (n: number) => new Promise<void>((resolve) => {
    let started = 0;
    const startOne = () => initiate(started++);
    onUp = () => {
      if (up >= n) return resolve();
      if (started < n) startOne();
    };
    for (let k = 0; k < Math.min(CONCURRENCY, n); k++) startOne();
  });
  const close = () => {
    initiator.shutdown();
    responder.shutdown();
    io.i?.close();
    io.r?.close();
  };
  return { run, close, reset: () => void (up = 0) };
}

export async function benchIke(): Promise<IkeBenchRow[]> {
  const rows: IkeBenchRow[] = [];
  for (const [proposal, group, n] of [["aes128gcm16-prfsha256-ecp256", 19, 1000], ["aes128-sha256-modp2048", 14, 300]] as const) {
    const p = await pair(proposal);
    await p.run(20);
    p.reset();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await p.run(n);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    p.close();
    const cpuMs = (cpu.user + cpu.system) / 1000 / n;
    const dhMs = bareDhMs(group, Math.min(n, 200));
    rows.push({ proposal, handshakes: n, handshakesPerSecond: n / wallS, cpuMsPerHandshake: cpuMs, bareDhPerSecond: 1000 / dhMs, ratioToBareDh: cpuMs / dhMs });
  }
  return rows;
}
