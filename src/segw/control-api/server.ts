/**
 * The SeGW control API server (TS 33.401 16.2.3: the eNB tells the SeGW to expect an IDi with its
 * LWIP-PSK over a protected interface). HTTPS with TLS 1.3 only and mutual certificate
 * authentication against the configured CA (TS 33.210 §6.2 TLS profile): a client without a
 * certificate from that CA never completes the handshake, and a valid certificate that belongs
 * to no configured eNB gets 403. Routes: docs/openapi.yaml.
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Counters } from "../../io/counters.js";
import type { Logger } from "../../io/log.js";
import { releaseRequiredEvent, type SegwEventBus } from "./events.js";
import { Causes } from "./xwap.js";
import { listUes, lwipAdditionRequest, lwipReleaseConfirm, lwipReleaseRequest, type Handler, type HandlerContext } from "./handlers.js";
import { sendJson } from "./http-util.js";
import { canonicalIp } from "../../ike/traffic-selector.js";
import { identifyEnb, type ControlApiEnb } from "./peer-identity.js";
import { EventStreams } from "./sse.js";
import type { UeRegistry } from "./ue-registry.js";

/** What GET /healthz reports: "down" (HTTP 503) when no worker can take a UE. */
export interface HealthReport {
  readonly status: "ok" | "degraded" | "down";
  /** A multi-worker SeGW: workers running, of all configured. */
  readonly workers?: { readonly up: number; readonly total: number };
}

export interface ControlApiOptions {
  readonly listen: string;
  /** 0 picks a free port (see the returned port). */
  readonly port: number;
  /** PEM texts: the SeGW's certificate and key, and the CA that issued the eNBs' certificates. */
  /** `crl`: PEM CRLs; OpenSSL then requires a current CRL from the issuer of every client certificate. */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string; readonly crl?: string };
  readonly enbs: readonly ControlApiEnb[];
  readonly registry: UeRegistry;
  readonly events: SegwEventBus;
  /** The SeGW's own health; "ok" when absent. */
  readonly health?: () => HealthReport;
  readonly log: Logger;
  readonly counters: Counters;
}

export interface ControlApi {
  readonly port: number;
  /** Stops accepting, ends event streams and open connections. */
  close(): Promise<void>;
  /** Ends every event stream: its eNB reconnects and reconciles its UEs (a worker holding some of them was lost). */
  endEventStreams(): void;
}

const ROUTES: Readonly<Record<string, { readonly method: string; readonly handler: Handler | "events" }>> = {
  "/xwap/v1/lwip-addition-request": { method: "POST", handler: lwipAdditionRequest },
  "/xwap/v1/lwip-release-request": { method: "POST", handler: lwipReleaseRequest },
  "/xwap/v1/lwip-release-confirm": { method: "POST", handler: lwipReleaseConfirm },
  "/xwap/v1/ues": { method: "GET", handler: listUes },
  "/xwap/v1/events": { method: "GET", handler: "events" },
};

/** Every path the API serves, with its method (docs/openapi.yaml documents each). */
export const CONTROL_API_ROUTES: readonly { readonly path: string; readonly method: string }[] = [
  ...Object.entries(ROUTES).map(([path, r]) => ({ path, method: r.method })),
  { path: "/healthz", method: "GET" },
];

/** Stands behind every request: /healthz for any certified client, the routes for a configured eNB. */
function makeDispatcher(opts: ControlApiOptions, ctx: HandlerContext, streams: EventStreams) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) {
      // Unreachable with rejectUnauthorized; kept so that a TLS option change cannot open the API.
      sendJson(res, 401, { error: "client certificate required" });
      return;
    }
    if (path === "/healthz" && req.method === "GET") {
      const health = opts.health?.() ?? { status: "ok" };
      return sendJson(res, health.status === "down" ? 503 : 200, health);
    }
    const who = identifyEnb(socket.getPeerCertificate(), opts.enbs);
    if (!who.ok) {
      opts.counters.add("xwap_forbidden");
      opts.log.warn("xwap", "client certificate refused", { reason: who.reason, names: who.names, remote: socket.remoteAddress ?? null });
      return sendJson(res, 403, { error: "client certificate does not belong to a configured eNB" });
    }
    const route = ROUTES[path];
    if (!route) return sendJson(res, 404, { error: "no such resource" });
    if (req.method !== route.method) {
      res.setHeader("allow", route.method);
      return sendJson(res, 405, { error: `use ${route.method}` });
    }
    opts.log.debug("xwap", "request", { enb: who.enb.name, method: route.method, path });
    if (route.handler === "events") return streams.serve(who.enb.name, req, res);
    await route.handler(ctx, who.enb, req, res);
  };
}

/**
 * Starts the control API on listen:port. Resolves once listening.
 * @throws Error if an eNB's gtpAddress is not an IP address or the socket cannot be bound.
 */
export async function startControlApi(opts: ControlApiOptions): Promise<ControlApi> {
  const enbs = opts.enbs.map((e): ControlApiEnb => {
    if (e.gtpAddress === undefined) return e;
    const gtpAddress = canonicalIp(e.gtpAddress);
    if (gtpAddress === undefined) throw new Error(`eNB ${e.name}: gtpAddress is not an IP address`);
    return { ...e, gtpAddress };
  });
  const options = { ...opts, enbs };
  const streams = new EventStreams(opts.events, opts.log, opts.counters, async (enbName) => (await opts.registry.list(enbName))
    .filter((e) => e.state === "release-required" && e.releaseCause !== undefined)
    .map((e) => releaseRequiredEvent(e, e.releaseCause ?? Causes.radioUnspecified, "pending")));
  const ctx: HandlerContext = { registry: opts.registry, log: opts.log, counters: opts.counters };
  const server: Server = createServer({
    cert: opts.tls.cert,
    key: opts.tls.key,
    ca: opts.tls.ca,
    ...(opts.tls.crl === undefined ? {} : { crl: opts.tls.crl }),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: "TLSv1.3",
    maxVersion: "TLSv1.3",
  });
  const dispatch = makeDispatcher(options, ctx, streams);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    dispatch(req, res).catch((e: unknown) => {
      opts.log.error("xwap", "request failed", { error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  server.on("tlsClientError", (e: Error & { code?: string }, socket: TLSSocket) => {
    opts.counters.add("xwap_tls_refused");
    // A certificate that fails verification is refused by node after the handshake: its reason is
    // in authorizationError, while `e` only says the connection was dropped.
    opts.log.warn("xwap", "TLS handshake refused", { error: socket.authorizationError?.toString() ?? e.code ?? e.message, remote: socket.remoteAddress ?? null });
  });
  server.maxConnections = 256;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.listen, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  opts.log.info("xwap", "control API listening", { listen: opts.listen, port, enbs: enbs.map((e) => e.name) });
  return {
    port,
    endEventStreams: () => streams.closeAll(),
    close: () =>
      new Promise<void>((resolve) => {
        streams.closeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
