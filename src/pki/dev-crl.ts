/**
 * The development CA's certificate revocation list (RFC 5280 §5): `lwip pki revoke` adds
 * certificates to crl.pem next to ca.pem, which the SeGW reads as controlApi.tls.crl (for the
 * control API's TLS and for NDS/IP). Profile: version 2, the CA's subject as issuer (its own DER,
 * so name comparison is exact), thisUpdate now, nextUpdate after `days`, authorityKeyIdentifier and
 * a CRL number (RFC 5280 §5.2.1, §5.2.3: both required of a conforming CRL issuer), a reasonCode on
 * every entry (§5.3.1: never "unspecified"; it also keeps each entry's extensions non-empty, as
 * Extensions is SIZE (1..MAX)), ECDSA with SHA-256, PEM label "X509 CRL" (RFC 7468 §6).
 * A test and demo CA, as dev-pki.ts: a deployment uses the operator's PKI.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { serialKey } from "../ike/auth/crl.js";

x509.cryptoProvider.set(globalThis.crypto);

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;
const CRL_NUMBER_OID = "2.5.29.20";

/** The reasons `lwip pki revoke` offers (RFC 5280 §5.3.1 CRLReason). */
export const REVOCATION_REASONS = {
  keyCompromise: x509.X509CrlReason.keyCompromise,
  affiliationChanged: x509.X509CrlReason.affiliationChanged,
  superseded: x509.X509CrlReason.superseded,
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export interface DevCrlInput {
  readonly caPem: string;
  readonly caKeyPem: string;
  /** The current crl.pem, whose entries are kept. */
  readonly previousCrlPem?: string | undefined;
  /** Certificates (PEM) to add to the list. */
  readonly revoke: readonly string[];
  readonly reason: RevocationReason;
  readonly days: number;
  readonly now?: number;
}

export interface DevCrl {
  readonly pem: string;
  /** Every serial on the new list (serialKey form), and those this call added (hex as in the certificates). */
  readonly serials: readonly string[];
  readonly added: readonly string[];
}

/** DER of a non-negative INTEGER (X.690 §8.3) with its tag and short-form length. */
function derInteger(n: number): ArrayBuffer {
  const octets: number[] = [];
  for (let v = n; v > 0 || octets.length === 0; v = Math.floor(v / 256)) octets.unshift(v % 256);
  if ((octets[0] ?? 0) & 0x80) octets.unshift(0);
  return new Uint8Array([0x02, octets.length, ...octets]).buffer;
}

/**
 * Issues the CA's new CRL: the previous entries plus `revoke`. The CRL number is the time in
 * seconds, so it grows with every list issued (§5.2.3).
 * @throws Error when a certificate to revoke was not issued by this CA (another issuer, or not its signature).
 */
export async function issueDevCrl(input: DevCrlInput): Promise<DevCrl> {
  const now = input.now ?? Date.now();
  const ca = new x509.X509Certificate(input.caPem);
  const pkcs8 = x509.PemConverter.decodeFirst(input.caKeyPem);
  const signingKey = await globalThis.crypto.subtle.importKey("pkcs8", pkcs8, ECDSA_P256, false, ["sign"]);
  const entries = new Map<string, { revocationDate: Date; reason: x509.X509CrlReason }>();
  for (const e of input.previousCrlPem ? new x509.X509Crl(input.previousCrlPem).entries : []) {
    entries.set(serialKey(e.serialNumber), { revocationDate: e.revocationDate, reason: e.reason ?? REVOCATION_REASONS[input.reason] });
  }
  const added: string[] = [];
  for (const pem of input.revoke) {
    const cert = new x509.X509Certificate(pem);
    // The name alone does not tell two development CAs apart: the CA's key must have signed it.
    if (cert.issuer !== ca.subject || !(await cert.verify({ publicKey: ca, signatureOnly: true }))) throw new Error(`${cert.subject} was not issued by this CA (${ca.subject})`);
    const serial = serialKey(cert.serialNumber);
    if (!entries.has(serial)) added.push(cert.serialNumber.toUpperCase());
    entries.set(serial, entries.get(serial) ?? { revocationDate: new Date(now), reason: REVOCATION_REASONS[input.reason] });
  }
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.subjectName,
    thisUpdate: new Date(now),
    nextUpdate: new Date(now + input.days * DAY_MS),
    entries: [...entries].map(([serialNumber, e]) => ({ serialNumber, ...e })),
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(ca),
      new x509.Extension(CRL_NUMBER_OID, false, derInteger(Math.floor(now / 1000))),
    ],
    signingKey,
    signingAlgorithm: ECDSA_P256,
  });
  return { pem: `${x509.PemConverter.encode(crl.rawData, "X509 CRL")}\n`, serials: [...entries.keys()], added };
}
