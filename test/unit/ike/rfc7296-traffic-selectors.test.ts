import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressPool } from "../../../src/ike/address-pool.js";
import {
  formatSelector, intersectSelectors, narrowSelectors, parseCidr, selectorFromCidr, selectorsWithin,
} from "../../../src/ike/traffic-selector.js";
import type { TrafficSelector } from "../../../src/ike/codec/payloads.js";

function sel(text: string, proto = 0): TrafficSelector {
  const c = parseCidr(text);
  assert.ok(c, text);
  return selectorFromCidr(c, proto);
}

test("RFC 7296 §2.9: the responder narrows 0.0.0.0/0 to the policy's host selector", () => {
  const narrowed = narrowSelectors([sel("0.0.0.0/0")], [sel("198.18.1.1/32")]);
  assert.deepEqual(narrowed.map(formatSelector), ["198.18.1.1/32"]);
});

test("RFC 7296 §2.9: disjoint selectors narrow to nothing (TS_UNACCEPTABLE)", () => {
  assert.deepEqual(narrowSelectors([sel("10.0.0.0/8")], [sel("198.18.1.1/32")]), []);
  assert.equal(intersectSelectors(sel("198.18.0.0/15"), sel("2001:db8::/32")), undefined, "no intersection across families");
});

test("RFC 7296 §3.13.1: protocol and port ranges intersect too", () => {
  const tcp = { ...sel("198.18.0.0/15", 6), startPort: 1000, endPort: 2000 };
  const x = intersectSelectors(tcp, { ...sel("198.18.1.0/24"), startPort: 1500, endPort: 65535 });
  assert.ok(x);
  assert.equal(x.ipProtocol, 6);
  assert.equal(x.startPort, 1500);
  assert.equal(x.endPort, 2000);
  assert.equal(formatSelector(x), "198.18.1.0/24[6/1500-2000]");
  assert.equal(intersectSelectors(sel("198.18.0.0/15", 6), sel("198.18.0.0/15", 17)), undefined);
});

test("RFC 7296 §2.9: an answer may narrow but never widen what was offered", () => {
  assert.equal(selectorsWithin([sel("198.18.64.1/32")], [sel("0.0.0.0/0")]), true);
  assert.equal(selectorsWithin([sel("198.18.0.0/15")], [sel("198.18.64.0/18")]), false);
});

test("selectors print as prefixes when they are one, else as ranges; IPv6 in RFC 5952 form", () => {
  assert.equal(formatSelector(sel("2001:db8::1/128")), "2001:db8::1/128");
  const range = { ...sel("198.18.0.1/32"), endAddress: new Uint8Array([198, 18, 0, 5]) };
  assert.equal(formatSelector(range), "198.18.0.1-198.18.0.5");
});

test("RFC 7296 §3.15: the pool leases distinct addresses, skips network and broadcast, and reuses released ones", () => {
  const c = parseCidr("198.18.64.0/30");
  assert.ok(c);
  const pool = new AddressPool(c);
  assert.deepEqual(pool.acquire("a"), new Uint8Array([198, 18, 64, 1]));
  assert.deepEqual(pool.acquire("b"), new Uint8Array([198, 18, 64, 2]));
  assert.equal(pool.acquire("c"), undefined, "a /30 has two host addresses");
  assert.deepEqual(pool.acquire("a"), new Uint8Array([198, 18, 64, 1]), "an owner keeps its lease");
  pool.release("a");
  assert.deepEqual(pool.acquire("c"), new Uint8Array([198, 18, 64, 1]));
  assert.equal(pool.leased, 2);
});
