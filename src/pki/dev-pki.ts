/**
 * A development PKI for the SeGW control API and the demo: one CA, the SeGW's TLS server
 * certificate and one TLS client certificate per eNB, all ECDSA P-256 with SHA-256. Keys and
 * signatures come from WebCrypto (node's globalThis.crypto); @peculiar/x509 lays out the DER,
 * since node has no API to create certificates.
 *
 * Profile (TS 33.310 §6.1.3 certificate profiles, which build on RFC 5280):
 * - serial numbers are positive, random and at most 20 octets (RFC 5280 §4.1.2.2);
 * - the CA has basicConstraints cA=TRUE, pathLen 0, critical, and keyUsage keyCertSign | cRLSign,
 *   critical (RFC 5280 §4.2.1.9, §4.2.1.3);
 * - end-entity certificates have basicConstraints cA=FALSE (critical), keyUsage digitalSignature
 *   (critical: ECDSA only signs in TLS 1.3), extendedKeyUsage serverAuth or clientAuth, and the
 *   identities in subjectAltName (TS 33.310 asks for the FQDN or IP address of the node there);
 * - subject and authority key identifiers link certificate and issuer (RFC 5280 §4.2.1.1, §4.2.1.2);
 * - notBefore is set back a few minutes so that hosts with slightly late clocks accept it.
 * This is a test and demo CA: a deployment uses the operator's PKI.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { toHex } from "../wire/hex.js";

x509.cryptoProvider.set(globalThis.crypto);

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** One file of the PKI: its name in the output folder, its PEM text, and whether it is a private key. */
export interface PkiFile {
  readonly name: string;
  readonly pem: string;
  readonly secret: boolean;
}

export interface DevPkiOptions {
  /** eNB names: each gets enb-<name>.pem with CN and SAN DNS <name>. */
  readonly enbs: readonly string[];
  /** The SeGW's DNS name in its server certificate's SAN (and CN). */
  readonly segwName: string;
  /** IP addresses in the SeGW's SAN, so clients can connect by address. */
  readonly segwAddresses: readonly string[];
  readonly days: number;
}

/** The SeGW addresses of the lab and the demo (loopback and the 198.18.0.1 of examples/segw.yaml). */
export const DEFAULT_SEGW_ADDRESSES: readonly string[] = ["127.0.0.1", "198.18.0.1"];

type KeyPair = Awaited<ReturnType<typeof newKeyPair>>;

function newKeyPair() {
  return globalThis.crypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"]);
}

/** 16 random octets with the top bit clear: positive and of full length (RFC 5280 §4.1.2.2). */
function serialNumber(): string {
  const s = globalThis.crypto.getRandomValues(new Uint8Array(16));
  s[0] = ((s[0] ?? 0) & 0x7f) | 0x01;
  return toHex(s);
}

async function privateKeyPem(keys: KeyPair): Promise<string> {
  const pkcs8 = await globalThis.crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return x509.PemConverter.encode(pkcs8, "PRIVATE KEY");
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - CLOCK_SKEW_MS), notAfter: new Date(now + days * DAY_MS) };
}

async function createCa(days: number): Promise<{ cert: x509.X509Certificate; keys: KeyPair }> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: "CN=LWIP development CA, O=lwip",
    ...validity(days),
    keys,
    signingAlgorithm: ECDSA_P256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

interface LeafSpec {
  readonly cn: string;
  readonly dns: readonly string[];
  readonly ips: readonly string[];
  readonly usage: "server" | "client";
}

async function issueLeaf(ca: { cert: x509.X509Certificate; keys: KeyPair }, spec: LeafSpec, days: number): Promise<{ cert: string; key: string }> {
  const keys = await newKeyPair();
  const names = [...spec.dns.map((value) => ({ type: "dns" as const, value })), ...spec.ips.map((value) => ({ type: "ip" as const, value }))];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${spec.cn}, O=lwip`,
    issuer: ca.cert.subject,
    ...validity(days),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ECDSA_P256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([spec.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { cert: cert.toString("pem"), key: await privateKeyPem(keys) };
}

/**
 * Makes the CA (ca.pem, ca-key.pem), the SeGW server certificate (segw.pem, segw-key.pem) and
 * one client certificate per eNB (enb-<name>.pem, enb-<name>-key.pem). Nothing is written here.
 */
export async function createDevPki(opts: DevPkiOptions): Promise<PkiFile[]> {
  const ca = await createCa(opts.days);
  const files: PkiFile[] = [
    { name: "ca.pem", pem: ca.cert.toString("pem"), secret: false },
    { name: "ca-key.pem", pem: await privateKeyPem(ca.keys), secret: true },
  ];
  const add = (base: string, leaf: { cert: string; key: string }) =>
    files.push({ name: `${base}.pem`, pem: leaf.cert, secret: false }, { name: `${base}-key.pem`, pem: leaf.key, secret: true });
  add("segw", await issueLeaf(ca, { cn: opts.segwName, dns: [opts.segwName], ips: opts.segwAddresses, usage: "server" }, opts.days));
  for (const enb of opts.enbs) add(`enb-${enb}`, await issueLeaf(ca, { cn: enb, dns: [enb], ips: [], usage: "client" }, opts.days));
  return files.map((f) => ({ ...f, pem: f.pem.endsWith("\n") ? f.pem : f.pem + "\n" }));
}
