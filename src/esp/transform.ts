/**
 * What an SA needs from its cryptographic transform: seal a packet whose SPI | Sequence Number
 * are already written, or open one. Two implementations: AES-GCM-16 (gcm.ts, RFC 4106) and AES-CBC
 * with HMAC-SHA-256-128 (cbc-hmac.ts, RFC 3602 + RFC 4868).
 */
export interface EspTransform {
  /** Octets of IV on the wire after the sequence number. */
  readonly ivBytes: number;
  /** Octets of ICV at the end of the packet. */
  readonly icvBytes: number;
  /** The sender pads payload | padding | trailer to a multiple of this (RFC 4303 §2.4). */
  readonly alignBytes: number;
  /** The receiver's ciphertext length must be a multiple of this (the cipher block size). */
  readonly blockBytes: number;

  /**
   * Writes IV | encrypt(payload | padding | padLength | nextHeader) | ICV into `packet` after its
   * 8-octet ESP header. `packet` has exactly the room for it. `seqHi` is the high half of the
   * 64-bit sequence number (authenticated but not sent when ESN is on, RFC 4303 §2.2.1).
   */
  seal(packet: Uint8Array, payload: Uint8Array, padLength: number, nextHeader: number, seqHi: number, seqLo: number): void;

  /**
   * Verifies the ICV of a whole ESP packet (lengths already checked) and decrypts it: the
   * plaintext payload | padding | padLength | nextHeader, or undefined if the ICV is wrong.
   */
  open(packet: Uint8Array, seqHi: number): Uint8Array | undefined;

  /** Zeroes the key material this transform holds in JavaScript memory. */
  wipe(): void;
}
