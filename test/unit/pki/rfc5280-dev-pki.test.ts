// The development PKI (lwip pki init): certificates checked with node's own X.509 parser against
// the RFC 5280 / TS 33.310 profile the module documents, and the files' modes and overwrite rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDevPki } from "../../../src/pki/dev-pki.js";
import { runPki } from "../../../src/cli/pki-command.js";
import { UsageError } from "../../../src/cli/usage-error.js";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

test("CA, SeGW server and eNB client certificates follow the profile", async () => {
  const files = await createDevPki({ enbs: ["alpha"], segwName: "segw.lab", segwAddresses: ["127.0.0.1", "198.18.0.1"], days: 10 });
  assert.deepEqual(files.map((f) => [f.name, f.secret]), [
    ["ca.pem", false],
    ["ca-key.pem", true],
    ["segw.pem", false],
    ["segw-key.pem", true],
    ["enb-alpha.pem", false],
    ["enb-alpha-key.pem", true],
  ]);
  const pem = (name: string) => files.find((f) => f.name === name)?.pem ?? "";
  const ca = new X509Certificate(pem("ca.pem"));
  const segw = new X509Certificate(pem("segw.pem"));
  const enb = new X509Certificate(pem("enb-alpha.pem"));

  assert.equal(ca.ca, true);
  assert.ok(ca.verify(ca.publicKey), "CA is self-signed");
  for (const leaf of [segw, enb]) {
    assert.equal(leaf.ca, false);
    assert.ok(leaf.checkIssued(ca));
    assert.ok(leaf.verify(ca.publicKey));
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    const serial = BigInt(`0x${leaf.serialNumber}`);
    assert.ok(serial > 0n && leaf.serialNumber.length <= 40, "positive serial of at most 20 octets");
    const days = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 86_400_000;
    assert.ok(days > 10 && days < 10.01, `validity ${days} days`);
  }
  assert.notEqual(segw.serialNumber, enb.serialNumber);
  assert.equal(segw.subjectAltName, "DNS:segw.lab, IP Address:127.0.0.1, IP Address:198.18.0.1");
  assert.deepEqual(segw.keyUsage, [SERVER_AUTH]);
  assert.match(segw.subject, /CN=segw\.lab/);
  assert.equal(enb.subjectAltName, "DNS:alpha");
  assert.deepEqual(enb.keyUsage, [CLIENT_AUTH]);
  assert.match(enb.subject, /CN=alpha/);
  assert.equal(enb.issuer, ca.subject);

  // Each key file holds the private key of its certificate.
  for (const [cert, key] of [[segw, "segw-key.pem"], [enb, "enb-alpha-key.pem"], [ca, "ca-key.pem"]] as const) {
    const pub = createPublicKey(createPrivateKey(pem(key))).export({ type: "spki", format: "der" });
    assert.deepEqual(pub, cert.publicKey.export({ type: "spki", format: "der" }));
  }
});

test("lwip pki init writes keys 0600, refuses to overwrite, and --force replaces", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lwip-pki-cli-"));
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) };
  try {
    assert.equal(await runPki(["init", dir, "--enb", "alpha", "--enb", "bravo", "--days", "2"], io), 0);
    const names = ["ca.pem", "ca-key.pem", "segw.pem", "segw-key.pem", "enb-alpha.pem", "enb-alpha-key.pem", "enb-bravo.pem", "enb-bravo-key.pem"];
    assert.deepEqual(out, names.map((n) => join(dir, n)));
    for (const n of names) assert.equal(statSync(join(dir, n)).mode & 0o777, n.endsWith("-key.pem") ? 0o600 : 0o644, n);

    const before = readFileSync(join(dir, "ca.pem"), "utf8");
    writeFileSync(join(dir, "enb-bravo-key.pem"), "marker");
    assert.equal(await runPki(["init", dir, "--enb", "alpha", "--enb", "bravo"], io), 1);
    assert.equal(err.length, 1);
    assert.match(err[0] ?? "", /refusing to overwrite .*ca\.pem/);
    assert.equal(readFileSync(join(dir, "ca.pem"), "utf8"), before);
    assert.equal(readFileSync(join(dir, "enb-bravo-key.pem"), "utf8"), "marker");

    assert.equal(await runPki(["init", dir, "--enb", "alpha", "--enb", "bravo", "--force"], io), 0);
    assert.notEqual(readFileSync(join(dir, "ca.pem"), "utf8"), before);
    assert.match(readFileSync(join(dir, "enb-bravo-key.pem"), "utf8"), /^-----BEGIN PRIVATE KEY-----/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("lwip pki init refuses bad arguments with a UsageError", async () => {
  await assert.rejects(runPki(["init"]), UsageError);
  await assert.rejects(runPki(["init", "/tmp/x", "--days", "0"]), UsageError);
  await assert.rejects(runPki(["init", "/tmp/x", "--enb", "a,b"]), UsageError);
  await assert.rejects(runPki(["init", "/tmp/x", "--segw-ip", "1.2.3"]), UsageError);
  await assert.rejects(runPki(["init", "/tmp/x", "--enb", "a", "--enb", "a"]), UsageError);
  await assert.rejects(runPki(["create", "/tmp/x"]), UsageError);
});
