import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..", "src", "cli", "main.js");
const KENB = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

function lwip(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 10_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("lwip kdf lwip-psk prints the 64-hex-digit LWIP-PSK and nothing else (TS 33.401 A.16)", () => {
  const r = lwip("kdf", "lwip-psk", "--kenb", KENB, "--counter", "291");
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "b870389602b0611f4c63b886f434ef0b4fa53866b894e5fe3d2f1507d31d77bf\n");
  assert.equal(r.stderr, "");
});

for (const [what, args] of [
  ["a short KeNB", ["--kenb", "0011", "--counter", "1"]],
  ["a KeNB that is not hex", ["--kenb", "zz".repeat(32), "--counter", "1"]],
  ["a counter above 65535", ["--kenb", KENB, "--counter", "65536"]],
  ["a negative counter", ["--kenb", KENB, "--counter", "-1"]],
  ["a missing counter", ["--kenb", KENB]],
  ["an unknown option", ["--kenb", KENB, "--counter", "1", "--bogus"]],
] as const) {
  test(`lwip kdf lwip-psk with ${what}: one line on stderr, exit code 2, nothing on stdout`, () => {
    const r = lwip("kdf", "lwip-psk", ...args);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^lwip: /);
  });
}

test("lwip with an unknown command exits 2 with one line on stderr", () => {
  const r = lwip("frobnicate");
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("lwip ike responder refuses a proposal outside the TS 33.210 profile at start-up", () => {
  const r = lwip("ike", "responder", "--listen", "127.0.0.1", "--idi", "01", "--psk", "ab".repeat(32), "--ike-proposal", "3des-sha1-modp1024");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /3DES|DES|SHA|group/i);
});
