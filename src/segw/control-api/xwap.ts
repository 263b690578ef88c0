/**
 * The XwAP LWIP procedures that the SeGW control API carries as JSON (TS 36.463 §8, ASN.1 modules
 * XwAP-PDU-Contents and XwAP-IEs): their information elements as typed values, with the names
 * and sizes of the ASN.1 so that a later binary XwAP binding maps one to one.
 *
 *   LWIP Addition Preparation (procedure code 13, class 1): LWIP ADDITION REQUEST ->
 *     LWIP ADDITION REQUEST ACKNOWLEDGE | LWIP ADDITION REQUEST REJECT
 *   eNB Initiated LWIP Release (15, class 2): LWIP RELEASE REQUEST
 *   WT Initiated LWIP Release (16, class 1): LWIP RELEASE REQUIRED -> LWIP RELEASE CONFIRM
 */

/** UE-XwAP-ID ::= OCTET STRING (SIZE (3)): eNB UE XwAP ID and WT UE XwAP ID. */
export const UE_XWAP_ID_LENGTH = 3;
/** UE-Identity ::= OCTET STRING (SIZE (6)): the UE's WLAN MAC address. */
export const UE_IDENTITY_LENGTH = 6;
/** LWIP-PSK ::= BIT STRING (SIZE (256)) (TS 33.401 16.2.3: the key the UE also derives from KeNB). */
export const LWIP_PSK_LENGTH = 32;
/** GTP-TEID ::= OCTET STRING (SIZE (4)). */
export const GTP_TEID_LENGTH = 4;
/**
 * IKE-Initiator-Identity ::= OCTET STRING has no size bound in XwAP; ours keeps the store bounded.
 * It is the Identification Data of the UE's ID_KEY_ID IDi payload (RFC 7296 §3.5).
 */
export const IKE_INITIATOR_IDENTITY_MAX_LENGTH = 255;

/**
 * The Cause IE choices and their ENUMERATED values (XwAP-IEs: CauseRadioNetwork, CauseTransport,
 * CauseProtocol, CauseMisc). CauseRadioNetwork is limited to the values that can concern an LWIP
 * UE (the WLAN measurement and E-RAB values of LWA are left out).
 */
export const CAUSE_VALUES = {
  radioNetwork: [
    "unknown-eNB-UE-XwAP-ID",
    "unknown-WT-UE-XwAP-ID",
    "unknown-pair-of-UE-XwAP-ID",
    "wLAN-not-available",
    "security-failure",
    "unspecified",
    "reduce-load",
    "resource-optimisation",
    "no-radio-resources-available",
    "procedure-cancelled",
    "radio-connection-with-UE-lost",
    "failure-in-the-radio-interface-procedure",
  ],
  transport: ["transport-resource-unavailable", "unspecified"],
  protocol: [
    "transfer-syntax-error",
    "abstract-syntax-error-reject",
    "abstract-syntax-error-ignore-and-notify",
    "message-not-compatible-with-receiver-state",
    "semantic-error",
    "unspecified",
    "abstract-syntax-error-falsely-constructed-message",
  ],
  misc: ["control-processing-overload", "hardware-failure", "om-intervention", "not-enough-user-plane-processing-resources", "unspecified"],
} as const;

export type CauseType = keyof typeof CAUSE_VALUES;

/** Cause ::= CHOICE { radioNetwork, transport, protocol, misc }. */
export type XwapCause = { [K in CauseType]: { readonly type: K; readonly value: (typeof CAUSE_VALUES)[K][number] } }[CauseType];

/** GTPtunnelEndpoint: TransportLayerAddress (an IPv4 or IPv6 address, as text here) and GTP-TEID. */
export interface GtpTunnelEndpoint {
  readonly transportLayerAddress: string;
  readonly gtpTeid: Uint8Array;
}

/** LWIP ADDITION REQUEST, the IEs the SeGW uses (Serving PLMN and Mobility Set concern the WLAN side only). */
export interface LwipAdditionRequest {
  readonly enbUeXwapId: Uint8Array;
  /** UE Identity: the UE's WLAN MAC address. */
  readonly ueIdentity: Uint8Array;
  /** LWIP-SeGW Security Information: lWIP-PSK. The store takes ownership and zeroizes it. */
  readonly lwipPsk: Uint8Array;
  /** LWIP-SeGW Security Information: iKE-Initiator-Identity, the IDi the UE will send. */
  readonly ikeInitiatorIdentity: Uint8Array;
  /** eNB GTP Tunnel Endpoint: where the SeGW sends the UE's uplink (Xw-U, TS 36.464). */
  readonly enbGtpTunnelEndpoint?: GtpTunnelEndpoint;
  /** Not an XwAP IE: how long the UE has to authenticate (TS 33.401 16.2.2 note), within the configured maximum. */
  readonly windowSeconds?: number;
}

/** LWIP ADDITION REQUEST ACKNOWLEDGE. */
export interface LwipAdditionRequestAcknowledge {
  readonly enbUeXwapId: Uint8Array;
  readonly wtUeXwapId: Uint8Array;
  /** LWIP-SeGW GTP Tunnel Endpoint: where the eNB sends the UE's downlink. */
  readonly lwipSegwGtpTunnelEndpoint: GtpTunnelEndpoint;
}

/** Shorthands for the causes the SeGW sends. */
export const Causes = {
  unknownPair: { type: "radioNetwork", value: "unknown-pair-of-UE-XwAP-ID" },
  radioUnspecified: { type: "radioNetwork", value: "unspecified" },
  radioConnectionLost: { type: "radioNetwork", value: "radio-connection-with-UE-lost" },
  falselyConstructed: { type: "protocol", value: "abstract-syntax-error-falsely-constructed-message" },
  semanticError: { type: "protocol", value: "semantic-error" },
  notCompatibleWithState: { type: "protocol", value: "message-not-compatible-with-receiver-state" },
  transportUnavailable: { type: "transport", value: "transport-resource-unavailable" },
  noResources: { type: "misc", value: "not-enough-user-plane-processing-resources" },
  omIntervention: { type: "misc", value: "om-intervention" },
} as const satisfies Readonly<Record<string, XwapCause>>;
