/**
 * The TS 36.331 (RRC) information elements that LWIP uses, as TypeScript types with the field
 * names of the ASN.1 (spec brief §2.1, read from TS 36.331 V17.4.0). Octet and bit strings are
 * Uint8Array; rrc-codec.ts carries them as JSON over the simulated air interface.
 *
 * What is modelled and how:
 * - LWIP-Configuration-r13 and everything under it as in the ASN.1 (WLAN-Id-List with SSID, BSSID
 *   and HESSID; the Rel-14 extensions are left out).
 * - DRB-ToAddMod with only drb-Identity and drb-TypeLWIP-r13: the PDCP/RLC/logical channel
 *   configuration of a bearer does not concern LWIP security.
 * - RRCConnectionReconfiguration is flattened: the fields that sit in the r8 IEs
 *   (mobilityControlInfo, radioResourceConfigDedicated, securityConfigHO) and in the v1310 IEs
 *   (lwip-Configuration-r13) appear side by side instead of down the nonCriticalExtension chain.
 * - The UE capability is reduced to what LWIP needs: lwip-Parameters-r13 and wlan-MAC-Address-r13
 *   (the UE Identity the eNB sends in LWIP ADDITION REQUEST, TS 36.463).
 * - RRC connection re-establishment (after radio link failure) carries c-RNTI and physCellId in
 *   its ue-Identity; shortMAC-I (a MAC under KRRCint) is not modelled.
 */

/** DRB-Identity ::= INTEGER (1..32). */
export const DRB_IDENTITY_MIN = 1;
export const DRB_IDENTITY_MAX = 32;

/**
 * drb-TypeLWIP-r13 ENUMERATED {lwip, lwip-DL-only, lwip-UL-only, eutran} (TS 36.331 §5.3.10.3a3):
 * LWIP in both directions, in one direction only, or not at all.
 */
export const DRB_TYPE_LWIP_R13 = ["lwip", "lwip-DL-only", "lwip-UL-only", "eutran"] as const;
export type DrbTypeLwipR13 = (typeof DRB_TYPE_LWIP_R13)[number];

/** Whether a DRB of this type sends its downlink (eNB to UE) over LWIP. */
export function lwipDownlink(t: DrbTypeLwipR13): boolean {
  return t === "lwip" || t === "lwip-DL-only";
}

/** Whether a DRB of this type sends its uplink (UE to eNB) over LWIP: the "uplink over WLAN" flag. */
export function lwipUplink(t: DrbTypeLwipR13): boolean {
  return t === "lwip" || t === "lwip-UL-only";
}

/** Whether a DRB of this type uses the LWIP tunnel at all. */
export function usesLwip(t: DrbTypeLwipR13): boolean {
  return t !== "eutran";
}

/** DRB-ToAddMod, the LWIP part. Absent drb-TypeLWIP-r13 on a new DRB means E-UTRAN only. */
export interface DrbToAddMod {
  readonly "drb-Identity": number;
  readonly "drb-TypeLWIP-r13"?: DrbTypeLwipR13;
}

/** RadioResourceConfigDedicated, the DRB lists. */
export interface RadioResourceConfigDedicated {
  readonly "drb-ToAddModList"?: readonly DrbToAddMod[];
  readonly "drb-ToReleaseList"?: readonly number[];
}

/** IP-Address-r13 ::= CHOICE { ipv4-r13 BIT STRING (SIZE (32)), ipv6-r13 BIT STRING (SIZE (128)) }. */
export type IpAddressR13 = { readonly "ipv4-r13": Uint8Array } | { readonly "ipv6-r13": Uint8Array };

/** IKE-Identity-r13 ::= SEQUENCE { idI-r13 OCTET STRING }: the IDi the UE uses (TS 33.401 16.2.1). */
export interface IkeIdentityR13 {
  readonly "idI-r13": Uint8Array;
}

/** lwip-Counter-r13 INTEGER (0..65535). */
export const LWIP_COUNTER_R13_MAX = 65535;

/**
 * TunnelConfigLWIP-r13: the LWIP-SeGW address and IDi (TS 33.401 16.2.1), and the LWIP counter
 * from which the UE derives the LWIP-PSK (16.4.1; mandatory when the tunnel is set up).
 */
export interface TunnelConfigLwipR13 {
  readonly "ip-Address-r13": IpAddressR13;
  readonly "ike-Identity-r13": IkeIdentityR13;
  readonly "lwip-Counter-r13"?: number;
}

/** WLAN-Identifiers-r12. */
export interface WlanIdentifiersR12 {
  readonly "ssid-r12"?: Uint8Array;
  readonly "bssid-r12"?: Uint8Array;
  readonly "hessid-r12"?: Uint8Array;
}

/** maxWLAN-Id-r13. */
export const MAX_WLAN_ID_R13 = 32;

export const ASSOCIATION_TIMER_R13 = ["s10", "s30", "s60", "s120", "s240"] as const;

/** WLAN-MobilityConfig-r13 (Rel-13 part). successReportRequested: the UE reports a (re)gained WLAN connection. */
export interface WlanMobilityConfigR13 {
  readonly "wlan-ToReleaseList-r13"?: readonly WlanIdentifiersR12[];
  readonly "wlan-ToAddList-r13"?: readonly WlanIdentifiersR12[];
  readonly "associationTimer-r13"?: (typeof ASSOCIATION_TIMER_R13)[number];
  readonly "successReportRequested-r13"?: "true";
}

/** LWIP-Config-r13. */
export interface LwipConfigR13 {
  readonly "lwip-MobilityConfig-r13"?: WlanMobilityConfigR13;
  readonly "tunnelConfigLWIP-r13"?: TunnelConfigLwipR13;
}

/** LWIP-Configuration-r13 ::= CHOICE { release NULL, setup SEQUENCE { lwip-Config-r13 } }. */
export type LwipConfigurationR13 = { readonly release: null } | { readonly setup: { readonly "lwip-Config-r13": LwipConfigR13 } };

/** PhysCellId ::= INTEGER (0..503); ARFCN-ValueEUTRA ::= INTEGER (0..maxEARFCN = 65535). */
export const PHYS_CELL_ID_MAX = 503;
export const ARFCN_VALUE_EUTRA_MAX = 65535;

export const T304 = ["ms50", "ms100", "ms150", "ms200", "ms500", "ms1000", "ms2000"] as const;

/** MobilityControlInfo (handover, also intra-cell for a KeNB refresh): its presence releases LWIP at the UE (§5.3.5.4). */
export interface MobilityControlInfo {
  readonly targetPhysCellId: number;
  /** Absent: the target is on the current downlink frequency. */
  readonly carrierFreq?: { readonly "dl-CarrierFreq": number };
  readonly t304: (typeof T304)[number];
  /** C-RNTI, BIT STRING (SIZE (16)). */
  readonly "newUE-Identity": Uint8Array;
}

/** NextHopChainingCount ::= INTEGER (0..7). */
export const NEXT_HOP_CHAINING_COUNT_MAX = 7;

/** SecurityConfigHO, intra-LTE: keyChangeIndicator false is a horizontal KeNB* derivation (TS 33.401 §7.2.8.4). */
export interface SecurityConfigHO {
  readonly handoverType: { readonly intraLTE: { readonly keyChangeIndicator: boolean; readonly nextHopChainingCount: number } };
}

/** RRC-TransactionIdentifier ::= INTEGER (0..3). */
export const RRC_TRANSACTION_IDENTIFIER_MAX = 3;

/** RRCConnectionReconfiguration, flattened (see the file comment). */
export interface RRCConnectionReconfiguration {
  readonly "rrc-TransactionIdentifier": number;
  readonly mobilityControlInfo?: MobilityControlInfo;
  readonly radioResourceConfigDedicated?: RadioResourceConfigDedicated;
  readonly securityConfigHO?: SecurityConfigHO;
  readonly "lwip-Configuration-r13"?: LwipConfigurationR13;
}

export interface RRCConnectionReconfigurationComplete {
  readonly "rrc-TransactionIdentifier": number;
}

/** WLAN-Status-r13 ENUMERATED. */
export const WLAN_STATUS_R13 = ["successfulAssociation", "failureWlanRadioLink", "failureWlanUnavailable", "failureTimeout"] as const;
export type WlanStatusR13 = (typeof WLAN_STATUS_R13)[number];

/** WLANConnectionStatusReport-r13-IEs: how the UE tells the eNB it lost (or regained) WLAN. */
export interface WLANConnectionStatusReportR13 {
  readonly "wlan-Status-r13": WlanStatusR13;
}

/** The LWIP part of UECapabilityInformation (UE-EUTRA-Capability-v1310-IEs). */
export interface UECapabilityInformation {
  readonly "rrc-TransactionIdentifier": number;
  readonly "lwip-Parameters-r13": { readonly "lwip-r13"?: "supported" };
  /** OCTET STRING (SIZE (6)). */
  readonly "wlan-MAC-Address-r13"?: Uint8Array;
}

export const REESTABLISHMENT_CAUSE = ["reconfigurationFailure", "handoverFailure", "otherFailure"] as const;

/** RRCConnectionReestablishmentRequest (shortMAC-I not modelled). */
export interface RRCConnectionReestablishmentRequest {
  readonly "ue-Identity": { readonly "c-RNTI": Uint8Array; readonly physCellId: number };
  readonly reestablishmentCause: (typeof REESTABLISHMENT_CAUSE)[number];
}

/** RRCConnectionReestablishment: the NCC from which the UE derives KeNB* (TS 33.401 §7.2.8.4). */
export interface RRCConnectionReestablishment {
  readonly "rrc-TransactionIdentifier": number;
  readonly nextHopChainingCount: number;
}

/** eNB to UE: the c1 choice name and its message. */
export type RrcDownlinkMessage =
  | { readonly rrcConnectionReconfiguration: RRCConnectionReconfiguration }
  | { readonly rrcConnectionReestablishment: RRCConnectionReestablishment };

/** UE to eNB. */
export type RrcUplinkMessage =
  | { readonly rrcConnectionReconfigurationComplete: RRCConnectionReconfigurationComplete }
  | { readonly "wlanConnectionStatusReport-r13": WLANConnectionStatusReportR13 }
  | { readonly ueCapabilityInformation: UECapabilityInformation }
  | { readonly rrcConnectionReestablishmentRequest: RRCConnectionReestablishmentRequest };

export type RrcMessage = RrcDownlinkMessage | RrcUplinkMessage;

/** Octets of an IP-Address-r13, IPv4 or IPv6. */
export function ipAddressOctets(a: IpAddressR13): Uint8Array {
  return "ipv4-r13" in a ? a["ipv4-r13"] : a["ipv6-r13"];
}

/** The IP-Address-r13 for 4 or 16 octets. @throws RangeError for another length (a programmer error). */
export function ipAddressR13(octets: Uint8Array): IpAddressR13 {
  if (octets.length === 4) return { "ipv4-r13": octets };
  if (octets.length === 16) return { "ipv6-r13": octets };
  throw new RangeError(`an IP address has 4 or 16 octets, not ${octets.length}`);
}
