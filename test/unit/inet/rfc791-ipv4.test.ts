// IPv4 header codec (RFC 791) and checksum (RFC 1071), against the IPv4 packets printed in
// RFC 3602 §4 (inner ICMP packets and the outer ESP packets; their checksums are valid).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, hex, toHex } from "../../../src/wire/hex.js";
import { internetChecksum } from "../../../src/inet/checksum.js";
import { formatIpAddress } from "../../../src/inet/address.js";
import { decodeIpv4, encodeIpv4, type Ipv4Fields } from "../../../src/inet/ipv4.js";
import { loadVectors } from "../../support/vectors.js";

interface CbcCase {
  case: number;
  source_address?: string;
  destination_address?: string;
  original_ip_header?: string;
  original_data?: string;
  post_encryption_ip_header?: string;
  spi_seq?: string;
  iv?: string;
  encrypted_data?: string;
}

const esp = loadVectors<{ cases: CbcCase[] }>("esp-aes-cbc-rfc3602.json").cases.filter((c) => c.case >= 5);

test("RFC 3602 inner packets: decode, fields, checksum, and re-encode to the same bytes", () => {
  assert.equal(esp.length, 4);
  for (const c of esp) {
    const bytes = hex((c.original_ip_header ?? "") + (c.original_data ?? ""));
    const r = decodeIpv4(bytes);
    assert.ok(r.ok, `case ${c.case}: ${JSON.stringify(!r.ok && r.error)}`);
    const p = r.value;
    assert.equal(p.protocol, 1);
    assert.equal(p.ttl, 64);
    assert.equal(p.totalLength, bytes.length);
    assert.equal(formatIpAddress(p.src), c.source_address);
    assert.equal(formatIpAddress(p.dst), c.destination_address);
    assert.equal(toHex(p.payload), c.original_data);
    assert.equal(internetChecksum(bytes, 0, 20), 0);
    assert.equal(toHex(encodeIpv4(p)), toHex(bytes));
  }
});

test("RFC 3602 outer packets: protocol 50 (ESP), total length, checksum", () => {
  for (const c of esp) {
    const bytes = hex((c.post_encryption_ip_header ?? "") + (c.spi_seq ?? "") + (c.iv ?? "") + (c.encrypted_data ?? ""));
    const r = decodeIpv4(bytes);
    assert.ok(r.ok, `case ${c.case}`);
    assert.equal(r.value.protocol, 50);
    assert.equal(toHex(encodeIpv4(r.value)), toHex(bytes));
  }
});

test("the header checksum is computed, not copied", () => {
  const c = esp[0];
  assert.ok(c);
  const bytes = hex((c.original_ip_header ?? "") + (c.original_data ?? ""));
  const r = decodeIpv4(bytes);
  assert.ok(r.ok);
  const rebuilt = encodeIpv4({ ...r.value, ttl: 63 });
  assert.equal(internetChecksum(rebuilt, 0, 20), 0);
  // Decrementing TTL by one adds 0x0100 to the checksum (RFC 1624 incremental update).
  const before = ((bytes[10] ?? 0) << 8) | (bytes[11] ?? 0);
  assert.equal(((rebuilt[10] ?? 0) << 8) | (rebuilt[11] ?? 0), before + 0x100);
});

test("refusals carry a code: truncated, version, IHL, total length, checksum", () => {
  const c = esp[2];
  assert.ok(c);
  const good = hex((c.original_ip_header ?? "") + (c.original_data ?? ""));
  const mutate = (at: number, v: number): Uint8Array => {
    const b = good.slice();
    b[at] = v;
    return b;
  };
  const code = (b: Uint8Array): string | undefined => {
    const r = decodeIpv4(b);
    return r.ok ? undefined : r.error.code;
  };
  assert.equal(code(good.subarray(0, 19)), "truncated");
  assert.equal(code(good.subarray(0, good.length - 1)), "truncated");
  assert.equal(code(mutate(0, 0x65)), "unsupported-version");
  assert.equal(code(mutate(0, 0x44)), "bad-value");
  assert.equal(code(mutate(3, 16)), "length-mismatch");
  assert.equal(code(mutate(8, 63)), "bad-value");
});

test("bytes after Total Length (e.g. ESP TFC padding) are not payload", () => {
  const c = esp[0];
  assert.ok(c);
  const packet = hex((c.original_ip_header ?? "") + (c.original_data ?? ""));
  const r = decodeIpv4(concatBytes(packet, new Uint8Array(13)));
  assert.ok(r.ok);
  assert.equal(toHex(r.value.payload), c.original_data);
});

const fields = fc.record({
  src: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  dst: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  protocol: fc.nat({ max: 255 }),
  ttl: fc.nat({ max: 255 }),
  id: fc.nat({ max: 0xffff }),
  payload: fc.uint8Array({ maxLength: 100 }),
  tos: fc.nat({ max: 255 }),
  flags: fc.nat({ max: 7 }),
  fragmentOffset: fc.nat({ max: 0x1fff }),
  options: fc.nat({ max: 10 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n })),
});

test("property: encode then decode gives the fields back, and re-encodes to the same bytes", () => {
  fc.assert(
    fc.property(fields, (f: Ipv4Fields) => {
      const bytes = encodeIpv4(f);
      const r = decodeIpv4(bytes);
      assert.ok(r.ok);
      const { totalLength, ...decoded } = r.value;
      assert.equal(totalLength, bytes.length);
      assert.deepEqual({ ...decoded, src: [...decoded.src], dst: [...decoded.dst], payload: [...decoded.payload], options: [...decoded.options] }, {
        ...f,
        src: [...f.src],
        dst: [...f.dst],
        payload: [...f.payload],
        options: [...(f.options ?? [])],
      });
      assert.equal(toHex(encodeIpv4(r.value)), toHex(bytes));
    }),
  );
});

test("property: any bytes decode to a packet or a CodecError, never a throw", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, fixVersion) => {
      if (fixVersion && bytes.length > 0) bytes[0] = 0x40 | ((bytes[0] ?? 0) & 0x0f);
      const r = decodeIpv4(bytes);
      if (r.ok) assert.equal(toHex(encodeIpv4(r.value)), toHex(bytes.subarray(0, r.value.totalLength)));
      else assert.ok(typeof r.error.code === "string");
    }),
    { numRuns: 3000 },
  );
});
