/**
 * ECP Diffie-Hellman groups 19, 20, 21 (RFC 5903: NIST P-256, P-384, P-521) over node:crypto
 * createECDH.
 *
 * RFC 5903 §7: the Key Exchange Data is x | y, each coordinate a fixed-length big-endian octet
 * string (32, 48, 66 octets), i.e. the SEC1 uncompressed point without its 0x04 prefix; the shared
 * secret g^ir is the x coordinate of the common point only. RFC 6989 §2.3 / RFC 7296 §3.4: the
 * peer's point must be on the curve and not the point at infinity; OpenSSL checks both when it
 * decodes the point (the point at infinity has no x | y encoding), and we map its refusal to an
 * error value.
 */
import { createECDH, type ECDH } from "node:crypto";
import { concatBytes } from "../../wire/hex.js";
import { ok, type Result } from "../../wire/result.js";
import { fromBuffer, leftPad, toBuffer } from "./bytes.js";
import { invalidKe, type CryptoError } from "./crypto-error.js";
import type { KeyExchange } from "./dh.js";

/** Field element length in octets per OpenSSL curve name (RFC 5903 §2.1-§2.3). */
export const ECP_COORDINATE_LENGTH = { prime256v1: 32, secp384r1: 48, secp521r1: 66 } as const;

/** SEC1 uncompressed point prefix, absent from IKEv2 KE data (RFC 5903 §7). */
const SEC1_UNCOMPRESSED = 0x04;

/** g^ir = x of our key times the peer's point, validated (RFC 5903 §7, RFC 6989 §2.3). */
function sharedX(ecdh: ECDH, coordinate: number, peer: Uint8Array): Result<Uint8Array, CryptoError> {
  if (peer.length !== 2 * coordinate) return invalidKe(`ECP KE data of ${peer.length} octets, expected ${2 * coordinate}`);
  try {
    const x = ecdh.computeSecret(toBuffer(concatBytes(Uint8Array.of(SEC1_UNCOMPRESSED), peer)));
    return ok(leftPad(fromBuffer(x), coordinate));
  } catch (e) {
    return invalidKe(`ECP KE value is not a valid point: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Our key pair on `curve`; `privateKey` (the scalar) only for tests. @throws Error for an invalid scalar. */
export function createEcp(group: number, curve: keyof typeof ECP_COORDINATE_LENGTH, privateKey: Uint8Array | undefined): KeyExchange {
  const coordinate = ECP_COORDINATE_LENGTH[curve];
  let ecdh: ECDH | undefined = createECDH(curve);
  if (privateKey === undefined) ecdh.generateKeys();
  else ecdh.setPrivateKey(toBuffer(privateKey));
  const publicValue = fromBuffer(ecdh.getPublicKey()).slice(1);
  return {
    group,
    publicValue,
    computeShared(peer: Uint8Array): Result<Uint8Array, CryptoError> {
      if (ecdh === undefined) throw new Error("KeyExchange used after wipe()");
      return sharedX(ecdh, coordinate, peer);
    },
    wipe() {
      ecdh = undefined;
    },
  };
}

/** One ECDH object per curve for the responder's exchanges (respondEcp). */
const responderEcdh = new Map<string, ECDH>();

/**
 * The responder's side of one exchange in one call: a fresh key pair on `curve` and g^ir with the
 * peer's KE data. Creating an ECDH object builds the curve's group, which costs as much as making
 * the key; a responder needs its key only within this call, so one object per curve serves every
 * exchange, generateKeys() replacing the previous key (OpenSSL clears it). The last key stays
 * inside the object until the next exchange, as any ECDH object's stays until it is freed.
 */
export function respondEcp(curve: keyof typeof ECP_COORDINATE_LENGTH, peer: Uint8Array): { publicValue: Uint8Array; shared: Result<Uint8Array, CryptoError> } {
  let ecdh = responderEcdh.get(curve);
  if (ecdh === undefined) {
    ecdh = createECDH(curve);
    responderEcdh.set(curve, ecdh);
  }
  ecdh.generateKeys();
  const publicValue = fromBuffer(ecdh.getPublicKey()).slice(1);
  return { publicValue, shared: sharedX(ecdh, ECP_COORDINATE_LENGTH[curve], peer) };
}
