/** GTPv1-U (TS 29.281) numbers: port, message types, information elements, extension headers. */

/** The registered UDP port of GTP-U (TS 29.281 §4.4.2.0; IANA "gtp-user"). */
export const GTPU_UDP_PORT = 2152;

/** Version 1 in bits 8-6 and PT = 1 (GTP, not GTP') in bit 5 of octet 1 (TS 29.281 §5.1). */
export const GTPU_VERSION_PT = 0x30;
/** The mask over octet 1 that must equal GTPU_VERSION_PT; bit 4 is spare and not evaluated. */
export const GTPU_VERSION_PT_MASK = 0xf0;

/** Octet 1 flag bits (TS 29.281 §5.1). */
export const GtpuFlag = {
  /** Extension Header flag. */
  E: 0x04,
  /** Sequence number flag. */
  S: 0x02,
  /** N-PDU Number flag. */
  PN: 0x01,
} as const;

/** The mandatory part of the header: flags, type, Length and TEID. */
export const GTPU_HEADER_BYTES = 8;
/** Sequence Number (2), N-PDU Number (1), Next Extension Header Type (1), present if E, S or PN. */
export const GTPU_OPTIONAL_BYTES = 4;

/** Message types used on GTP-U (TS 29.281 Table 6.1-1). */
export const GtpuMessageType = {
  ECHO_REQUEST: 1,
  ECHO_RESPONSE: 2,
  ERROR_INDICATION: 26,
  SUPPORTED_EXTENSION_HEADERS_NOTIFICATION: 31,
  END_MARKER: 254,
  G_PDU: 255,
} as const;

/**
 * Information element types (TS 29.281 §8.1). Types below 128 are TV with a fixed length per
 * type; 128 and above are TLV with a 2-octet length (TS 29.060 §7.7).
 */
export const GtpuIeType = {
  RECOVERY: 14,
  TEID_DATA_I: 16,
  GTPU_PEER_ADDRESS: 133,
  PRIVATE_EXTENSION: 255,
} as const;

/** The first TLV type: IEs of this type and above carry a 2-octet length (TS 29.060 §7.7). */
export const GTPU_FIRST_TLV_IE_TYPE = 128;

/** Value lengths of the TV IEs we read; an unknown TV IE cannot be skipped. */
export const GTPU_TV_IE_LENGTH: Readonly<Record<number, number>> = {
  [GtpuIeType.RECOVERY]: 1,
  [GtpuIeType.TEID_DATA_I]: 4,
};

/** Next Extension Header Type values (TS 29.281 §5.2.1, Figure 5.2.1-3). */
export const GtpuExtensionHeaderType = {
  NO_MORE: 0x00,
  UDP_PORT: 0x40,
} as const;

/**
 * The two most significant bits of an extension header type say who must understand it
 * (TS 29.281 §5.2.1, Table 5.2.1-2): "10" and "11" mean the receiving endpoint must, so an
 * endpoint that does not support such a type discards the packet.
 */
export const GTPU_EXTENSION_COMPREHENSION_REQUIRED = 0x80;
