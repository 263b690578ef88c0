/**
 * MODP Diffie-Hellman groups 14, 15, 16 (RFC 3526 §3-§5, generator 2), using OpenSSL's built-in
 * primes through node:crypto getDiffieHellman.
 *
 * RFC 7296 §3.4: the Key Exchange Data "MUST be padded with zeros if necessary so that the length
 * of the data is the same as the length of the modulus"; the same holds for g^ir (§2.14 uses it
 * as a fixed-length octet string). RFC 6989 §2.1: for these safe primes the only small subgroup
 * is {1, p-1}, so the check 1 < y < p-1 is the complete validation of the peer's value.
 */
import { createDiffieHellman, getDiffieHellman, type DiffieHellman, type DiffieHellmanGroup } from "node:crypto";
import { ok, type Result } from "../../wire/result.js";
import { fromBuffer, leftPad, toBuffer } from "./bytes.js";
import { invalidKe, type CryptoError } from "./crypto-error.js";
import type { KeyExchange } from "./dh.js";

/** Modulus length in octets = KE data and g^ir length (RFC 3526: 2048/3072/4096 bits). */
export const MODP_LENGTH = { modp14: 256, modp15: 384, modp16: 512 } as const;

/** Compares two equal-length big-endian unsigned integers. */
function compareBE(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(toBuffer(a), toBuffer(b));
}

/** Bounds of a valid peer value: 1 < y < p-1, as fixed-length big-endian strings. */
interface ModpBounds {
  readonly one: Uint8Array;
  readonly pMinus1: Uint8Array;
}

function modpBounds(prime: Uint8Array): ModpBounds {
  const lowest = prime.length - 1;
  const pMinus1 = prime.slice();
  // p is odd, so p-1 differs from p only in the lowest bit.
  pMinus1.set(prime.subarray(lowest).map((b) => b & 0xfe), lowest);
  return { one: leftPad(Uint8Array.of(1), prime.length), pMinus1 };
}

/** Why `y` is not a valid peer value (RFC 7296 §3.4 length, RFC 6989 §2.1 range), or undefined if it is. */
function peerValueProblem(y: Uint8Array, bounds: ModpBounds): string | undefined {
  if (y.length !== bounds.one.length) return `MODP KE data of ${y.length} octets, expected ${bounds.one.length}`;
  if (compareBE(y, bounds.one) <= 0) return "MODP KE value is 0 or 1";
  if (compareBE(y, bounds.pMinus1) >= 0) return "MODP KE value is p-1 or not below p";
  return undefined;
}

/** Our key pair in a MODP group; `privateKey` (the exponent) only for tests. */
export function createModp(group: number, name: keyof typeof MODP_LENGTH, privateKey: Uint8Array | undefined): KeyExchange {
  const length = MODP_LENGTH[name];
  const named = getDiffieHellman(name);
  const bounds = modpBounds(leftPad(fromBuffer(named.getPrime()), length));
  let dh: DiffieHellman | DiffieHellmanGroup | undefined = named;
  if (privateKey !== undefined) {
    // A DiffieHellmanGroup cannot take a private key; an equivalent object over the same prime can.
    const custom = createDiffieHellman(named.getPrime(), named.getGenerator());
    custom.setPrivateKey(toBuffer(privateKey));
    dh = custom;
  }
  dh.generateKeys();
  const publicValue = leftPad(fromBuffer(dh.getPublicKey()), length);
  return {
    group,
    publicValue,
    computeShared(peer: Uint8Array): Result<Uint8Array, CryptoError> {
      if (dh === undefined) throw new Error("KeyExchange used after wipe()");
      const problem = peerValueProblem(peer, bounds);
      if (problem !== undefined) return invalidKe(problem);
      try {
        return ok(leftPad(fromBuffer(dh.computeSecret(toBuffer(peer))), length));
      } catch (e) {
        return invalidKe(`MODP key agreement failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    wipe() {
      dh = undefined;
    },
  };
}
