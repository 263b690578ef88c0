/**
 * ESP constants (RFC 4303), sizes in octets, and the drop reasons of the data plane.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Security Parameters Index (SPI)                 |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Sequence Number                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    IV (8 GCM, 16 CBC)                         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Payload Data | Padding (0-255) | Pad Length | Next Header    | encrypted
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Integrity Check Value (16 octets in our profile)      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                                                      RFC 4303 §2
 */

/** SPI (4) + Sequence Number (4), RFC 4303 §2.1-2.2. */
export const ESP_HEADER_BYTES = 8;
/** Pad Length (1) + Next Header (1), RFC 4303 §2.4-2.6. */
export const ESP_TRAILER_BYTES = 2;
/** ICV of AES-GCM-16 (RFC 4106 §6) and of AUTH_HMAC_SHA2_256_128 (RFC 4868 §2.3). */
export const ESP_ICV_BYTES = 16;
/**
 * Largest ESP packet we build or accept: ESP always travels UDP-encapsulated here (RFC 3948), and
 * the 16-bit UDP Length field (RFC 768) counts the 8-octet UDP header too.
 */
export const MAX_ESP_PACKET_BYTES = 65535 - 8;

/** Next Header values (IANA protocol numbers) a tunnel-mode SA carries, RFC 4303 §2.6 / RFC 4301 §4.1. */
export const NextHeader = {
  IPV4: 4,
  IPV6: 41,
  /** "No next header": a dummy packet the receiver discards (RFC 4303 §2.6). */
  NO_NEXT_HEADER: 59,
} as const;

/** Why a packet was not sent or not delivered; each has its own counter on the SA. */
export type EspDropReason =
  | "truncated"
  | "bad-spi"
  | "replay"
  | "outside-window"
  | "icv"
  | "padding"
  | "seq-exhausted"
  | "oversized"
  | "bad-next-header";

/** A refused packet: returned, never thrown (conventions: ESP decap does not throw). */
export interface EspDrop {
  readonly drop: EspDropReason;
}

const REASONS: readonly EspDropReason[] = [
  "truncated",
  "bad-spi",
  "replay",
  "outside-window",
  "icv",
  "padding",
  "seq-exhausted",
  "oversized",
  "bad-next-header",
];

/** One shared frozen object per reason, so the drop path allocates nothing. */
export const ESP_DROP: Readonly<Record<EspDropReason, EspDrop>> = Object.freeze(
  Object.fromEntries(REASONS.map((r) => [r, Object.freeze({ drop: r })])) as Record<EspDropReason, EspDrop>,
);

/** A fresh set of per-reason counters, all zero. */
export function newDropCounters(): Record<EspDropReason, number> {
  return Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<EspDropReason, number>;
}

/** Narrows an encapsulate/decapsulate result to the drop case. */
export function isEspDrop(x: object): x is EspDrop {
  return "drop" in x;
}
