/**
 * UDP encapsulation of ESP on the IKE port 4500 (RFC 3948): one socket carries IKE messages, ESP
 * packets and NAT-keepalives, told apart by their first octets.
 *
 *   IKE:        0x00000000 (non-ESP marker, §2.2) | IKE header ...
 *   ESP:        SPI (never 0, §2.1) | Sequence Number | ...
 *   keepalive:  0xFF, a single octet (§2.3), to be ignored by the receiver
 *
 * The peer's address and port may change under a NAT; the caller should adopt a new one only
 * from a packet that authenticated (a decapsulated ESP packet or a verified IKE message), never
 * from the classification here (RFC 7296 §2.23, RFC 3948 §3.2 / RFC 4555 reasoning).
 */

/** The NAT-keepalive payload (RFC 3948 §2.3). Do not modify. */
export const NAT_KEEPALIVE: Uint8Array = Uint8Array.of(0xff);

const NON_ESP_MARKER_BYTES = 4;
/** IKE header (RFC 7296 §3.1). */
const IKE_HEADER_BYTES = 28;
/** SPI + Sequence Number (RFC 4303 §2). */
const ESP_HEADER_BYTES = 8;

/** What arrived on port 4500; `message` and `packet` view the datagram, no copy. */
export type Udp4500Datagram =
  | { readonly kind: "ike"; readonly message: Uint8Array }
  | { readonly kind: "esp"; readonly packet: Uint8Array; readonly spi: number }
  | { readonly kind: "keepalive" }
  | { readonly kind: "invalid"; readonly reason: "empty" | "truncated" };

const KEEPALIVE = { kind: "keepalive" } as const;
const EMPTY = { kind: "invalid", reason: "empty" } as const;
const TRUNCATED = { kind: "invalid", reason: "truncated" } as const;

/** Demultiplexes one UDP payload received on port 4500 (RFC 3948 §2). Never throws. */
export function classifyUdp4500(datagram: Uint8Array): Udp4500Datagram {
  const n = datagram.length;
  if (n === 0) return EMPTY;
  if (n === 1) return datagram[0] === 0xff ? KEEPALIVE : TRUNCATED;
  if (n < ESP_HEADER_BYTES) return TRUNCATED;
  const spi = (((datagram[0] ?? 0) << 24) | ((datagram[1] ?? 0) << 16) | ((datagram[2] ?? 0) << 8) | (datagram[3] ?? 0)) >>> 0;
  if (spi !== 0) return { kind: "esp", packet: datagram, spi };
  if (n < NON_ESP_MARKER_BYTES + IKE_HEADER_BYTES) return TRUNCATED;
  return { kind: "ike", message: datagram.subarray(NON_ESP_MARKER_BYTES) };
}

/** Prefixes an IKE message with the non-ESP marker for sending on port 4500 (RFC 3948 §2.2). */
export function withNonEspMarker(ikeMessage: Uint8Array): Uint8Array {
  const out = new Uint8Array(NON_ESP_MARKER_BYTES + ikeMessage.length);
  out.set(ikeMessage, NON_ESP_MARKER_BYTES);
  return out;
}
