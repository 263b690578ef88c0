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

  constructor(opts: SegwMetricsOptions = {}) {
    const r = this.registry;
    mirroredCounter(r, "lwip_segw_handshakes_total", "IKEv2 handshakes of UEs by outcome (established, auth_failed) and failure reason", ["outcome", "reason"], () => [
      [{ outcome: "established", reason: "" }, this.established],
      ...[...this.authFailed].map(([reason, n]): LabelRow => [{ outcome: "auth_failed", reason }, n]),
    ]);
    mirroredCounter(r, "lwip_segw_packets_total", "Packets forwarded by direction (uplink: UE to eNB)", ["direction"], () => byLabel("direction", [["uplink", this.up.packets], ["downlink", this.down.packets]]));
    mirroredCounter(r, "lwip_segw_bytes_total", "Bytes forwarded by direction (inner packet bytes)", ["direction"], () => byLabel("direction", [["uplink", this.up.bytes], ["downlink", this.down.bytes]]));
    mirroredCounter(r, "lwip_segw_drops_total", "Packets dropped by reason", ["reason"], () => byLabel("reason", this.drops));
    const counters = opts.counters;
    if (counters) {
      mirroredCounter(r, "lwip_segw_events_total", "Named event counters of the IKE engine and the control API", ["name"], () => byLabel("name", Object.entries(counters.snapshot())));
    }
    const gauge = (name: string, help: string, read: (() => number) | undefined) =>
      new Gauge({ name, help, registers: [r], collect() { this.set(read?.() ?? 0); } });
    gauge("lwip_segw_active_ues", "UEs with an established tunnel", opts.activeUes);
    gauge("lwip_segw_provisioning_entries", "Entries in the provisioning store (provisioned, connected, release-required)", opts.provisioningEntries);
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
  metrics(): Promise<string> {
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
