/**
 * A provisioned UE reduced to its WLAN side (IKEv2 initiator, ESP, its own loopback address),
 * built from the project's parts, for the flood tests. Within its provisioning window it keeps
 * trying as a UE's engine does: each IKE_SA_INIT is retransmitted on the engine's schedule, a
 * COOKIE is echoed (RFC 7296 §2.6), and an attempt that ran out of retransmissions is followed by
 * a fresh one until the window ends.
 */
import { randomBytes } from "node:crypto";
import { EspTunnels } from "../../../src/dataplane/esp-tunnels.js";
import type { IkeEvent } from "../../../src/ike/events.js";
import { IkeNode } from "../../../src/ike/ike-node.js";
import { parseProposalList } from "../../../src/ike/proposal.js";
import { IdType } from "../../../src/ike/registry.js";
import type { IkeSa } from "../../../src/ike/sa/ike-sa.js";
import { selectorFromCidr } from "../../../src/ike/traffic-selector.js";
import { systemClock } from "../../../src/io/clock.js";
import { Counters } from "../../../src/io/counters.js";
import { silentLogger } from "../../../src/io/log.js";
import { IkeUdpSockets } from "../../../src/io/udp.js";
import { IKE_PORT, NATT_PORT } from "../../../src/demo/lab.js";
import { LWIP_ESP_PROPOSALS, LWIP_IKE_PROPOSALS } from "../../../src/lwip/ue-tunnel.js";

function specs(text: string, kind: "ike" | "esp") {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new Error(r.error);
  return r.specs;
}

const ANY = selectorFromCidr({ address: new Uint8Array(4), prefixLength: 0 });

/** The retransmission schedule of one attempt: what a UE's engine waits before each resend. */
export const UE_RETRANSMIT_MS = [500, 1000, 1000, 1000];

export interface ConnectResult {
  readonly up: boolean;
  /** IKE_SA_INIT attempts (fresh SAs) it took. */
  readonly attempts: number;
  /** Milliseconds from the first IKE_SA_INIT to the CHILD SA. */
  readonly ms: number;
  /** The last failure reported by the engine, if any. */
  readonly failure?: string;
}

export class IkeClient {
  readonly counters = new Counters();
  readonly events: IkeEvent[] = [];
  readonly node: IkeNode;
  readonly tunnels: EspTunnels;
  sa: IkeSa | undefined;
  private sockets: IkeUdpSockets | undefined;
  private wake: () => void = () => {};

  private constructor(readonly address: string, private readonly segw: string) {
    this.tunnels = new EspTunnels({ sendEsp: (p, to) => this.sockets?.sendEsp(p, to), deliver: () => {} }, this.counters);
    this.node = new IkeNode({
      clock: systemClock,
      random: (n) => new Uint8Array(randomBytes(n)),
      sender: { send: (m, l, r) => this.sockets?.sendIke(m, l, r) },
      sink: this.tunnels,
      log: silentLogger,
      counters: this.counters,
      timing: { retransmitMs: UE_RETRANSMIT_MS, halfOpenMs: 30_000, dpdMs: 0 },
      onEvent: (e) => {
        this.events.push(e);
        this.wake();
      },
    });
  }

  /** Binds the UE's IKE and NAT-T ports on `address`. */
  static async open(address: string, segw: string): Promise<IkeClient> {
    const c = new IkeClient(address, segw);
    c.sockets = await IkeUdpSockets.open({ address, ikePort: IKE_PORT, nattPort: NATT_PORT }, {
      onIke: (m, r, l) => c.node.receive(m, r, l),
      onEsp: (p, spi, r) => c.tunnels.receive(p, spi, r),
    });
    return c;
  }

  get up(): boolean {
    return this.events.some((e) => e.event === "child-sa-up");
  }

  /** Handshakes with `idi`/`psk` until the CHILD SA is up or `windowMs` has passed. */
  async connect(idi: Uint8Array, psk: Uint8Array, windowMs: number): Promise<ConnectResult> {
    const started = Date.now();
    let attempts = 0;
    let failure: string | undefined;
    while (Date.now() - started < windowMs && !this.up) {
      attempts++;
      const from = this.events.length;
      this.sa = this.node.initiate({
        local: { address: this.address, port: IKE_PORT }, remote: { address: this.segw, port: IKE_PORT },
        idi: { idType: IdType.ID_KEY_ID, data: idi }, psk,
        ikeProposals: specs(LWIP_IKE_PROPOSALS, "ike"), espProposals: specs(LWIP_ESP_PROPOSALS, "esp"),
        tsi: [ANY], tsr: [ANY], requestVirtualIp: true, nattPorts: { local: NATT_PORT, remote: NATT_PORT },
      });
      // One attempt lasts until the CHILD SA, a failure, or the engine dropped the SA (retransmissions exhausted).
      while (!this.up && this.node.sas.length > 0 && Date.now() - started < windowMs) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 50);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
      const failed = this.events.slice(from).find((e) => e.event === "ike-sa-failed");
      if (failed?.event === "ike-sa-failed") failure = failed.reason;
      if (!this.up) this.node.shutdown();
    }
    psk.fill(0);
    return { up: this.up, attempts, ms: Date.now() - started, ...(failure !== undefined ? { failure } : {}) };
  }

  /** Deletes the SAs (Delete sent) and closes the sockets. */
  async close(): Promise<void> {
    this.node.shutdown();
    await new Promise((r) => setTimeout(r, 20));
    this.sockets?.close();
    this.sockets = undefined;
  }
}
