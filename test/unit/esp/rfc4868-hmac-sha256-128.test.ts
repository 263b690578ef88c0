// AUTH_HMAC_SHA2_256_128 (RFC 4868 §2.7.2 vectors) through the ICV function the CBC SA uses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hex, toHex } from "../../../src/wire/hex.js";
import { icvHmacSha256128 } from "../../../src/esp/cbc-hmac.js";
import { loadVectors } from "../../support/vectors.js";

interface HmacCase {
  strongswan_vector: string;
  algorithm: string;
  key: string;
  data: string;
  output: string;
}

const { cases } = loadVectors<{ cases: HmacCase[] }>("hmac-sha2-rfc4868-ipsec.json");
const icvCases = cases.filter((c) => c.algorithm === "AUTH_HMAC_SHA2_256_128");

test("RFC 4868 has AUTH_HMAC_SHA2_256_128 cases, all with 32-octet keys", () => {
  assert.ok(icvCases.length >= 3);
  for (const c of icvCases) assert.equal(c.key.length, 64);
});

for (const c of icvCases) {
  test(`RFC 4868 ${c.strongswan_vector}: 16-octet ICV`, () => {
    assert.equal(toHex(icvHmacSha256128(hex(c.key), hex(c.data))), c.output);
  });

  test(`RFC 4868 ${c.strongswan_vector}: the ESN high half is MACed as if appended to the data`, () => {
    const data = hex(c.data);
    const split = Math.max(0, data.length - 4);
    // Appending the last 4 octets as the "Seq High" part must give the same ICV (RFC 4303 §2.2.1).
    assert.equal(toHex(icvHmacSha256128(hex(c.key), data.subarray(0, split), data.subarray(split))), c.output);
  });
}
