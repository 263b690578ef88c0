/**
 * The XwAP LWIP procedures behind the control API routes (TS 36.463 §8; TS 33.401 16.2.3). Each
 * handler runs for an eNB already identified by its client certificate and touches only that
 * eNB's entries: another eNB's UE is "unknown", exactly as a UE that does not exist.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Counters } from "../../io/counters.js";
import type { Logger } from "../../io/log.js";
import { bytesEqual, toHex } from "../../wire/hex.js";
import type { EntryKey } from "../provisioning-store.js";
import { readJsonBody, sendEmpty, sendJson, sendRefusal } from "./http-util.js";
import { acknowledgeJson, lwipAdditionRequestSchema, lwipReleaseConfirmSchema, lwipReleaseRequestSchema, rejectJson, ueJson } from "./json-schemas.js";
import type { ControlApiEnb } from "./peer-identity.js";
import type { UeRegistry, UeView } from "./ue-registry.js";
import { Causes, type XwapCause } from "./xwap.js";

/** What the handlers share. */
export interface HandlerContext {
  readonly registry: UeRegistry;
  readonly log: Logger;
  readonly counters: Counters;
}

export type Handler = (ctx: HandlerContext, enb: ControlApiEnb, req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** HTTP status of an LWIP ADDITION REQUEST REJECT by cause type. */
function rejectStatus(cause: XwapCause): number {
  switch (cause.type) {
    case "protocol":
      return 400;
    case "misc":
      return 503;
    case "transport":
      return 422;
    case "radioNetwork":
      return 409;
  }
}

/** POST /xwap/v1/lwip-addition-request: LWIP Addition Preparation. */
export const lwipAdditionRequest: Handler = async (ctx, enb, req, res) => {
  const body = await readJsonBody(req, lwipAdditionRequestSchema);
  if (!body.ok) {
    ctx.counters.add("xwap_bad_request");
    sendRefusal(res, body.refusal);
    return;
  }
  const r = body.value;
  const reject = (cause: XwapCause, error: string) => {
    ctx.counters.add("xwap_lwip_addition_reject");
    ctx.log.warn("xwap", "LWIP ADDITION REQUEST REJECT", { enb: enb.name, idi: toHex(r.ikeInitiatorIdentity), cause: `${cause.type}/${cause.value}`, reason: error });
    sendJson(res, rejectStatus(cause), rejectJson(toHex(r.enbUeXwapId), cause, error));
  };
  const tla = r.enbGtpTunnelEndpoint?.transportLayerAddress;
  if (enb.gtpAddress !== undefined && tla !== undefined && tla !== enb.gtpAddress) {
    r.lwipPsk.fill(0);
    reject(Causes.transportUnavailable, `eNB GTP transport layer address must be ${enb.gtpAddress}`);
    return;
  }
  const result = await ctx.registry.provision(enb.name, r);
  if (!result.ok) {
    reject(result.cause, result.reason);
    return;
  }
  const { entry } = result;
  ctx.counters.add("xwap_lwip_addition_ack");
  ctx.log.info("xwap", "LWIP ADDITION REQUEST ACKNOWLEDGE", {
    enb: enb.name,
    idi: toHex(entry.idi),
    enbUeXwapId: toHex(entry.enbUeXwapId),
    wtUeXwapId: toHex(entry.wtUeXwapId),
    windowMs: entry.windowEndsAt - entry.provisionedAt,
  });
  const lwipSegwGtpTunnelEndpoint = { transportLayerAddress: entry.segwGtpAddress, gtpTeid: entry.segwGtpTeid };
  sendJson(res, 200, acknowledgeJson({ enbUeXwapId: entry.enbUeXwapId, wtUeXwapId: entry.wtUeXwapId, lwipSegwGtpTunnelEndpoint }, entry.segwIpAddress));
};

/** The eNB's entry for `key`, if the optional eNB UE XwAP ID also matches. */
async function findOwn(ctx: HandlerContext, enb: ControlApiEnb, key: EntryKey, enbUeXwapId: Uint8Array | undefined): Promise<UeView | undefined> {
  const entry = await ctx.registry.find(enb.name, key);
  if (!entry) return undefined;
  return enbUeXwapId === undefined || bytesEqual(enbUeXwapId, entry.enbUeXwapId) ? entry : undefined;
}

function unknownUe(ctx: HandlerContext, enb: ControlApiEnb, res: ServerResponse, procedure: string): void {
  ctx.counters.add("xwap_unknown_ue");
  ctx.log.warn("xwap", `${procedure} for an unknown UE`, { enb: enb.name });
  sendJson(res, 404, { error: "no such UE for this eNB", cause: Causes.unknownPair });
}

function released(ctx: HandlerContext, enb: ControlApiEnb, entry: UeView, procedure: string): void {
  ctx.counters.add(procedure === "LWIP RELEASE REQUEST" ? "xwap_lwip_release_request" : "xwap_lwip_release_confirm");
  ctx.log.info("xwap", procedure, { enb: enb.name, idi: toHex(entry.idi), wtUeXwapId: toHex(entry.wtUeXwapId), state: entry.state });
}

/** POST /xwap/v1/lwip-release-request: eNB Initiated LWIP Release (class 2; 204 once done). */
export const lwipReleaseRequest: Handler = async (ctx, enb, req, res) => {
  const body = await readJsonBody(req, lwipReleaseRequestSchema);
  if (!body.ok) {
    ctx.counters.add("xwap_bad_request");
    sendRefusal(res, body.refusal);
    return;
  }
  const b = body.value;
  const key: EntryKey = b.wtUeXwapId ? { wtUeXwapId: b.wtUeXwapId } : { idi: b.ikeInitiatorIdentity ?? new Uint8Array(0) };
  const entry = await findOwn(ctx, enb, key, b.enbUeXwapId);
  if (!entry) return unknownUe(ctx, enb, res, "LWIP RELEASE REQUEST");
  await ctx.registry.release(enb.name, entry.idi, "enb-release");
  released(ctx, enb, entry, "LWIP RELEASE REQUEST");
  sendEmpty(res, 204);
};

/** POST /xwap/v1/lwip-release-confirm: the eNB's answer to LWIP RELEASE REQUIRED. */
export const lwipReleaseConfirm: Handler = async (ctx, enb, req, res) => {
  const body = await readJsonBody(req, lwipReleaseConfirmSchema);
  if (!body.ok) {
    ctx.counters.add("xwap_bad_request");
    sendRefusal(res, body.refusal);
    return;
  }
  const entry = await findOwn(ctx, enb, { wtUeXwapId: body.value.wtUeXwapId }, body.value.enbUeXwapId);
  if (!entry) return unknownUe(ctx, enb, res, "LWIP RELEASE CONFIRM");
  if (entry.state !== "release-required") {
    sendJson(res, 409, { error: "no LWIP RELEASE REQUIRED pending for this UE", cause: Causes.notCompatibleWithState });
    return;
  }
  await ctx.registry.release(enb.name, entry.idi, "release-confirmed");
  released(ctx, enb, entry, "LWIP RELEASE CONFIRM");
  sendEmpty(res, 204);
};

/** GET /xwap/v1/ues: the eNB's UEs and their state (never a PSK). */
export const listUes: Handler = async (ctx, enb, _req, res) => {
  const ues = await ctx.registry.list(enb.name);
  const now = ctx.registry.now();
  sendJson(res, 200, { ues: ues.map((e) => ueJson(e, now)) });
};
