/**
 * JSON bodies of the control API (docs/openapi.yaml), validated with zod: octet strings are hex
 * text, IP addresses are text, unknown keys are refused. Each schema yields the typed XwAP IEs
 * of xwap.ts; the listing shape is built here too (never with the PSK: the store has none to give).
 */
import { z } from "zod";
import { fromHex, toHex } from "../../wire/hex.js";
import { canonicalIp } from "../../ike/traffic-selector.js";
import type { UeView } from "./ue-registry.js";
import {
  CAUSE_VALUES,
  GTP_TEID_LENGTH,
  IKE_INITIATOR_IDENTITY_MAX_LENGTH,
  LWIP_PSK_LENGTH,
  UE_XWAP_ID_LENGTH,
  type LwipAdditionRequest,
  type LwipAdditionRequestAcknowledge,
  type XwapCause,
} from "./xwap.js";

const ipAddress = z.string().transform((s, ctx) => {
  const ip = canonicalIp(s);
  if (ip === undefined) ctx.addIssue({ code: "custom", message: "expected an IPv4 or IPv6 address" });
  return ip ?? "";
});

/** Hex text of exactly `n` octets (or min..max octets), decoded to bytes. */
function hexOctets(min: number, max = min) {
  const what = min === max ? `${2 * min} hex digits` : `${2 * min}-${2 * max} hex digits`;
  return z
    .string()
    .refine((s) => /^[0-9a-fA-F]*$/.test(s) && s.length % 2 === 0 && s.length >= 2 * min && s.length <= 2 * max, `expected ${what}`)
    .transform((s) => fromHex(s) ?? new Uint8Array(0));
}

/** UE Identity: a WLAN MAC as 12 hex digits, optionally in pairs separated by ':' or '-'. */
const macAddress = z
  .string()
  .refine((s) => /^[0-9a-fA-F]{12}$/.test(s) || /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(s), "expected a MAC address (12 hex digits, or aa:bb:cc:dd:ee:ff)")
  .transform((s) => fromHex(s.replace(/[:-]/g, "")) ?? new Uint8Array(0));

const ueXwapId = hexOctets(UE_XWAP_ID_LENGTH);
const ikeInitiatorIdentity = hexOctets(1, IKE_INITIATOR_IDENTITY_MAX_LENGTH);

const gtpTunnelEndpoint = z.strictObject({ transportLayerAddress: ipAddress, gtpTeid: hexOctets(GTP_TEID_LENGTH) });

const causeSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("radioNetwork"), value: z.enum(CAUSE_VALUES.radioNetwork) }),
  z.strictObject({ type: z.literal("transport"), value: z.enum(CAUSE_VALUES.transport) }),
  z.strictObject({ type: z.literal("protocol"), value: z.enum(CAUSE_VALUES.protocol) }),
  z.strictObject({ type: z.literal("misc"), value: z.enum(CAUSE_VALUES.misc) }),
]);

/** LWIP ADDITION REQUEST. */
export const lwipAdditionRequestSchema = z
  .strictObject({
    enbUeXwapId: ueXwapId,
    ueIdentity: macAddress,
    lwipSegwSecurityInformation: z.strictObject({ lwipPsk: hexOctets(LWIP_PSK_LENGTH), ikeInitiatorIdentity }),
    enbGtpTunnelEndpoint: gtpTunnelEndpoint.optional(),
    windowSeconds: z.number().int().min(1).optional(),
  })
  .transform((b): LwipAdditionRequest => ({
    enbUeXwapId: b.enbUeXwapId,
    ueIdentity: b.ueIdentity,
    lwipPsk: b.lwipSegwSecurityInformation.lwipPsk,
    ikeInitiatorIdentity: b.lwipSegwSecurityInformation.ikeInitiatorIdentity,
    ...(b.enbGtpTunnelEndpoint ? { enbGtpTunnelEndpoint: b.enbGtpTunnelEndpoint } : {}),
    ...(b.windowSeconds !== undefined ? { windowSeconds: b.windowSeconds } : {}),
  }));

/**
 * LWIP RELEASE REQUEST names the UE by its XwAP IDs (both mandatory in XwAP; here the WT UE
 * XwAP ID or, for scripts that know only the IDi, the IKE Initiator Identity). A given eNB UE
 * XwAP ID must match the entry.
 */
export const lwipReleaseRequestSchema = z
  .strictObject({
    enbUeXwapId: ueXwapId.optional(),
    wtUeXwapId: ueXwapId.optional(),
    ikeInitiatorIdentity: ikeInitiatorIdentity.optional(),
    cause: causeSchema.optional(),
  })
  .refine((b) => (b.wtUeXwapId === undefined) !== (b.ikeInitiatorIdentity === undefined), {
    message: "exactly one of wtUeXwapId and ikeInitiatorIdentity is required",
    path: ["wtUeXwapId"],
  });

/** LWIP RELEASE CONFIRM: both XwAP IDs, as XwAP has them. */
export const lwipReleaseConfirmSchema = z.strictObject({ enbUeXwapId: ueXwapId, wtUeXwapId: ueXwapId });

function endpointJson(e: { transportLayerAddress: string; gtpTeid: Uint8Array }) {
  return { transportLayerAddress: e.transportLayerAddress, gtpTeid: toHex(e.gtpTeid) };
}

/** LWIP ADDITION REQUEST ACKNOWLEDGE as JSON. */
export function acknowledgeJson(ack: LwipAdditionRequestAcknowledge, segwIpAddress: string | undefined) {
  const json = { enbUeXwapId: toHex(ack.enbUeXwapId), wtUeXwapId: toHex(ack.wtUeXwapId), lwipSegwGtpTunnelEndpoint: endpointJson(ack.lwipSegwGtpTunnelEndpoint) };
  // Not an XwAP IE (XwAP leaves the SeGW address to OAM): a multi-worker SeGW has one address per
  // worker, and the eNB must give the UE the one holding it (TS 36.331 ip-Address-r13; TS 33.401 16.2.1).
  return segwIpAddress === undefined ? json : { ...json, lwipSegwIpAddress: segwIpAddress };
}

/** LWIP ADDITION REQUEST REJECT as JSON; `error` says why in our words. */
export function rejectJson(enbUeXwapId: string | undefined, cause: XwapCause, error: string) {
  return { enbUeXwapId: enbUeXwapId ?? null, cause, error };
}

/** One UE of the listing: identifiers and state, never key material. `now` is the store's clock. */
export function ueJson(e: UeView, now: number) {
  return {
    enbUeXwapId: toHex(e.enbUeXwapId),
    wtUeXwapId: toHex(e.wtUeXwapId),
    ueIdentity: toHex(e.ueIdentity),
    ikeInitiatorIdentity: toHex(e.idi),
    state: e.state,
    enbGtpTunnelEndpoint: e.enbGtpTunnelEndpoint ? endpointJson(e.enbGtpTunnelEndpoint) : null,
    lwipSegwGtpTunnelEndpoint: endpointJson({ transportLayerAddress: e.segwGtpAddress, gtpTeid: e.segwGtpTeid }),
    lwipSegwIpAddress: e.segwIpAddress ?? null,
    windowRemainingSeconds: e.state === "provisioned" ? Math.max(0, Math.ceil((e.windowEndsAt - now) / 1000)) : null,
    innerAddress: e.tunnel?.innerAddress ?? null,
    ueEndpoint: e.tunnel?.ueEndpoint ?? null,
    releaseCause: e.releaseCause ?? null,
  };
}
