// IPv6 fixed header codec (RFC 8200 §3), against a captured ICMPv6 echo packet.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, hex, toHex } from "../../../src/wire/hex.js";
import { formatIpAddress } from "../../../src/inet/address.js";
import { decodeIpv6, encodeIpv6, type Ipv6Fields } from "../../../src/inet/ipv6.js";
import { ICMPV6_ECHO_REQUEST_FRAME } from "./captured-icmpv6.js";

const request = hex(ICMPV6_ECHO_REQUEST_FRAME).subarray(14); // after the Ethernet header

test("captured ICMPv6 echo request: header fields, and re-encode to the same bytes", () => {
  const r = decodeIpv6(request);
  assert.ok(r.ok);
  const p = r.value;
  assert.equal(p.trafficClass, 0);
  assert.equal(p.flowLabel, 0xd2ce3);
  assert.equal(p.nextHeader, 58);
  assert.equal(p.hopLimit, 64);
  assert.equal(p.payload.length, 64);
  assert.equal(formatIpAddress(p.src), "fe80::215:5dff:fea5:c4c5");
  assert.equal(formatIpAddress(p.dst), "fe80::dd05:dae0:74bc:7341");
  assert.equal(toHex(encodeIpv6(p)), toHex(request));
});

test("refusals: short header, wrong version, Payload Length beyond the buffer", () => {
  const code = (b: Uint8Array): string | undefined => {
    const r = decodeIpv6(b);
    return r.ok ? undefined : r.error.code;
  };
  assert.equal(code(request.subarray(0, 39)), "truncated");
  assert.equal(code(request.subarray(0, request.length - 1)), "truncated");
  const v4 = request.slice();
  v4[0] = 0x45;
  assert.equal(code(v4), "unsupported-version");
  const r = decodeIpv6(concatBytes(request, hex("00000000")));
  assert.ok(r.ok && r.value.payload.length === 64, "trailing padding is not payload");
});

const fields = fc.record({
  src: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  dst: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  nextHeader: fc.nat({ max: 255 }),
  hopLimit: fc.nat({ max: 255 }),
  payload: fc.uint8Array({ maxLength: 100 }),
  trafficClass: fc.nat({ max: 255 }),
  flowLabel: fc.nat({ max: 0xfffff }),
});

test("property: encode then decode gives the fields back", () => {
  fc.assert(
    fc.property(fields, (f: Required<Ipv6Fields>) => {
      const bytes = encodeIpv6(f);
      const r = decodeIpv6(bytes);
      assert.ok(r.ok);
      for (const k of ["nextHeader", "hopLimit", "trafficClass", "flowLabel"] as const) assert.equal(r.value[k], f[k]);
      for (const k of ["src", "dst", "payload"] as const) assert.equal(toHex(r.value[k]), toHex(f[k]));
      assert.equal(toHex(encodeIpv6(r.value)), toHex(bytes));
    }),
  );
});

test("property: any bytes decode to a packet or a CodecError, never a throw", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, fixVersion) => {
      if (fixVersion && bytes.length > 0) bytes[0] = 0x60 | ((bytes[0] ?? 0) & 0x0f);
      const r = decodeIpv6(bytes);
      if (r.ok) assert.equal(toHex(encodeIpv6(r.value)), toHex(bytes.subarray(0, 40 + r.value.payload.length)));
      else assert.ok(typeof r.error.code === "string");
    }),
    { numRuns: 3000 },
  );
});
