// Address text forms (RFC 4291 §2.2 input, RFC 5952 canonical output) and CIDR (RFC 4632 §3.1).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { hex, toHex } from "../../../src/wire/hex.js";
import { cidrContains, cidrRange, formatIpAddress, parseCidr, parseIpAddress } from "../../../src/inet/address.js";

function bytesOf(text: string): string {
  const r = parseIpAddress(text);
  assert.ok(r.ok, text);
  return toHex(r.value.bytes);
}

test("IPv4 dotted quads", () => {
  assert.equal(bytesOf("198.18.64.1"), "c6124001");
  assert.equal(bytesOf("0.0.0.0"), "00000000");
  assert.equal(bytesOf("255.255.255.255"), "ffffffff");
  for (const bad of ["1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.-4", "1.2.3.4 ", "", "a.b.c.d"]) {
    assert.equal(parseIpAddress(bad).ok, false, bad);
  }
});

test("IPv6 text forms of RFC 4291 §2.2 parse to the same bytes", () => {
  assert.equal(bytesOf("2001:DB8:0:0:8:800:200C:417A"), "20010db80000000000080800200c417a");
  assert.equal(bytesOf("2001:DB8::8:800:200C:417A"), "20010db80000000000080800200c417a");
  assert.equal(bytesOf("FF01::101"), "ff010000000000000000000000000101");
  assert.equal(bytesOf("::1"), "00000000000000000000000000000001");
  assert.equal(bytesOf("::"), "00000000000000000000000000000000");
  assert.equal(bytesOf("::13.1.68.3"), "0000000000000000000000000d014403");
  assert.equal(bytesOf("::FFFF:129.144.52.38"), "00000000000000000000ffff81903426");
  for (const bad of ["1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "::g", "1:2:3:4:5:6:7:8::", ":1:2:3:4:5:6:7", "::1.2.3"]) {
    assert.equal(parseIpAddress(bad).ok, false, bad);
  }
});

test("RFC 5952 canonical output: lowercase, no leading zeros, longest zero run, first on a tie", () => {
  const canon = (text: string): string => {
    const r = parseIpAddress(text);
    assert.ok(r.ok);
    return formatIpAddress(r.value.bytes);
  };
  assert.equal(canon("2001:0db8:0000:0000:0000:0000:0002:0001"), "2001:db8::2:1"); // §4.1, §4.2.1
  assert.equal(canon("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1"); // §4.2.2: one zero word stays
  assert.equal(canon("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1"); // §4.2.3: the longest run
  assert.equal(canon("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1"); // §4.2.3: the first of equals
  assert.equal(canon("2001:DB8::ABCD"), "2001:db8::abcd"); // §4.3
  assert.equal(canon("::ffff:192.0.2.1"), "::ffff:192.0.2.1"); // §5
  assert.equal(canon("::"), "::");
  assert.equal(canon("1::"), "1::");
  assert.throws(() => formatIpAddress(new Uint8Array(5)), RangeError);
});

test("CIDR: 198.18.64.0/18 spans 198.18.64.0 to 198.18.127.255", () => {
  const r = parseCidr("198.18.64.0/18");
  assert.ok(r.ok);
  assert.equal(r.value.family, 4);
  assert.equal(r.value.prefixLength, 18);
  const { start, end } = cidrRange(r.value);
  assert.equal(formatIpAddress(start), "198.18.64.0");
  assert.equal(formatIpAddress(end), "198.18.127.255");
  assert.ok(cidrContains(r.value, hex("c6124000")));
  assert.ok(cidrContains(r.value, hex("c6127fff")));
  assert.ok(!cidrContains(r.value, hex("c6128000")));
  assert.ok(!cidrContains(r.value, hex("c6123fff")));
  assert.ok(!cidrContains(r.value, new Uint8Array(16)), "other family");
});

test("CIDR: IPv6, /0, /32 and /128, host bits cleared, bad prefixes refused", () => {
  const v6 = parseCidr("2001:db8:abcd:12::1/64");
  assert.ok(v6.ok);
  assert.equal(formatIpAddress(v6.value.address), "2001:db8:abcd:12::");
  assert.equal(formatIpAddress(cidrRange(v6.value).end), "2001:db8:abcd:12:ffff:ffff:ffff:ffff");
  const all = parseCidr("0.0.0.0/0");
  assert.ok(all.ok && cidrContains(all.value, hex("ffffffff")));
  const host = parseCidr("10.1.2.3/32");
  assert.ok(host.ok && cidrContains(host.value, hex("0a010203")) && !cidrContains(host.value, hex("0a010204")));
  const one = parseCidr("::1/128");
  assert.ok(one.ok && formatIpAddress(cidrRange(one.value).end) === "::1");
  for (const bad of ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "::/129", "x/8", "10.0.0.0/-1"]) {
    assert.equal(parseCidr(bad).ok, false, bad);
  }
});

test("property: format then parse gives the same bytes, for both families", () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })), (bytes) => {
      const r = parseIpAddress(formatIpAddress(bytes));
      assert.ok(r.ok);
      assert.equal(toHex(r.value.bytes), toHex(bytes));
    }),
    { numRuns: 2000 },
  );
});

test("property: any string parses or is refused, never throws", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 50, unit: fc.constantFrom(..."0123456789abcdefABCDEF:./x ") }), (s) => {
      parseIpAddress(s);
      parseCidr(s);
    }),
    { numRuns: 3000 },
  );
});
