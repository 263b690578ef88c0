/**
 * Curve25519 key exchange, group 31 (RFC 8031, X25519 of RFC 7748) over node:crypto KeyObjects.
 *
 * RFC 8031 §2: the Key Exchange Data is the 32-octet X25519 public value, and g^ir is the
 * 32-octet X25519 output. §2.3: "The recipient MUST check whether the computed Diffie-Hellman
 * shared secret is the all-zero value and abort if so" (a low-order peer point). node:crypto takes
 * raw X25519 keys only inside DER structures, so the 32 octets are wrapped in the fixed PKCS#8 /
 * SubjectPublicKeyInfo headers of RFC 8410 §7 / §4.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";
import { concatBytes, hex } from "../../wire/hex.js";
import { ok, type Result } from "../../wire/result.js";
import { fromBuffer, toBuffer, wipe } from "./bytes.js";
import { invalidKe, type CryptoError } from "./crypto-error.js";
import type { KeyExchange } from "./dh.js";

/** Public value, private scalar and shared secret length (RFC 7748 §5, RFC 8031 §2). */
export const X25519_LENGTH = 32;

/** RFC 8410: PKCS#8 PrivateKeyInfo for id-X25519 (1.3.101.110) up to the 32 key octets. */
const PKCS8_X25519_PREFIX = hex("302e020100300506032b656e04220420");
/** RFC 8410: SubjectPublicKeyInfo for id-X25519 up to the 32 key octets. */
const SPKI_X25519_PREFIX = hex("302a300506032b656e032100");

function importPrivate(scalar: Uint8Array): KeyObject {
  if (scalar.length !== X25519_LENGTH) throw new RangeError(`X25519 private key of ${scalar.length} octets`);
  const der = concatBytes(PKCS8_X25519_PREFIX, scalar);
  try {
    return createPrivateKey({ key: toBuffer(der), format: "der", type: "pkcs8" });
  } finally {
    wipe(der);
  }
}

function rawPublic(key: KeyObject): Uint8Array {
  const spki = fromBuffer(createPublicKey(key).export({ format: "der", type: "spki" }));
  return spki.slice(SPKI_X25519_PREFIX.length);
}

/** Our X25519 key pair; `privateKey` (32 octets, before clamping) only for tests. @throws RangeError on a bad length. */
export function createX25519(group: number, privateKey: Uint8Array | undefined): KeyExchange {
  let key: KeyObject | undefined = privateKey === undefined ? generateKeyPairSync("x25519").privateKey : importPrivate(privateKey);
  const publicValue = rawPublic(key);
  return {
    group,
    publicValue,
    computeShared(peer: Uint8Array): Result<Uint8Array, CryptoError> {
      if (key === undefined) throw new Error("KeyExchange used after wipe()");
      if (peer.length !== X25519_LENGTH) return invalidKe(`X25519 KE data of ${peer.length} octets, expected ${X25519_LENGTH}`);
      let shared: Uint8Array;
      try {
        const publicKey = createPublicKey({ key: toBuffer(concatBytes(SPKI_X25519_PREFIX, peer)), format: "der", type: "spki" });
        shared = fromBuffer(diffieHellman({ privateKey: key, publicKey }));
      } catch (e) {
        // OpenSSL refuses an all-zero result itself (low-order point); that lands here.
        return invalidKe(`X25519 key agreement failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      // RFC 8031 §2.3 MUST, checked here as well so it does not rest on the OpenSSL version.
      if (shared.every((b) => b === 0)) return invalidKe("X25519 shared secret is all zero");
      return ok(shared);
    },
    wipe() {
      key = undefined;
    },
  };
}
