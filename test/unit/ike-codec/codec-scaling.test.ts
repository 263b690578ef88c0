/**
 * Length scaling of the payload chain decoder: decoding time must grow linearly with the number
 * of payloads (a 4x larger input may take well under 10x the time), so a crafted message cannot
 * make the decoder quadratic.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { PayloadType } from "../../../src/ike/registry.js";
import { decodeMessage, encodeMessage } from "../../../src/ike/codec/message.js";
import type { Payload } from "../../../src/ike/codec/payloads.js";

function messageWithVendors(n: number): Uint8Array {
  const payloads: Payload[] = Array.from({ length: n }, (_, i) => ({
    type: PayloadType.VENDOR,
    critical: false,
    vendorId: new Uint8Array([i & 0xff, i >> 8, 0, 1]),
  }));
  return encodeMessage({ spiI: new Uint8Array(8), spiR: new Uint8Array(8), version: 0x20, exchangeType: 37, flags: 0x08, messageId: 1 }, payloads);
}

/** Best of several runs, which filters out GC pauses and JIT warm-up. */
function bestTimeMs(bytes: Uint8Array, expected: number): number {
  let best = Infinity;
  for (let run = 0; run < 7; run++) {
    const t0 = performance.now();
    const m = decodeMessage(bytes);
    const t = performance.now() - t0;
    assert.ok(m.ok);
    assert.equal(m.value.payloads.length, expected);
    best = Math.min(best, t);
  }
  return best;
}

test("decoding 2000 vs 8000 Vendor ID payloads scales linearly", () => {
  const small = messageWithVendors(2000);
  const large = messageWithVendors(8000);
  bestTimeMs(small, 2000); // warm-up
  const tSmall = bestTimeMs(small, 2000);
  const tLarge = bestTimeMs(large, 8000);
  assert.ok(tLarge < 10 * Math.max(tSmall, 0.05), `2000 payloads: ${tSmall.toFixed(3)} ms, 8000: ${tLarge.toFixed(3)} ms`);
});
