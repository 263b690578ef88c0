// The AES-GCM-ESP packets of draft-mcgrew-gcm-test-01 §4 (RFC 4106 framing) within our profile.
import { loadVectors } from "./vectors.js";

export interface GcmCase {
  case: number;
  algorithm: string;
  key: string;
  spi: string;
  seq: string;
  nonce: string;
  plaintext: string;
  aad: string;
  packet: string;
}

const file = loadVectors<{ cases: GcmCase[] }>("esp-aes-gcm-draft-mcgrew-gcm-test-01.json");

/**
 * Our profile is ENCR_AES_GCM_16 with 128- or 256-bit keys: the 192-bit cases (7) and the
 * AES-GMAC-ESP case (15, RFC 4543, ENCR_NULL_AUTH_AES_GMAC) are outside it.
 */
export const PROFILE_GCM_CASES: readonly GcmCase[] = file.cases.filter((c) => c.algorithm === "AES-GCM-ESP" && (c.key.length === 32 || c.key.length === 64));
