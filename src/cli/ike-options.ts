/** Option parsing shared by the IKE peers: proposals (strongSwan syntax, profile-checked), hex, CIDRs. */
import { espProfileViolation, ikeProfileViolation } from "../ike/crypto/suites.js";
import { parseProposalList, type ProposalSpec } from "../ike/proposal.js";
import { parseCidr, selectorFromCidr, type Cidr } from "../ike/traffic-selector.js";
import { DEFAULT_FRAGMENT_SIZE, MIN_FRAGMENT_SIZE } from "../ike/exchange.js";
import type { TrafficSelector } from "../ike/codec/payloads.js";
import { fromHex } from "../wire/hex.js";
import { UsageError } from "./usage-error.js";

export const DEFAULT_IKE_PROPOSALS = "aes128-sha256-modp2048,aes128gcm16-prfsha256-ecp256";
export const DEFAULT_ESP_PROPOSALS = "aes128gcm16,aes128-sha256";

/** Parses and checks proposals against the TS 33.210 profile: weak algorithms are refused here, at configuration time. */
export function proposalsOption(text: string, kind: "ike" | "esp", name: string): ProposalSpec[] {
  const r = parseProposalList(text, kind);
  if (!r.ok) throw new UsageError(`${name}: ${r.error}`);
  for (const spec of r.specs) {
    for (const e of spec.encr) {
      for (const integ of spec.integ.length > 0 ? spec.integ : [0]) {
        const cipher = { encrId: e.id, keyBits: e.keyBits, integId: integ };
        const why = kind === "esp" ? espProfileViolation(cipher)
          : spec.prf.map((prfId) => spec.dh.map((dhGroup) => ikeProfileViolation({ ...cipher, prfId, dhGroup })).find(Boolean)).find(Boolean);
        if (why) throw new UsageError(`${name}: ${why}`);
      }
    }
  }
  return r.specs;
}

export function hexOption(text: string | undefined, name: string, minBytes = 1): Uint8Array {
  const b = text === undefined ? undefined : fromHex(text);
  if (!b || b.length < minBytes) throw new UsageError(`${name} must be hex digits (at least ${minBytes} octets)`);
  return b;
}

export function cidrOption(text: string, name: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new UsageError(`${name}: "${text}" is not an address or prefix (e.g. 198.18.1.1/32)`);
  return c;
}

export function selectorOption(text: string, name: string): TrafficSelector {
  return selectorFromCidr(cidrOption(text, name));
}

/** --fragment-size: the largest IP packet an IKE message of ours makes before RFC 7383 fragments it; 0 turns fragmentation off. */
export function fragmentSizeOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_FRAGMENT_SIZE;
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (n === 0 || (n >= MIN_FRAGMENT_SIZE && n <= 65535)) return n;
  throw new UsageError(`--fragment-size must be 0 (no fragmentation) or ${MIN_FRAGMENT_SIZE}..65535 octets`);
}
