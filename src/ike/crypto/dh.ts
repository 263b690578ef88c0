/**
 * Key exchange methods (Transform Type 4, RFC 7296 §3.3.2, §3.4): MODP groups 14/15/16
 * (RFC 3526), ECP groups 19/20/21 (RFC 5903) and Curve25519 group 31 (RFC 8031). Each yields the
 * Key Exchange Data for the KE payload and the fixed-length shared secret g^ir used by keymat.ts.
 */
import type { Result } from "../../wire/result.js";
import { DhGroup } from "../registry.js";
import type { CryptoError } from "./crypto-error.js";
import { createEcp, ECP_COORDINATE_LENGTH, respondEcp } from "./dh-ecp.js";
import { createModp, MODP_LENGTH } from "./dh-modp.js";
import { createX25519, X25519_LENGTH } from "./dh-x25519.js";

export type { CryptoError };

/** One side of one Diffie-Hellman exchange: our ephemeral key pair. */
export interface KeyExchange {
  /** IANA Transform Type 4 ID. */
  readonly group: number;
  /** Our Key Exchange Data for the KE payload, exactly keyExchangeLength(group) octets. */
  readonly publicValue: Uint8Array;
  /**
   * g^ir from the peer's Key Exchange Data after validating it (RFC 7296 §3.4, RFC 6989);
   * an "invalid-ke" error for a bad value, never a throw.
   * @throws Error if called after wipe() (programmer error).
   */
  computeShared(peer: Uint8Array): Result<Uint8Array, CryptoError>;
  /**
   * Drops our private key. Copies of it inside node:crypto (OpenSSL) objects cannot be zeroed from
   * JavaScript; they are released with the object.
   */
  wipe(): void;
}

/** The responder's half of an exchange, done at once: our KE data and g^ir (or why the peer's value is refused). */
export interface ResponderKeyExchange {
  readonly group: number;
  readonly publicValue: Uint8Array;
  readonly shared: Result<Uint8Array, CryptoError>;
}

interface GroupEntry {
  readonly keLength: number;
  readonly create: (privateKey: Uint8Array | undefined) => KeyExchange;
  /** A cheaper one-shot responder exchange than create + computeShared, where the group has one. */
  readonly respond?: (peer: Uint8Array) => Omit<ResponderKeyExchange, "group">;
}

function modp(group: number, name: "modp14" | "modp15" | "modp16"): GroupEntry {
  const keLength = MODP_LENGTH[name];
  return { keLength, create: (privateKey) => createModp(group, name, privateKey) };
}

function ecp(group: number, curve: keyof typeof ECP_COORDINATE_LENGTH): GroupEntry {
  const keLength = 2 * ECP_COORDINATE_LENGTH[curve];
  return { keLength, create: (privateKey) => createEcp(group, curve, privateKey), respond: (peer) => respondEcp(curve, peer) };
}

const GROUPS: ReadonlyMap<number, GroupEntry> = new Map<number, GroupEntry>([
  [DhGroup.MODP_2048, modp(DhGroup.MODP_2048, "modp14")],
  [DhGroup.MODP_3072, modp(DhGroup.MODP_3072, "modp15")],
  [DhGroup.MODP_4096, modp(DhGroup.MODP_4096, "modp16")],
  [DhGroup.ECP_256, ecp(DhGroup.ECP_256, "prime256v1")],
  [DhGroup.ECP_384, ecp(DhGroup.ECP_384, "secp384r1")],
  [DhGroup.ECP_521, ecp(DhGroup.ECP_521, "secp521r1")],
  [DhGroup.CURVE25519, { keLength: X25519_LENGTH, create: (privateKey) => createX25519(DhGroup.CURVE25519, privateKey) }],
]);

/**
 * A fresh ephemeral key pair for `group`, or undefined if the group is not implemented.
 * `privateKey` is for known-answer tests only: production code lets node:crypto generate it.
 * @throws RangeError / Error if a given `privateKey` is not valid for the group (programmer error).
 */
export function createKeyExchange(group: number, privateKey?: Uint8Array): KeyExchange | undefined {
  return GROUPS.get(group)?.create(privateKey);
}

/**
 * The responder's side of an exchange in one call (RFC 7296 §1.2: KEr answers KEi): a fresh key
 * pair, our Key Exchange Data and g^ir with the peer's; there is no KeyExchange to keep or wipe.
 * Undefined if the group is not implemented.
 */
export function respondToKeyExchange(group: number, peer: Uint8Array): ResponderKeyExchange | undefined {
  const entry = GROUPS.get(group);
  if (entry === undefined) return undefined;
  if (entry.respond) {
    const r = entry.respond(peer);
    return { group, publicValue: r.publicValue, shared: r.shared };
  }
  const ours = entry.create(undefined);
  const shared = ours.computeShared(peer);
  ours.wipe();
  return { group, publicValue: ours.publicValue, shared };
}

/** Length of the Key Exchange Data of `group` in octets (RFC 7296 §3.4), undefined if not implemented. */
export function keyExchangeLength(group: number): number | undefined {
  return GROUPS.get(group)?.keLength;
}
