/**
 * Why a decoder refused its input. Codes are stable strings so logs and metrics can count them;
 * `notify` is the IKEv2 Notify type the refusal maps to when it reaches a peer (RFC 7296 §3.10.1).
 */
export interface CodecError {
  readonly code: CodecErrorCode;
  readonly message: string;
  /** Byte offset in the decoded buffer where the problem was found. */
  readonly offset: number;
  readonly notify?: number;
  /** The Notify's data, where the type asks for some (§3.10.1: UNSUPPORTED_CRITICAL_PAYLOAD carries the payload type). */
  readonly notifyData?: Uint8Array;
}

export type CodecErrorCode =
  | "truncated"
  | "length-mismatch"
  | "bad-value"
  | "reserved-not-zero"
  | "unsupported-version"
  | "unsupported-critical-payload"
  | "invalid-syntax";

export function codecError(code: CodecErrorCode, message: string, offset: number, notify?: number, notifyData?: Uint8Array): CodecError {
  if (notify === undefined) return { code, message, offset };
  return notifyData === undefined ? { code, message, offset, notify } : { code, message, offset, notify, notifyData };
}
