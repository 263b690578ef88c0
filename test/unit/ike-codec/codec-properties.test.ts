/**
 * Property tests (fast-check) for the IKEv2 codec: no input makes a decoder throw; valid typed
 * payloads survive encode -> decode -> encode; mutated captured messages decode without throwing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { loadVectors } from "../../support/vectors.js";
import { hex, toHex } from "../../../src/wire/hex.js";
import { PayloadType } from "../../../src/ike/registry.js";
import { decodeMessage, decodePayloads, encodeGenericHeader, encodeMessage, encodePayloads } from "../../../src/ike/codec/message.js";
import type { CodecError } from "../../../src/wire/codec-error.js";
import type { Result } from "../../../src/wire/result.js";
import { payloadChain } from "./arbitraries.js";

const CODES = new Set(["truncated", "length-mismatch", "bad-value", "reserved-not-zero", "unsupported-version", "unsupported-critical-payload", "invalid-syntax"]);
const MODELLED_TYPES = Object.values(PayloadType).filter((t) => t !== PayloadType.NONE);

/** A decode result is a value or a well-formed CodecError; payload-chain errors always name a Notify. */
function wellFormed(r: Result<unknown, CodecError>, needsNotify: boolean): void {
  if (r.ok) return;
  assert.ok(CODES.has(r.error.code), r.error.code);
  assert.equal(typeof r.error.message, "string");
  assert.ok(Number.isInteger(r.error.offset) && r.error.offset >= 0);
  if (needsNotify) assert.ok(r.error.notify !== undefined, r.error.message);
}

test("any bytes: decodeMessage and decodePayloads(any type) give a value or a CodecError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0xff }), (bytes, type) => {
      wellFormed(decodeMessage(bytes), false);
      wellFormed(decodePayloads(type, bytes), true);
    }),
    { numRuns: 2000 },
  );
});

test("any body behind a well-formed generic header reaches every payload decoder without a throw", () => {
  fc.assert(
    fc.property(fc.constantFrom(...MODELLED_TYPES), fc.uint8Array({ maxLength: 120 }), fc.boolean(), (type, body, critical) => {
      const bytes = new Uint8Array(4 + body.length);
      bytes.set(encodeGenericHeader(0, critical, bytes.length));
      bytes.set(body, 4);
      const r = decodePayloads(type, bytes);
      wellFormed(r, true);
      // Whatever decodes must encode back to the same octets (RESERVED octets aside).
      if (r.ok && body.every((b) => b === 0)) assert.equal(toHex(encodePayloads(r.value)), toHex(bytes));
    }),
    { numRuns: 3000 },
  );
});

test("valid typed payload chains: encode -> decode is deep-equal and re-encodes to identical bytes", () => {
  fc.assert(
    fc.property(payloadChain, (payloads) => {
      const bytes = encodePayloads(payloads);
      const r = decodePayloads(payloads[0]?.type ?? PayloadType.NONE, bytes);
      if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
      assert.deepStrictEqual(r.value, payloads);
      assert.equal(toHex(encodePayloads(r.value)), toHex(bytes));
    }),
    { numRuns: 1000 },
  );
});

test("valid whole messages: encodeMessage -> decodeMessage gives back header and payloads", () => {
  const header = fc.record(
    {
      spiI: fc.uint8Array({ minLength: 8, maxLength: 8 }),
      spiR: fc.uint8Array({ minLength: 8, maxLength: 8 }),
      version: fc.integer({ min: 0x20, max: 0x2f }),
      exchangeType: fc.integer({ min: 35, max: 0xff }), // not IKE_SA_INIT: the arbitraries include IKE rekey SPIs
      flags: fc.integer({ min: 0, max: 0xff }),
      messageId: fc.integer({ min: 0, max: 0xffffffff }),
    },
    { noNullPrototype: true },
  );
  fc.assert(
    fc.property(header, payloadChain, (h, payloads) => {
      const bytes = encodeMessage(h, payloads);
      const m = decodeMessage(bytes);
      if (!m.ok) assert.fail(`${m.error.code}: ${m.error.message}`);
      assert.deepStrictEqual(m.value.header, { ...h, nextPayload: payloads[0]?.type ?? 0, length: bytes.length });
      assert.deepStrictEqual(m.value.payloads, payloads);
    }),
    { numRuns: 300 },
  );
});

const captured = loadVectors<{ cases: { ike_message: string }[] }>("ikev2-messages-captured-node-ikev2.json").cases.map((c) => hex(c.ike_message));

type Mutation = { kind: "flip"; at: number; mask: number } | { kind: "truncate"; at: number } | { kind: "extend"; extra: Uint8Array } | { kind: "set"; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 0xff }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("extend" as const), extra: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 0xff }) }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = bytes.slice();
  const i = out.length === 0 ? 0 : m.kind === "extend" ? 0 : m.at % out.length;
  switch (m.kind) {
    case "flip":
      out[i] = (out[i] ?? 0) ^ m.mask;
      return out;
    case "set":
      out[i] = m.value;
      return out;
    case "truncate":
      return out.subarray(0, i);
    case "extend": {
      const longer = new Uint8Array(out.length + m.extra.length);
      longer.set(out);
      longer.set(m.extra, out.length);
      return longer;
    }
  }
}

test("mutated captured messages (flip, set, truncate, extend) decode without throwing", () => {
  fc.assert(
    fc.property(fc.constantFrom(...captured), fc.array(mutation, { minLength: 1, maxLength: 4 }), (original, mutations) => {
      const bytes = mutations.reduce(mutate, original);
      const m = decodeMessage(bytes);
      wellFormed(m, false);
      if (m.ok) {
        const { length: _l, nextPayload: _n, ...rest } = m.value.header;
        assert.equal(m.value.header.length <= bytes.length, true);
        assert.doesNotThrow(() => encodeMessage(rest, m.value.payloads));
      }
    }),
    { numRuns: 3000 },
  );
});
