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
}

export type CodecErrorCode =
  | "truncated"
  | "length-mismatch"
  | "bad-value"
  | "reserved-not-zero"
  | "unsupported-version"
  | "unsupported-critical-payload"
  | "invalid-syntax";

export function codecError(code: CodecErrorCode, message: string, offset: number, notify?: number): CodecError {
  return notify === undefined ? { code, message, offset } : { code, message, offset, notify };
}
