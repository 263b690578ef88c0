/**
 * A throw-away PKI made with the `openssl` command line tool (not with our code), so that the
 * certificate checks are tested against certificates an independent implementation produced:
 *
 *   root (P-384, CA) ── intermediate (P-256, CA, pathlen 0) ─┬─ enb      P-256, SAN DNS+IPv4+IPv6+email, 365 days
 *                                                             ├─ segw     RSA 2048, SAN DNS segw.lwip.example
 *                                                             ├─ expired  P-256, same SAN as enb, 1 day
 *                                                             ├─ wrongSan P-256, SAN DNS other.lwip.example
 *                                                             ├─ noSign   P-256, keyUsage keyEncipherment only
 *                                                             ├─ codeSign P-256, extendedKeyUsage codeSigning only
 *                                                             └─ notCa    P-256, CA:FALSE, no keyUsage ── underNotCa P-256
 *   otherRoot (P-256, CA) ── foreign P-256, same SAN as enb
 *
 * Validity starts when the files are made; tests move `now` instead of the clock (no faketime).
 */
import { execFileSync } from "node:child_process";
import { createPrivateKey, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PkiEntity {
  readonly name: string;
  readonly pemPath: string;
  readonly keyPath: string;
  readonly pem: string;
  /** The certificate DER as openssl writes it. */
  readonly der: Uint8Array;
  readonly privateKey: KeyObject;
}

export interface TestPki {
  readonly dir: string;
  readonly root: PkiEntity;
  readonly intermediate: PkiEntity;
  readonly enb: PkiEntity;
  readonly segw: PkiEntity;
  readonly expired: PkiEntity;
  readonly wrongSan: PkiEntity;
  readonly noSign: PkiEntity;
  readonly codeSign: PkiEntity;
  readonly notCa: PkiEntity;
  readonly underNotCa: PkiEntity;
  readonly otherRoot: PkiEntity;
  readonly foreign: PkiEntity;
  /** Runs openssl in the PKI folder and returns its stdout. */
  openssl(args: readonly string[], input?: Uint8Array): Buffer;
  /** Removes the folder. */
  dispose(): void;
}

const ENB_SAN = "subjectAltName=DNS:enb1.lwip.example,IP:192.0.2.10,IP:2001:db8::10,email:enb1@lwip.example";
const LEAF = "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
const SIGNING_LEAF = `${LEAF}keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n`;
const CA = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";

/** Makes the PKI in a fresh temporary folder (about a second: 26 openssl runs, one RSA key, eleven EC keys). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "lwip-certauth-"));
  const openssl = (args: readonly string[], input?: Uint8Array): Buffer =>
    execFileSync("openssl", args, { cwd: dir, stdio: ["pipe", "pipe", "pipe"], ...(input ? { input } : {}) });
  let serial = 1;
  /** `-newkey` arguments: openssl makes the key and writes it next to the request. */
  const newKey = (name: string, kind: string): string[] =>
    kind === "rsa" ? ["-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`]
      : ["-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${kind}`, "-nodes", "-keyout", `${name}.key`];
  const load = (name: string): PkiEntity => {
    const pemPath = join(dir, `${name}.pem`);
    const keyPath = join(dir, `${name}.key`);
    const pem = readFileSync(pemPath, "utf8");
    // The PEM body is the DER openssl wrote, base64-encoded (RFC 7468 §2).
    const der = new Uint8Array(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64"));
    writeFileSync(join(dir, `${name}.der`), der);
    return { name, pemPath, keyPath, pem, der, privateKey: createPrivateKey(readFileSync(keyPath)) };
  };
  const selfSigned = (name: string, curve: string, cn: string): PkiEntity => {
    openssl(["req", "-x509", ...newKey(name, curve), "-subj", `/O=LWIP Test/CN=${cn}`, "-days", "3650", "-sha384",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", `${name}.pem`]);
    return load(name);
  };
  const issued = (name: string, kind: string, subject: string, issuer: PkiEntity, extensions: string, days = 365): PkiEntity => {
    openssl(["req", "-new", ...newKey(name, kind), "-subj", subject, "-out", `${name}.csr`]);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", issuer.pemPath, "-CAkey", issuer.keyPath, "-set_serial", String(serial++),
      "-days", String(days), "-sha256", "-extfile", `${name}.ext`, "-out", `${name}.pem`]);
    return load(name);
  };
  const root = selfSigned("root", "P-384", "LWIP Test Root CA");
  const intermediate = issued("intermediate", "P-256", "/O=LWIP Test/CN=LWIP Test NE CA", root, CA.replace("CA:TRUE", "CA:TRUE,pathlen:0"));
  const notCa = issued("notca", "P-256", "/O=LWIP Test/CN=not a CA", intermediate, LEAF);
  const otherRoot = selfSigned("otherroot", "P-256", "Other Root CA");
  return {
    dir, root, intermediate, notCa, otherRoot,
    enb: issued("enb", "P-256", "/C=FI/O=LWIP Test/CN=enb1.lwip.example", intermediate, `${SIGNING_LEAF}${ENB_SAN}\n`),
    segw: issued("segw", "rsa", "/O=LWIP Test/CN=segw.lwip.example", intermediate, `${SIGNING_LEAF}subjectAltName=DNS:segw.lwip.example\n`),
    expired: issued("expired", "P-256", "/O=LWIP Test/CN=enb1.lwip.example", intermediate, `${SIGNING_LEAF}${ENB_SAN}\n`, 1),
    wrongSan: issued("wrongsan", "P-256", "/O=LWIP Test/CN=enb1.lwip.example", intermediate, `${SIGNING_LEAF}subjectAltName=DNS:other.lwip.example\n`),
    noSign: issued("nosign", "P-256", "/O=LWIP Test/CN=nosign", intermediate, `${LEAF}keyUsage=critical,keyEncipherment\n${ENB_SAN}\n`),
    codeSign: issued("codesign", "P-256", "/O=LWIP Test/CN=codesign", intermediate, `${LEAF}extendedKeyUsage=codeSigning\n${ENB_SAN}\n`),
    underNotCa: issued("undernotca", "P-256", "/O=LWIP Test/CN=under not a CA", notCa, `${SIGNING_LEAF}${ENB_SAN}\n`),
    foreign: issued("foreign", "P-256", "/O=LWIP Test/CN=enb1.lwip.example", otherRoot, `${SIGNING_LEAF}${ENB_SAN}\n`),
    openssl,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The DER of the `index`-th element at depth 2 of a certificate as `openssl asn1parse` lists it
 * (depth 2 = the TBSCertificate fields: [0] version, serial, signature, issuer, validity, subject,
 * subjectPublicKeyInfo, [3] extensions), cut out by openssl itself with -strparse.
 */
export function tbsFieldDer(pki: TestPki, entity: PkiEntity, index: number): Uint8Array {
  const der = join(pki.dir, `${entity.name}.der`);
  const listing = pki.openssl(["asn1parse", "-inform", "DER", "-in", der]).toString("utf8");
  const offsets = listing.split("\n").filter((l) => /d=2 /.test(l)).map((l) => l.split(":")[0]?.trim());
  const offset = offsets[index];
  if (offset === undefined) throw new Error(`no depth-2 element ${index} in ${entity.name}`);
  const out = join(pki.dir, `${entity.name}.field${index}.der`);
  pki.openssl(["asn1parse", "-inform", "DER", "-in", der, "-strparse", offset, "-noout", "-out", out]);
  return new Uint8Array(readFileSync(out));
}

/** The signatureAlgorithm AlgorithmIdentifier (depth 1, second element) of a certificate, cut out by openssl. */
export function signatureAlgorithmDer(pki: TestPki, entity: PkiEntity): Uint8Array {
  const der = join(pki.dir, `${entity.name}.der`);
  const listing = pki.openssl(["asn1parse", "-inform", "DER", "-in", der]).toString("utf8");
  const offset = listing.split("\n").filter((l) => /d=1 /.test(l)).map((l) => l.split(":")[0]?.trim())[1];
  if (offset === undefined) throw new Error(`no signatureAlgorithm in ${entity.name}`);
  const out = join(pki.dir, `${entity.name}.sigalg.der`);
  pki.openssl(["asn1parse", "-inform", "DER", "-in", der, "-strparse", offset, "-noout", "-out", out]);
  return new Uint8Array(readFileSync(out));
}

/**
 * A CRL (PEM) that `issuer` signs with `openssl ca -gencrl`, listing `revoked` (revoked with
 * `openssl ca -revoke` into a fresh index of this CRL's own), valid from now for `days`.
 */
export function makeCrl(pki: TestPki, issuer: PkiEntity, revoked: readonly PkiEntity[], days = 30): string {
  const db = `crl-${issuer.name}-${revoked.map((r) => r.name).join("-") || "none"}`;
  writeFileSync(join(pki.dir, `${db}.index`), "");
  writeFileSync(join(pki.dir, `${db}.number`), "01\n");
  writeFileSync(join(pki.dir, `${db}.cnf`), [
    "[ ca ]", "default_ca = crl_ca", "[ crl_ca ]", `database = ${db}.index`, `crlnumber = ${db}.number`,
    "default_md = sha256", `default_crl_days = ${days}`, "unique_subject = no", "",
  ].join("\n"));
  const ca = ["ca", "-config", `${db}.cnf`, "-keyfile", issuer.keyPath, "-cert", issuer.pemPath];
  for (const r of revoked) pki.openssl([...ca, "-revoke", r.pemPath]);
  pki.openssl([...ca, "-gencrl", "-out", `${db}.pem`]);
  return readFileSync(join(pki.dir, `${db}.pem`), "utf8");
}
