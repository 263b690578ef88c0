/**
 * Prometheus metrics of the SeGW (prom-client), on a registry of its own: handshakes by outcome,
 * active UEs, packets and bytes by direction, drops by reason, provisioning entries, and every
 * named counter of the shared Counters (IKE engine, control API).
 *
 * The hot paths only add to plain numbers (uplink(), downlink(), drop()); prom-client's metrics
 * are brought up to date from them when /metrics is scraped, so a packet costs no label lookup.
 */
import { createServer } from "node:http";
import { Counter, Gauge, Registry } from "prom-client";
import type { Counters } from "../io/counters.js";

/** Why IKE_AUTH failed; all answer AUTHENTICATION_FAILED to the UE (TS 33.401 16.2.2), only metrics tell them apart. */
export type AuthFailedReason = "unknown-identity" | "expired-window" | "psk-used" | "wrong-psk";

const AUTH_FAILED_REASONS: readonly AuthFailedReason[] = ["unknown-identity", "expired-window", "psk-used", "wrong-psk"];

export interface SegwMetricsOptions {
  /** Read at scrape time. */
  readonly activeUes?: () => number;
  readonly provisioningEntries?: () => number;
  /** Exported as lwip_segw_events_total{name}. */
  readonly counters?: Counters;
  /** A multi-worker SeGW: its workers running (lwip_segw_workers_up). */
  readonly workersUp?: () => number;
  /** Run before each scrape (a multi-worker SeGW gathers its workers' snapshots here). */
  readonly beforeScrape?: () => Promise<void>;
}

/** Every figure of one SeGW process, as plain data: what a worker sends its primary on each scrape. */
export interface MetricsSnapshot {
  readonly established: number;
  readonly authFailed: Readonly<Record<string, number>>;
  readonly up: Readonly<Traffic>;
  readonly down: Readonly<Traffic>;
  readonly drops: Readonly<Record<string, number>>;
  readonly events: Readonly<Record<string, number>>;
  readonly activeUes: number;
  readonly provisioningEntries: number;
}

function addInto(into: Map<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(from)) into.set(k, (into.get(k) ?? 0) + n);
}

interface Traffic {
  packets: number;
  bytes: number;
}

type LabelRow = readonly [Readonly<Record<string, string>>, number];

/** A counter metric whose value per label set is read from `read` at scrape time. */
function mirroredCounter(registry: Registry, name: string, help: string, labelNames: readonly string[], read: () => Iterable<LabelRow>): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, n] of read()) this.inc(labels, n);
    },
  });
}

/** Rows of a one-label counter from (label value, count) pairs. */
function byLabel(label: string, pairs: Iterable<readonly [string, number]>): LabelRow[] {
  return [...pairs].map(([value, n]) => [{ [label]: value }, n]);
}

export class SegwMetrics {
  readonly registry = new Registry();
  private established = 0;
  private readonly authFailed = new Map<string, number>(AUTH_FAILED_REASONS.map((r) => [r, 0]));
  private readonly up: Traffic = { packets: 0, bytes: 0 };
  private readonly down: Traffic = { packets: 0, bytes: 0 };
  private readonly drops = new Map<string, number>();
  /** The workers' figures, added to this process's own at scrape time (multi-worker SeGW). */
  private workers: readonly MetricsSnapshot[] = [];

  constructor(private readonly opts: SegwMetricsOptions = {}) {
    const r = this.registry;
    const total = () => this.total();
    mirroredCounter(r, "lwip_segw_handshakes_total", "IKEv2 handshakes of UEs by outcome (established, auth_failed) and failure reason", ["outcome", "reason"], () => {
      const t = total();
      return [[{ outcome: "established", reason: "" }, t.established], ...Object.entries(t.authFailed).map(([reason, n]): LabelRow => [{ outcome: "auth_failed", reason }, n])];
    });
    mirroredCounter(r, "lwip_segw_packets_total", "Packets forwarded by direction (uplink: UE to eNB)", ["direction"], () => byLabel("direction", [["uplink", total().up.packets], ["downlink", total().down.packets]]));
    mirroredCounter(r, "lwip_segw_bytes_total", "Bytes forwarded by direction (inner packet bytes)", ["direction"], () => byLabel("direction", [["uplink", total().up.bytes], ["downlink", total().down.bytes]]));
    mirroredCounter(r, "lwip_segw_drops_total", "Packets dropped by reason", ["reason"], () => byLabel("reason", Object.entries(total().drops)));
    if (opts.counters || opts.beforeScrape) {
      mirroredCounter(r, "lwip_segw_events_total", "Named event counters of the IKE engine and the control API", ["name"], () => byLabel("name", Object.entries(total().events)));
    }
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers: [r], collect() { this.set(read()); } });
    gauge("lwip_segw_active_ues", "UEs with an established tunnel", () => total().activeUes);
    gauge("lwip_segw_provisioning_entries", "Entries in the provisioning store (provisioned, connected, release-required)", () => total().provisioningEntries);
    const workersUp = opts.workersUp;
    if (workersUp) gauge("lwip_segw_workers_up", "Worker processes running (config workers); one being restarted is down", workersUp);
  }

  /** This process's own figures. */
  snapshot(): MetricsSnapshot {
    return {
      established: this.established,
      authFailed: Object.fromEntries(this.authFailed),
      up: { ...this.up },
      down: { ...this.down },
      drops: Object.fromEntries(this.drops),
      events: this.opts.counters?.snapshot() ?? {},
      activeUes: this.opts.activeUes?.() ?? 0,
      provisioningEntries: this.opts.provisioningEntries?.() ?? 0,
    };
  }

  /** Replaces the workers' figures that the next scrape adds to this process's own. */
  setWorkerSnapshots(snapshots: readonly MetricsSnapshot[]): void {
    this.workers = snapshots;
  }

  /** This process's figures plus its workers'. */
  private total(): MetricsSnapshot {
    const own = this.snapshot();
    if (this.workers.length === 0) return own;
    const maps = { authFailed: new Map<string, number>(), drops: new Map<string, number>(), events: new Map<string, number>() };
    const sum = { established: 0, up: { packets: 0, bytes: 0 }, down: { packets: 0, bytes: 0 }, activeUes: 0, provisioningEntries: 0 };
    for (const s of [own, ...this.workers]) {
      sum.established += s.established;
      sum.up.packets += s.up.packets;
      sum.up.bytes += s.up.bytes;
      sum.down.packets += s.down.packets;
      sum.down.bytes += s.down.bytes;
      sum.activeUes += s.activeUes;
      sum.provisioningEntries += s.provisioningEntries;
      addInto(maps.authFailed, s.authFailed);
      addInto(maps.drops, s.drops);
      addInto(maps.events, s.events);
    }
    return { ...sum, authFailed: Object.fromEntries(maps.authFailed), drops: Object.fromEntries(maps.drops), events: Object.fromEntries(maps.events) };
  }

  handshakeEstablished(): void {
    this.established++;
  }

  handshakeAuthFailed(reason: AuthFailedReason): void {
    this.authFailed.set(reason, (this.authFailed.get(reason) ?? 0) + 1);
  }

  /** One packet forwarded from a UE towards its eNB. */
  uplink(bytes: number): void {
    this.up.packets++;
    this.up.bytes += bytes;
  }

  /** One packet forwarded from an eNB to a UE. */
  downlink(bytes: number): void {
    this.down.packets++;
    this.down.bytes += bytes;
  }

  /** `n` packets dropped for `reason` (a short stable name, e.g. "forbidden-destination", "rate-limit-ue"). */
  drop(reason: string, n = 1): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + n);
  }

  /** The text exposition format, as /metrics serves it. */
  async metrics(): Promise<string> {
    await this.opts.beforeScrape?.();
    return this.registry.metrics();
  }
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves GET /metrics from `metrics` over plain HTTP on listen:port (0 picks a free port). Bind it
 * to a management address: it needs no authentication because it carries no secrets.
 */
export async function startMetricsServer(listen: string, port: number, metrics: SegwMetrics): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    metrics.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${e instanceof Error ? e.message : String(e)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, listen, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
