/**
 * A faulty WLAN between a UE and the SeGW, in user space (these kernels have no netem): a UDP relay
 * on loopback that forwards the UE's IKE and NAT-T datagrams (IKE and ESP alike) to the SeGW and
 * the answers back, losing, duplicating, reordering, delaying and replaying them with a seeded
 * random generator. The UE is pointed at the relay's ports as its SeGW ports; the SeGW sees the
 * relay's upstream sockets as the UE (as behind a NAT).
 */
import { createSocket, type Socket } from "node:dgram";
import type { Endpoint } from "../../../src/ike/endpoint.js";

export interface FaultProfile {
  /** Probability that a datagram is lost (1: a dead path). */
  loss: number;
  /** Probability that a datagram is sent twice. */
  duplicate: number;
  /** Probability that a datagram is held back so that later ones overtake it. */
  reorder: number;
  /** Delay of every datagram, plus up to `jitterMs` at random. */
  delayMs: number;
  jitterMs: number;
  /** Probability that a copy is kept and sent again `replayAfterMs` later (a replay from the path). */
  replay: number;
  replayAfterMs: number;
}

export const CLEAN: FaultProfile = { loss: 0, duplicate: 0, reorder: 0, delayMs: 0, jitterMs: 0, replay: 0, replayAfterMs: 0 };

/** Per direction: what the relay did. */
export interface RelayCounts {
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  replayed: number;
}

/** mulberry32: a small seeded generator, so a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RelayOptions {
  /** Where the UE sends (the relay's IKE and NAT-T ports on this address). */
  readonly listen: string;
  readonly ikePort: number;
  readonly nattPort: number;
  /** The relay's own address towards the SeGW. */
  readonly upstream: string;
  readonly segw: string;
  readonly segwIkePort: number;
  readonly segwNattPort: number;
  readonly seed: number;
}

async function bound(address: string, port: number): Promise<Socket> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.bind(port, address, () => {
      s.off("error", reject);
      s.on("error", () => {});
      resolve();
    });
  });
  return s;
}

const zero = (): RelayCounts => ({ received: 0, lost: 0, duplicated: 0, reordered: 0, replayed: 0 });

export class FaultyRelay {
  /** The faults applied from now on (change it at any time). */
  profile: FaultProfile = { ...CLEAN };
  readonly up = zero();
  readonly down = zero();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sockets: Socket[] = [];
  private closed = false;

  private constructor(private readonly random: () => number) {}

  static async open(o: RelayOptions): Promise<FaultyRelay> {
    const relay = new FaultyRelay(seededRandom(o.seed));
    await relay.pair(o.listen, o.ikePort, o.upstream, { address: o.segw, port: o.segwIkePort });
    await relay.pair(o.listen, o.nattPort, o.upstream, { address: o.segw, port: o.segwNattPort });
    return relay;
  }

  /** One UE-facing socket and its SeGW-facing twin. */
  private async pair(listen: string, port: number, upstream: string, segw: Endpoint): Promise<void> {
    const ueSide = await bound(listen, port);
    const segwSide = await bound(upstream, 0);
    this.sockets.push(ueSide, segwSide);
    let ue: Endpoint | undefined;
    ueSide.on("message", (m, r) => {
      ue = { address: r.address, port: r.port };
      this.forward(this.up, m, (b) => segwSide.send(b, segw.port, segw.address));
    });
    segwSide.on("message", (m) => {
      const to = ue;
      if (to) this.forward(this.down, m, (b) => ueSide.send(b, to.port, to.address));
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private forward(c: RelayCounts, bytes: Buffer, send: (b: Buffer) => void): void {
    const p = this.profile;
    c.received++;
    if (this.random() < p.loss) {
      c.lost++;
      return;
    }
    const copies = this.random() < p.duplicate ? 2 : 1;
    if (copies === 2) c.duplicated++;
    for (let i = 0; i < copies; i++) {
      let delay = p.delayMs + this.random() * p.jitterMs;
      if (this.random() < p.reorder) {
        c.reordered++;
        delay += p.jitterMs + 20;
      }
      if (delay <= 0) send(bytes);
      else this.later(delay, () => send(bytes));
    }
    if (this.random() < p.replay) {
      c.replayed++;
      this.later(p.replayAfterMs, () => send(bytes));
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.close();
  }
}
