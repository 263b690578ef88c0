/** Errors of the IKE crypto layer, returned as values (src/wire Result), never thrown on peer input. */
import { err } from "../../wire/result.js";

/**
 * "invalid-ke": the peer's Key Exchange data is unusable (RFC 7296 §3.4: answer with
 * INVALID_SYNTAX or, during negotiation, INVALID_KE_PAYLOAD; RFC 6989 for the checks).
 * "unsupported": a transform we do not implement.
 */
export interface CryptoError {
  readonly code: "invalid-ke" | "unsupported";
  readonly message: string;
}

export function invalidKe(message: string): { readonly ok: false; readonly error: CryptoError } {
  return err({ code: "invalid-ke", message });
}
