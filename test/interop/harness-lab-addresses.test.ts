// The harness's network rule (no root needed): only 198.18.0.0/15 (RFC 2544 benchmarking,
// RFC 6890) and 2001:db8::/32 (RFC 3849 documentation) may be configured or contacted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { swanctlConf } from "./harness/charon-config.js";
import { UE_IDI } from "./harness/fixture.js";
import { assertLabAddress, assertLabSelector, inIpv4Prefix, isLabAddress } from "./harness/lab-addr.js";

test("addresses inside 198.18.0.0/15 and 2001:db8::/32 are accepted", () => {
  for (const a of ["198.18.0.1", "198.19.255.255", "198.18.64.0/18", "198.18.0.0/15", "2001:db8::1", "2001:db8::/32", "2001:DB8:ffff::2/64"]) {
    assert.equal(isLabAddress(a), true, a);
  }
});

test("addresses outside the lab ranges, and prefixes wider than them, are refused", () => {
  for (const a of ["198.17.255.255", "198.20.0.0", "10.0.0.1", "127.0.0.1", "0.0.0.0/0", "198.18.0.0/14", "2001:db9::1", "2001:db8::/31", "::1", "fe80::1", "example.org", "198.18.0.1/33"]) {
    assert.equal(isLabAddress(a), false, a);
    assert.throws(() => assertLabAddress(a, "test"), /refused/, a);
  }
});

test("traffic selectors may be the any-selector or dynamic, nothing else outside the lab", () => {
  assert.doesNotThrow(() => assertLabSelector("0.0.0.0/0", "ts"));
  assert.doesNotThrow(() => assertLabSelector("dynamic", "ts"));
  assert.throws(() => assertLabSelector("10.0.0.0/8", "ts"), /refused/);
});

test("inIpv4Prefix decides membership of the virtual IP pool", () => {
  assert.equal(inIpv4Prefix("198.18.64.1", "198.18.64.0/18"), true);
  assert.equal(inIpv4Prefix("198.18.127.255", "198.18.64.0/18"), true);
  assert.equal(inIpv4Prefix("198.18.128.0", "198.18.64.0/18"), false);
  assert.equal(inIpv4Prefix("", "198.18.64.0/18"), false);
});

test("swanctl.conf quotes the ID_KEY_ID (an unquoted # starts a comment) and refuses foreign addresses", () => {
  const conf = { role: "initiator", idi: UE_IDI, psk: "00ff", ikeProposals: ["aes128-sha256-modp2048"], espProposals: ["aes128gcm16"], localTs: ["dynamic"], remoteTs: ["0.0.0.0/0"] } as const;
  const text = swanctlConf({ ...conf, localAddr: "198.18.0.2", remoteAddr: "198.18.0.1" });
  assert.match(text, new RegExp(`id = "@#${UE_IDI}"`));
  assert.doesNotMatch(text, /id = @#/);
  assert.throws(() => swanctlConf({ ...conf, remoteAddr: "192.0.2.1" }), /refused/);
  assert.throws(() => swanctlConf({ ...conf, idi: "xyz" }), /hex/);
});
