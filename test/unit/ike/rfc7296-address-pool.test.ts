// Inner addresses handed out with CP(CFG_REPLY) (RFC 7296 §3.15): unique per owner, never the
// network or broadcast address of an IPv4 pool, the same again for the same owner, reusable once
// released, and none when the pool is exhausted. Thousands of leases cross many words of the
// pool's in-use bitmap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressPool } from "../../../src/ike/address-pool.js";
import { formatIp, parseCidr } from "../../../src/ike/traffic-selector.js";

function pool(text: string): AddressPool {
  const c = parseCidr(text);
  assert.ok(c);
  return new AddressPool(c);
}

test("§3.15: a /24 leases its 254 host addresses once each, then none", () => {
  const p = pool("198.18.7.0/24");
  const seen = new Set<string>();
  for (let i = 0; i < 254; i++) {
    const a = p.acquire(`ue${i}`);
    assert.ok(a);
    seen.add(formatIp(a));
  }
  assert.equal(seen.size, 254);
  assert.ok(!seen.has("198.18.7.0") && !seen.has("198.18.7.255"));
  assert.equal(p.leased, 254);
  assert.equal(p.acquire("one-more"), undefined);
  assert.equal(formatIp(p.acquire("ue17") ?? new Uint8Array(4)), formatIp(p.acquire("ue17") ?? new Uint8Array(0)), "an owner keeps its address");
});

test("§3.15: released addresses are leased again, and only those", () => {
  const p = pool("10.0.0.0/20");
  const held = new Map<string, string>();
  for (let i = 0; i < 4000; i++) held.set(`o${i}`, formatIp(p.acquire(`o${i}`) ?? new Uint8Array(4)));
  const freed = ["o3", "o31", "o32", "o1000", "o3999"].map((o) => {
    const address = held.get(o) ?? "";
    p.release(o);
    held.delete(o);
    return address;
  });
  assert.equal(p.leased, 3995);
  p.release("never-leased");
  assert.equal(p.leased, 3995);
  const inUse = new Set(held.values());
  const again = new Set<string>();
  // The 94 never leased, then (the hint having wrapped) the 5 released.
  for (let i = 0; i < 94 + 5; i++) again.add(formatIp(p.acquire(`n${i}`) ?? new Uint8Array(4)));
  assert.ok([...again].every((a) => !inUse.has(a)), "no address is leased twice");
  assert.ok(freed.every((a) => again.has(a)), "the freed ones came back into use");
  assert.equal(p.leased, 4094);
  assert.equal(again.size, 99);
  assert.equal(p.acquire("full"), undefined);
});
