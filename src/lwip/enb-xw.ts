/**
 * The eNB side of Xw-C towards the LWIP-SeGW: the XwAP LWIP procedures (TS 36.463 §8) over the
 * SeGW's control API (HTTPS, TLS 1.3, mutual certificates: the NDS/IP-protected interface of
 * TS 33.401 16.2.3), with typed inputs and outputs and the SeGW's answers checked before use.
 */
import { z } from "zod";
import type { ControlApiClient } from "../segw/control-api/client.js";
import { parseIp } from "../ike/traffic-selector.js";
import type { Logger } from "../io/log.js";
import { fromHex, toHex } from "../wire/hex.js";

/** LWIP ADDITION REQUEST, as the eNB fills it in. */
export interface XwAdditionRequest {
  readonly enbUeXwapId: Uint8Array;
  /** UE Identity: the UE's WLAN MAC address (6 octets). */
  readonly ueIdentity: Uint8Array;
  /** LWIP-SeGW Security Information, lWIP-PSK: zeroized by lwipAdditionRequest once serialized. */
  readonly lwipPsk: Uint8Array;
  /** LWIP-SeGW Security Information, iKE-Initiator-Identity: the IDi. */
  readonly ikeInitiatorIdentity: Uint8Array;
  /** eNB GTP Tunnel Endpoint: our Xw-U address and the TEID of this UE's uplink. */
  readonly enbGtpTunnelEndpoint: { readonly address: string; readonly teid: number };
  /** How long the SeGW waits for the UE's handshake (TS 33.401 16.2.2 note); the SeGW's default if absent. */
  readonly windowSeconds?: number;
}

export type XwAdditionResult =
  | {
      readonly ok: true;
      readonly wtUeXwapId: Uint8Array;
      readonly segwGtpTunnelEndpoint: { readonly address: string; readonly teid: number };
      /**
       * The LWIP-SeGW address the UE runs IKEv2 with (ip-Address-r13), when the SeGW named one: a
       * multi-worker SeGW has one per worker. Not an XwAP IE (XwAP leaves it to OAM); absent: the
       * eNB's configured SeGW address.
       */
      readonly lwipSegwIpAddress?: string;
    }
  | { readonly ok: false; readonly cause: string; readonly error: string };

/** The pair of XwAP IDs that names a UE in release procedures. */
export interface XwUeIds {
  readonly enbUeXwapId: Uint8Array;
  readonly wtUeXwapId: Uint8Array;
}

const hexId = z.string().regex(/^[0-9a-fA-F]{6}$/);
const ueIds = { enbUeXwapId: hexId, wtUeXwapId: hexId, ikeInitiatorIdentity: z.string().regex(/^(?:[0-9a-fA-F]{2})+$/) };

const acknowledgeSchema = z.object({
  enbUeXwapId: hexId,
  wtUeXwapId: hexId,
  lwipSegwGtpTunnelEndpoint: z.object({ transportLayerAddress: z.string().min(1), gtpTeid: z.string().regex(/^[0-9a-fA-F]{8}$/) }),
  lwipSegwIpAddress: z.string().refine((a) => parseIp(a) !== undefined, "an IPv4 or IPv6 address").optional(),
});

const rejectSchema = z.object({ cause: z.object({ type: z.string(), value: z.string() }), error: z.string().optional() });

/** The SeGW events the eNB acts on (the stream may carry more fields and other events). */
const streamEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("tunnel-up"), ...ueIds, innerAddress: z.string().nullable() }),
  z.object({ type: z.literal("tunnel-down"), ...ueIds, reason: z.string() }),
  z.object({ type: z.literal("lwip-release-required"), ...ueIds, cause: z.object({ type: z.string(), value: z.string() }), reason: z.string() }),
]);

export type XwStreamEvent = z.output<typeof streamEventSchema>;

/** GET /xwap/v1/ues, the fields the eNB reads. */
const ueListSchema = z.object({
  ues: z.array(z.object({ ikeInitiatorIdentity: ueIds.ikeInitiatorIdentity, state: z.string(), innerAddress: z.string().nullable() })),
});

/** One UE as the SeGW lists it: its entry state (provisioned, connected, release-required) and inner address. */
export interface XwUeEntry {
  readonly state: string;
  readonly innerAddress: string | null;
}

/** Seconds between attempts to reopen a broken event stream. */
const STREAM_RETRY_MS = 1000;

function u32(teid: string): number {
  return Number.parseInt(teid, 16) >>> 0;
}

function teidHex(teid: number): string {
  return (teid >>> 0).toString(16).padStart(8, "0");
}

export class XwClient {
  constructor(
    private readonly api: ControlApiClient,
    private readonly log: Logger,
  ) {}

  /** LWIP Addition Preparation (TS 36.463 §8.x; TS 33.401 16.2.3). Never throws: failures are results. */
  async lwipAdditionRequest(r: XwAdditionRequest): Promise<XwAdditionResult> {
    const body = {
      enbUeXwapId: toHex(r.enbUeXwapId),
      ueIdentity: toHex(r.ueIdentity),
      lwipSegwSecurityInformation: { lwipPsk: toHex(r.lwipPsk), ikeInitiatorIdentity: toHex(r.ikeInitiatorIdentity) },
      enbGtpTunnelEndpoint: { transportLayerAddress: r.enbGtpTunnelEndpoint.address, gtpTeid: teidHex(r.enbGtpTunnelEndpoint.teid) },
      ...(r.windowSeconds !== undefined ? { windowSeconds: r.windowSeconds } : {}),
    };
    // The PSK's bytes go now; the JSON text holding its hex is dropped with `body` (JS strings cannot be zeroized).
    r.lwipPsk.fill(0);
    const res = await this.call("POST", "/xwap/v1/lwip-addition-request", body);
    if (!res) return { ok: false, cause: "transport/transport-resource-unavailable", error: "control API unreachable" };
    if (res.status === 200) {
      const ack = acknowledgeSchema.safeParse(res.body);
      if (!ack.success) return { ok: false, cause: "protocol/semantic-error", error: "malformed LWIP ADDITION REQUEST ACKNOWLEDGE" };
      const tep = ack.data.lwipSegwGtpTunnelEndpoint;
      return {
        ok: true, wtUeXwapId: fromHex(ack.data.wtUeXwapId) ?? new Uint8Array(3), segwGtpTunnelEndpoint: { address: tep.transportLayerAddress, teid: u32(tep.gtpTeid) },
        ...(ack.data.lwipSegwIpAddress !== undefined ? { lwipSegwIpAddress: ack.data.lwipSegwIpAddress } : {}),
      };
    }
    const reject = rejectSchema.safeParse(res.body);
    return reject.success
      ? { ok: false, cause: `${reject.data.cause.type}/${reject.data.cause.value}`, error: reject.data.error ?? `HTTP ${res.status}` }
      : { ok: false, cause: "unknown", error: `HTTP ${res.status}` };
  }

  /** eNB Initiated LWIP Release (class 2). True when the SeGW released the UE (or no longer knew it). */
  async lwipReleaseRequest(ids: XwUeIds): Promise<boolean> {
    const res = await this.call("POST", "/xwap/v1/lwip-release-request", { enbUeXwapId: toHex(ids.enbUeXwapId), wtUeXwapId: toHex(ids.wtUeXwapId) });
    return res !== undefined && (res.status === 204 || res.status === 404);
  }

  /** LWIP RELEASE CONFIRM, the answer to LWIP RELEASE REQUIRED. */
  async lwipReleaseConfirm(ids: XwUeIds): Promise<boolean> {
    const res = await this.call("POST", "/xwap/v1/lwip-release-confirm", { enbUeXwapId: toHex(ids.enbUeXwapId), wtUeXwapId: toHex(ids.wtUeXwapId) });
    return res !== undefined && (res.status === 204 || res.status === 404);
  }

  /**
   * The UEs the SeGW holds for this eNB (GET /xwap/v1/ues) by IDi (lower-case hex), or undefined
   * when the SeGW cannot be reached or answers something else.
   */
  async listUes(): Promise<ReadonlyMap<string, XwUeEntry> | undefined> {
    const res = await this.call("GET", "/xwap/v1/ues", undefined);
    const list = res?.status === 200 ? ueListSchema.safeParse(res.body) : undefined;
    return list?.success ? new Map(list.data.ues.map((u) => [u.ikeInitiatorIdentity.toLowerCase(), { state: u.state, innerAddress: u.innerAddress }])) : undefined;
  }

  /**
   * Follows the SeGW's event stream until stop(), reopening it after a failure. onOpen runs each
   * time the SeGW accepted the stream, and when it says events were lost (its queue for us
   * overflowed): either way the eNB must check what the SeGW holds. Events that do not match their
   * schema are logged and skipped.
   */
  streamEvents(onEvent: (e: XwStreamEvent) => void, onOpen?: () => void): { stop(): void } {
    const abort = new AbortController();
    const run = async () => {
      while (!abort.signal.aborted) {
        try {
          const res = await this.api.events((e) => {
            const parsed = streamEventSchema.safeParse({ ...(typeof e.data === "object" && e.data !== null ? e.data : {}), type: e.type });
            if (parsed.success) onEvent(parsed.data);
            else if (e.type !== "events-lost") this.log.debug("xw", "SeGW event ignored", { type: e.type });
            else {
              const count = (e.data as { count?: unknown } | null)?.count;
              this.log.warn("xw", "SeGW events lost", { count: typeof count === "number" ? count : null });
              onOpen?.();
            }
          }, abort.signal, onOpen);
          if (res.status !== 200 && !abort.signal.aborted) this.log.warn("xw", "SeGW event stream refused", { status: res.status });
        } catch (e) {
          this.log.warn("xw", "SeGW event stream failed", { error: e instanceof Error ? e.message : String(e) });
        }
        if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, STREAM_RETRY_MS).unref());
      }
    };
    void run();
    return { stop: () => abort.abort() };
  }

  private async call(method: string, path: string, body: unknown) {
    try {
      return await this.api.call(method, path, body);
    } catch (e) {
      this.log.warn("xw", "control API request failed", { path, error: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }
}
