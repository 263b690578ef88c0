import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CookieJar, COOKIE_SECRET_LIFETIME_MS } from "../../../src/ike/cookie.js";
import { natBetween, natDetectionHash } from "../../../src/ike/nat-detection.js";
import { FakeClock } from "../../../src/sim/fake-clock.js";
import { hex, toHex } from "../../../src/wire/hex.js";

const random = (n: number) => new Uint8Array(n).map((_, i) => (i * 7 + n) & 0xff);

test("RFC 7296 §2.23: NAT_DETECTION hash = SHA-1(SPIi | SPIr | IP | port), cross-checked with a hand-built hash", () => {
  const spiI = hex("0102030405060708");
  const spiR = hex("1112131415161718");
  const expected = createHash("sha1").update(Buffer.from("01020304050607081112131415161718" + "c6120001" + "01f4", "hex")).digest("hex");
  assert.equal(toHex(natDetectionHash(spiI, spiR, { address: "198.18.0.1", port: 500 })), expected);
});

test("RFC 7296 §2.23: matching hashes mean no NAT; a wrong source hash (forced encapsulation) means NAT", () => {
  const spiI = hex("0102030405060708");
  const spiR = new Uint8Array(8);
  const local = { address: "198.18.0.1", port: 500 };
  const remote = { address: "198.18.0.2", port: 500 };
  const src = natDetectionHash(spiI, spiR, remote);
  const dst = natDetectionHash(spiI, spiR, local);
  assert.equal(natBetween(spiI, spiR, local, remote, [src], dst), false);
  assert.equal(natBetween(spiI, spiR, local, remote, [new Uint8Array(20)], dst), true);
  assert.equal(natBetween(spiI, spiR, local, remote, [src], undefined), true);
});

test("RFC 7296 §2.6: a cookie verifies for the same Ni, IPi and SPIi only, and survives one secret rotation", () => {
  const clock = new FakeClock();
  const jar = new CookieJar(clock, random);
  const ni = hex("aa".repeat(32));
  const spi = hex("0102030405060708");
  const cookie = jar.make(ni, "198.18.0.2", spi);
  assert.equal(jar.verify(cookie, ni, "198.18.0.2", spi), true);
  assert.equal(jar.verify(cookie, ni, "198.18.0.3", spi), false);
  assert.equal(jar.verify(cookie, hex("bb".repeat(32)), "198.18.0.2", spi), false);
  clock.advance(COOKIE_SECRET_LIFETIME_MS);
  assert.equal(jar.verify(cookie, ni, "198.18.0.2", spi), true, "previous secret still accepted");
  clock.advance(COOKIE_SECRET_LIFETIME_MS);
  assert.equal(jar.verify(cookie, ni, "198.18.0.2", spi), false, "two rotations later it is refused");
});
