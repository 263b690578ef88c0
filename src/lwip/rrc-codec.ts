/**
 * JSON form of the RRC messages of rrc.ts, as the simulated air interface carries them: the
 * ASN.1 field names as keys, OCTET and BIT STRINGs as hex text, CHOICEs as a one-key object,
 * NULL as null. Decoding checks every range and size of the ASN.1 (and refuses unknown keys),
 * so a message that decodes is one TS 36.331 allows; it never throws.
 */
import { z } from "zod";
import { fromHex, toHex } from "../wire/hex.js";
import { codecError, type CodecError } from "../wire/codec-error.js";
import { err, ok, type Result } from "../wire/result.js";
import {
  ARFCN_VALUE_EUTRA_MAX,
  ASSOCIATION_TIMER_R13,
  DRB_IDENTITY_MAX,
  DRB_IDENTITY_MIN,
  DRB_TYPE_LWIP_R13,
  LWIP_COUNTER_R13_MAX,
  MAX_WLAN_ID_R13,
  NEXT_HOP_CHAINING_COUNT_MAX,
  PHYS_CELL_ID_MAX,
  REESTABLISHMENT_CAUSE,
  RRC_TRANSACTION_IDENTIFIER_MAX,
  T304,
  WLAN_STATUS_R13,
  type DrbToAddMod,
  type IpAddressR13,
  type LwipConfigurationR13,
  type MobilityControlInfo,
  type RadioResourceConfigDedicated,
  type RrcDownlinkMessage,
  type RrcMessage,
  type RrcUplinkMessage,
  type TunnelConfigLwipR13,
  type WlanIdentifiersR12,
  type WlanMobilityConfigR13,
} from "./rrc.js";

/** Hex text of `min`..`max` octets, as bytes. */
function octets(min: number, max = min) {
  return z
    .string()
    .refine((s) => s.length % 2 === 0 && s.length >= 2 * min && s.length <= 2 * max && /^[0-9a-fA-F]*$/.test(s), min === max ? `expected ${min} octets in hex` : `expected ${min}-${max} octets in hex`)
    .transform((s) => fromHex(s) ?? new Uint8Array(0));
}

const integer = (min: number, max: number) => z.number().int().min(min).max(max);

/** idI-r13 is an unbounded OCTET STRING; ours keeps a decoder bounded (XwAP's IKE Initiator Identity is also bounded here). */
export const IDI_R13_MAX_OCTETS = 255;

const drbIdentity = integer(DRB_IDENTITY_MIN, DRB_IDENTITY_MAX);
const transactionId = { "rrc-TransactionIdentifier": integer(0, RRC_TRANSACTION_IDENTIFIER_MAX) };

const drbToAddMod: z.ZodType<DrbToAddMod> = z.strictObject({
  "drb-Identity": drbIdentity,
  "drb-TypeLWIP-r13": z.enum(DRB_TYPE_LWIP_R13).exactOptional(),
});

const radioResourceConfigDedicated: z.ZodType<RadioResourceConfigDedicated> = z.strictObject({
  "drb-ToAddModList": z.array(drbToAddMod).min(1).max(DRB_IDENTITY_MAX).exactOptional(),
  "drb-ToReleaseList": z.array(drbIdentity).min(1).max(DRB_IDENTITY_MAX).exactOptional(),
});

const ipAddress: z.ZodType<IpAddressR13> = z.union([z.strictObject({ "ipv4-r13": octets(4) }), z.strictObject({ "ipv6-r13": octets(16) })]);

const tunnelConfig: z.ZodType<TunnelConfigLwipR13> = z.strictObject({
  "ip-Address-r13": ipAddress,
  "ike-Identity-r13": z.strictObject({ "idI-r13": octets(1, IDI_R13_MAX_OCTETS) }),
  "lwip-Counter-r13": integer(0, LWIP_COUNTER_R13_MAX).exactOptional(),
});

const wlanIdentifiers: z.ZodType<WlanIdentifiersR12> = z.strictObject({
  "ssid-r12": octets(1, 32).exactOptional(),
  "bssid-r12": octets(6).exactOptional(),
  "hessid-r12": octets(6).exactOptional(),
});

const wlanIdList = z.array(wlanIdentifiers).min(1).max(MAX_WLAN_ID_R13);

const wlanMobilityConfig: z.ZodType<WlanMobilityConfigR13> = z.strictObject({
  "wlan-ToReleaseList-r13": wlanIdList.exactOptional(),
  "wlan-ToAddList-r13": wlanIdList.exactOptional(),
  "associationTimer-r13": z.enum(ASSOCIATION_TIMER_R13).exactOptional(),
  "successReportRequested-r13": z.literal("true").exactOptional(),
});

const lwipConfiguration: z.ZodType<LwipConfigurationR13> = z.union([
  z.strictObject({ release: z.null() }),
  z.strictObject({
    setup: z.strictObject({
      "lwip-Config-r13": z.strictObject({ "lwip-MobilityConfig-r13": wlanMobilityConfig.exactOptional(), "tunnelConfigLWIP-r13": tunnelConfig.exactOptional() }),
    }),
  }),
]);

const mobilityControlInfo: z.ZodType<MobilityControlInfo> = z.strictObject({
  targetPhysCellId: integer(0, PHYS_CELL_ID_MAX),
  carrierFreq: z.strictObject({ "dl-CarrierFreq": integer(0, ARFCN_VALUE_EUTRA_MAX) }).exactOptional(),
  t304: z.enum(T304),
  "newUE-Identity": octets(2),
});

const nextHopChainingCount = integer(0, NEXT_HOP_CHAINING_COUNT_MAX);

const downlinkSchema: z.ZodType<RrcDownlinkMessage> = z.union([
  z.strictObject({
    rrcConnectionReconfiguration: z.strictObject({
      ...transactionId,
      mobilityControlInfo: mobilityControlInfo.exactOptional(),
      radioResourceConfigDedicated: radioResourceConfigDedicated.exactOptional(),
      securityConfigHO: z.strictObject({ handoverType: z.strictObject({ intraLTE: z.strictObject({ keyChangeIndicator: z.boolean(), nextHopChainingCount }) }) }).exactOptional(),
      "lwip-Configuration-r13": lwipConfiguration.exactOptional(),
    }),
  }),
  z.strictObject({ rrcConnectionReestablishment: z.strictObject({ ...transactionId, nextHopChainingCount }) }),
]);

const uplinkSchema: z.ZodType<RrcUplinkMessage> = z.union([
  z.strictObject({ rrcConnectionReconfigurationComplete: z.strictObject(transactionId) }),
  z.strictObject({ "wlanConnectionStatusReport-r13": z.strictObject({ "wlan-Status-r13": z.enum(WLAN_STATUS_R13) }) }),
  z.strictObject({
    ueCapabilityInformation: z.strictObject({
      ...transactionId,
      "lwip-Parameters-r13": z.strictObject({ "lwip-r13": z.literal("supported").exactOptional() }),
      "wlan-MAC-Address-r13": octets(6).exactOptional(),
    }),
  }),
  z.strictObject({
    rrcConnectionReestablishmentRequest: z.strictObject({
      "ue-Identity": z.strictObject({ "c-RNTI": octets(2), physCellId: integer(0, PHYS_CELL_ID_MAX) }),
      reestablishmentCause: z.enum(REESTABLISHMENT_CAUSE),
    }),
  }),
]);

/** The JSON value of an RRC value: Uint8Array becomes hex text, everything else stays. */
export function rrcToJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(rrcToJson);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rrcToJson(v)]));
  return value;
}

function decodeWith<T>(schema: z.ZodType<T>, json: unknown, what: string): Result<T, CodecError> {
  const r = schema.safeParse(json);
  if (r.success) return ok(r.data);
  const issue = r.error.issues[0];
  const where = issue ? issue.path.map(String).join(".") : "";
  return err(codecError("bad-value", `${what}: ${where ? `${where}: ` : ""}${issue?.message ?? "invalid"}`, 0));
}

/** Decodes an eNB-to-UE RRC message from its JSON value. Never throws. */
export function decodeRrcDownlink(json: unknown): Result<RrcDownlinkMessage, CodecError> {
  return decodeWith(downlinkSchema, json, "RRC downlink message");
}

/** Decodes a UE-to-eNB RRC message from its JSON value. Never throws. */
export function decodeRrcUplink(json: unknown): Result<RrcUplinkMessage, CodecError> {
  return decodeWith(uplinkSchema, json, "RRC uplink message");
}

/** The JSON value of any RRC message (decodeRrcDownlink/Uplink give it back). */
export function encodeRrc(m: RrcMessage): unknown {
  return rrcToJson(m);
}
