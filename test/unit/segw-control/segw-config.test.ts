// `lwip segw --config`: the commented example parses, defaults apply, and every error names its key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSegwConfig, parseSegwConfig } from "../../../src/segw/config.js";
import { repoRoot } from "../../support/vectors.js";
import { EncrId, DhGroup } from "../../../src/ike/registry.js";

const EXAMPLE = readFileSync(join(repoRoot(), "examples", "segw.yaml"), "utf8");

const MINIMAL = `
ike: { listen: 198.18.0.1 }
pools: [198.18.64.0/18]
controlApi: { listen: 127.0.0.1, tls: { cert: pki/segw.pem, key: pki/segw-key.pem, ca: /etc/lwip/ca.pem } }
enbs:
  - { name: alpha, certificateIdentity: alpha, lwipEndpoints: [198.18.1.1], gtpAddress: 198.18.1.2 }
gtpu: { listen: 198.18.0.1 }
`;

function errorsOf(yaml: string): string[] {
  const r = parseSegwConfig(yaml, "/cfg");
  assert.ok(!r.ok, "expected the configuration to be refused");
  return r.error.message.split("\n");
}

test("examples/segw.yaml parses, with proposals and pools resolved and paths relative to the file", () => {
  const r = parseSegwConfig(EXAMPLE, "/etc/lwip");
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  const c = r.value;
  assert.equal(c.ike.listen, "198.18.0.1");
  assert.equal(c.ike.ikeProposals[0]?.encr[0]?.id, EncrId.ENCR_AES_GCM_16);
  assert.equal(c.ike.ikeProposals[0]?.dh[0], DhGroup.ECP_256);
  assert.equal(c.pools.length, 2);
  assert.equal(c.pools[1]?.address.length, 16);
  assert.equal(c.controlApi.tls.cert, "/etc/lwip/pki/segw.pem");
  assert.deepEqual(c.enbs.map((e) => [e.name, e.maxUes]), [["alpha", 1000], ["bravo", undefined]]);
  assert.equal(c.gtpu.advertiseAddress, "198.18.0.1");
  assert.deepEqual(c.metrics, { listen: "127.0.0.1", port: 9464 });
});

test("defaults fill every optional key", () => {
  const r = parseSegwConfig(MINIMAL, "/cfg");
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  const c = r.value;
  assert.deepEqual([c.ike.ikePort, c.ike.nattPort, c.gtpu.port, c.controlApi.port], [500, 4500, 2152, 8443]);
  assert.equal(c.provisioning.windowSeconds, 30);
  assert.equal(c.rateLimits.halfOpenCookieThreshold, 100);
  assert.equal(c.log.level, "info");
  assert.equal(c.metrics, undefined);
  assert.equal(c.controlApi.tls.ca, "/etc/lwip/ca.pem");
  assert.equal(c.controlApi.tls.key, "/cfg/pki/segw-key.pem");
});

test("errors name the bad key path", () => {
  assert.deepEqual(errorsOf(EXAMPLE.replace("gtpAddress: 198.18.1.2", "gtpAddress: 198.18.1")), ["enbs[0].gtpAddress: expected an IPv4 or IPv6 address"]);
  assert.deepEqual(errorsOf(EXAMPLE.replace("  nattPort: 4500", "  nattPort: 4500\n  natPort: 4501")), ["ike.natPort: unknown key"]);
  assert.deepEqual(errorsOf(EXAMPLE.replace("  port: 2152", '  port: "2152"')), ["gtpu.port: expected number, received string"]);
  assert.deepEqual(errorsOf(EXAMPLE.replace("  - 198.18.64.0/18", "  - 198.18.64.0/33")), [
    "pools[0]: expected an address prefix such as 198.18.64.0/18 or 2001:db8:1::/64",
  ]);
  assert.match(errorsOf(EXAMPLE.replace("espProposals: aes128gcm16,", "espProposals: aes128gcm17,"))[0] ?? "", /^ike\.espProposals: unknown algorithm "aes128gcm17"/);
  assert.deepEqual(errorsOf(MINIMAL.replace("ike: { listen: 198.18.0.1 }", "ike: { listen: 0.0.0.0 }")), ["ike.listen: must be a specific address, not 0.0.0.0 or ::"]);
  assert.deepEqual(errorsOf(MINIMAL.replace("gtpu: { listen: 198.18.0.1 }", "")), ["gtpu: required"]);
  assert.deepEqual(errorsOf(MINIMAL + "log: { level: chatty }\n"), ['log.level: Invalid option: expected one of "debug"|"info"|"warn"|"error"']);
});

test("ike.fragmentSize (RFC 7383): 1280 by default, 0 for none, 200..65535 when set", () => {
  const size = (v: string | undefined) => {
    const r = parseSegwConfig(v === undefined ? MINIMAL : MINIMAL.replace("ike: { listen: 198.18.0.1 }", `ike: { listen: 198.18.0.1, fragmentSize: ${v} }`), "/cfg");
    return r.ok ? r.value.ike.fragmentSize : r.error.message;
  };
  assert.deepEqual([size(undefined), size("0"), size("200"), size("1500")], [1280, 0, 200, 1500]);
  assert.match(String(size("199")), /^ike\.fragmentSize: /);
  assert.match(String(size("70000")), /^ike\.fragmentSize: /);
});

test("controlApi.tls.crl: optional, resolved from the file's folder like the other TLS files", () => {
  const withCrl = parseSegwConfig(MINIMAL.replace("ca: /etc/lwip/ca.pem }", "ca: /etc/lwip/ca.pem, crl: pki/crl.pem }"), "/cfg");
  assert.ok(withCrl.ok, withCrl.ok ? "" : withCrl.error.message);
  assert.equal(withCrl.value.controlApi.tls.crl, "/cfg/pki/crl.pem");
  const without = parseSegwConfig(MINIMAL, "/cfg");
  assert.ok(without.ok);
  assert.equal(without.value.controlApi.tls.crl, undefined);
});

test("checks across keys name the later key", () => {
  assert.deepEqual(errorsOf(EXAMPLE.replace("certificateIdentity: bravo", "certificateIdentity: ALPHA")), ["enbs[1].certificateIdentity: duplicates enbs[0].certificateIdentity"]);
  assert.deepEqual(errorsOf(EXAMPLE.replace("  - 2001:db8:64::/64", "  - 198.18.100.0/24")), ["pools[1]: overlaps pools[0]"]);
  assert.deepEqual(errorsOf(EXAMPLE.replace("windowSeconds: 30 ", "windowSeconds: 301 ")), ["provisioning.windowSeconds: must not exceed maxWindowSeconds"]);
  assert.deepEqual(errorsOf(MINIMAL.replace("gtpu: { listen: 198.18.0.1 }", "gtpu: { listen: '::' }")), ["gtpu.advertiseAddress: required when gtpu.listen is 0.0.0.0 or ::"]);
});

test("YAML syntax errors and duplicate keys are reported with their line", () => {
  assert.match(errorsOf("ike: [\n")[0] ?? "", /^invalid YAML: Flow sequence .* at line 2, column 1$/);
  assert.match(errorsOf(MINIMAL + "pools: [198.18.0.0/24]\n")[0] ?? "", /^invalid YAML: Map keys must be unique at line 8, column 1$/);
});

test("loadSegwConfig resolves paths from the file's folder and checks the TLS files are readable", () => {
  const dir = mkdtempSync(join(tmpdir(), "lwip-cfg-"));
  try {
    const path = join(dir, "segw.yaml");
    writeFileSync(path, MINIMAL.replace("/etc/lwip/ca.pem", "ca.pem"));
    const missing = loadSegwConfig(path);
    assert.ok(!missing.ok);
    assert.deepEqual(missing.error.issues.map((i) => i.path), ["controlApi.tls.cert", "controlApi.tls.key", "controlApi.tls.ca"]);
    assert.match(missing.error.issues[0]?.message ?? "", /ENOENT/);
    for (const f of ["segw.pem", "segw-key.pem", "ca.pem"]) writeFileSync(join(dir, f), "x");
    writeFileSync(path, MINIMAL.replace(/pki\//g, "").replace("/etc/lwip/ca.pem", "ca.pem"));
    const loaded = loadSegwConfig(path);
    assert.ok(loaded.ok, loaded.ok ? "" : loaded.error.message);
    assert.equal(loaded.value.controlApi.tls.ca, join(dir, "ca.pem"));
    assert.ok(!loadSegwConfig(join(dir, "absent.yaml")).ok);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
