/** Shared test helpers for the IKEv2 codec tests: hand-composed payload bytes and error checks. */
import assert from "node:assert/strict";
import type { CodecError, CodecErrorCode } from "../../../src/wire/codec-error.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import type { Result } from "../../../src/wire/result.js";
import { NotifyType } from "../../../src/ike/registry.js";
import { decodePayloads } from "../../../src/ike/codec/message.js";
import type { Payload } from "../../../src/ike/codec/payloads.js";

/**
 * A payload as the RFC 7296 §3.2 generic header lays it out:
 * Next Payload (1) | C bit + RESERVED (1) | Payload Length (2, header included) | body.
 */
export function withGenericHeader(next: number, bodyHex: string, flags = 0): string {
  const body = bodyHex.replace(/\s+/g, "");
  const length = 4 + body.length / 2;
  return byte(next) + byte(flags) + length.toString(16).padStart(4, "0") + body;
}

export function byte(v: number): string {
  return v.toString(16).padStart(2, "0");
}

/** Decodes a single payload of `type` from its hand-written body; fails the test on an error. */
export function decodeSingle(type: number, bodyHex: string, flags = 0): Payload {
  const r = decodePayloads(type, hex(withGenericHeader(0, bodyHex, flags)));
  if (!r.ok) assert.fail(`unexpected ${r.error.code}: ${r.error.message}`);
  assert.equal(r.value.length, 1);
  const p = r.value[0];
  assert.ok(p);
  return p;
}

/** Decodes a single payload body that must be refused with `code` and (by default) INVALID_SYNTAX. */
export function refusedSingle(type: number, bodyHex: string, code: CodecErrorCode, flags = 0): CodecError {
  return refused(decodePayloads(type, hex(withGenericHeader(0, bodyHex, flags))), code);
}

/** Checks a refusal's code and Notify ("none" for errors that are not reported to the peer). */
export function refused(r: Result<unknown, CodecError>, code: CodecErrorCode, notify: number | "none" = NotifyType.INVALID_SYNTAX): CodecError {
  if (r.ok) assert.fail(`expected a ${code} error, got a value`);
  assert.equal(r.error.code, code, r.error.message);
  assert.equal(r.error.notify, notify === "none" ? undefined : notify);
  assert.equal(typeof r.error.message, "string");
  assert.ok(Number.isInteger(r.error.offset) && r.error.offset >= 0);
  return r.error;
}

export function assertHex(actual: Uint8Array, expectedHex: string): void {
  assert.equal(toHex(actual), expectedHex.replace(/\s+/g, ""));
}
