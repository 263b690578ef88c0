// `lwip pki revoke`: the development CA's CRL, checked with the openssl command line tool (an
// independent X.509 implementation) and with our own CRL parser.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPki } from "../../../src/cli/pki-command.js";
import { UsageError } from "../../../src/cli/usage-error.js";
import { parseCrlsPem, serialKey } from "../../../src/ike/auth/crl.js";

const root = mkdtempSync(join(tmpdir(), "lwip-devcrl-"));
after(() => rmSync(root, { recursive: true, force: true }));
const quiet = { out: () => {}, err: () => {} };
const openssl = (args: string[]) => execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
/** openssl verify with the CRL: "OK" or the error line. */
function verdict(dir: string, cert: string): string {
  try {
    openssl(["verify", "-crl_check", "-CAfile", join(dir, "ca.pem"), "-CRLfile", join(dir, "crl.pem"), join(dir, cert)]);
    return "OK";
  } catch (e) {
    return /certificate revoked/.test(String((e as { stdout?: string; stderr?: string }).stdout) + String((e as { stderr?: string }).stderr)) ? "revoked" : `error: ${String(e)}`;
  }
}

test("revoke: openssl reads the CRL (v2, the CA as issuer, reason codes, CRL number, AKI) and finds the revoked eNB revoked, the others good", async () => {
  const dir = join(root, "a");
  assert.equal(await runPki(["init", dir], quiet), 0);
  const out: string[] = [];
  assert.equal(await runPki(["revoke", dir, "--cert", join(dir, "enb-alpha.pem"), "--reason", "keyCompromise"], { out: (l) => void out.push(l), err: () => {} }), 0);
  const alphaSerial = new X509Certificate(readFileSync(join(dir, "enb-alpha.pem"))).serialNumber;
  assert.deepEqual(out, [`revoked ${alphaSerial.toUpperCase()}`, `${join(dir, "crl.pem")}: 1 revoked`]);
  const text = openssl(["crl", "-in", join(dir, "crl.pem"), "-noout", "-text"]);
  for (const expected of [/Version 2/, /Issuer: CN = LWIP development CA, O = lwip/, /X509v3 CRL Number/, /X509v3 Authority Key Identifier/, /Key Compromise/]) assert.match(text, expected);
  assert.deepEqual([verdict(dir, "enb-alpha.pem"), verdict(dir, "enb-bravo.pem"), verdict(dir, "segw.pem")], ["revoked", "OK", "OK"]);

  // A second revocation keeps the first entry; our parser reads the same serials openssl does.
  assert.equal(await runPki(["revoke", dir, "--cert", join(dir, "enb-bravo.pem")], quiet), 0);
  assert.deepEqual([verdict(dir, "enb-alpha.pem"), verdict(dir, "enb-bravo.pem")], ["revoked", "revoked"]);
  const parsed = parseCrlsPem(readFileSync(join(dir, "crl.pem"), "utf8"));
  assert.ok(parsed.ok);
  const bravoSerial = new X509Certificate(readFileSync(join(dir, "enb-bravo.pem"))).serialNumber;
  assert.deepEqual([...(parsed.value[0]?.revoked ?? [])].sort(), [serialKey(alphaSerial), serialKey(bravoSerial)].sort());
});

test("revoke refuses a certificate of another CA, a bad reason and a folder without a CA", async () => {
  const [a, b] = [join(root, "b1"), join(root, "b2")];
  await runPki(["init", a], quiet);
  await runPki(["init", b], quiet);
  const err: string[] = [];
  assert.equal(await runPki(["revoke", a, "--cert", join(b, "enb-alpha.pem")], { out: () => {}, err: (l) => void err.push(l) }), 1);
  assert.match(err[0] ?? "", /not issued by this CA/);
  await assert.rejects(runPki(["revoke", a, "--cert", join(a, "enb-alpha.pem"), "--reason", "unspecified"], quiet), UsageError);
  await assert.rejects(runPki(["revoke", join(root, "nothing")], quiet), /cannot read the CA certificate/);
});
