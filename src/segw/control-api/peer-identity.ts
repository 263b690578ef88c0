/**
 * Which configured eNB a verified client certificate belongs to. TLS has already checked the
 * chain against the configured CA; here the certificate's subject CN or SAN DNS names must equal
 * exactly one eNB's certificateIdentity (compared without case, as DNS names are: RFC 4343), and
 * an extended key usage, when present, must allow TLS client authentication (RFC 5280 §4.2.1.12;
 * TS 33.310 profiles the eNB's certificate for this use).
 */
import type { PeerCertificate } from "node:tls";

/** An eNB allowed on the control API. */
export interface ControlApiEnb {
  readonly name: string;
  /** Subject CN or SAN DNS name of its client certificate. */
  readonly certificateIdentity: string;
  /** Its Xw-U address: when set, LWIP ADDITION REQUEST may name no other eNB GTP transport address. */
  readonly gtpAddress?: string;
}

export type EnbIdentification = { readonly ok: true; readonly enb: ControlApiEnb } | { readonly ok: false; readonly reason: string; readonly names: readonly string[] };

const OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/** The CN(s) and SAN DNS names of a certificate as node reports them. */
export function certificateNames(cert: PeerCertificate): string[] {
  const cn = (cert.subject as { CN?: string | string[] } | undefined)?.CN;
  const names = cn === undefined ? [] : Array.isArray(cn) ? [...cn] : [cn];
  // subjectaltname: "DNS:enb-a, IP Address:127.0.0.1"; names with unusual characters come quoted
  // and cannot equal a configured identity, so the plain form is enough.
  for (const m of (cert.subjectaltname ?? "").matchAll(/(?:^|, )DNS:([^,"]+)/g)) if (m[1]) names.push(m[1]);
  return names;
}

/** Maps a verified client certificate to its eNB; ambiguous or unknown identities are refused. */
export function identifyEnb(cert: PeerCertificate, enbs: readonly ControlApiEnb[]): EnbIdentification {
  const names = certificateNames(cert);
  const eku = (cert as { ext_key_usage?: string[] }).ext_key_usage;
  if (eku && !eku.includes(OID_CLIENT_AUTH)) return { ok: false, reason: "certificate not for client authentication", names };
  const folded = new Set(names.map((n) => n.toLowerCase()));
  const matches = enbs.filter((e) => folded.has(e.certificateIdentity.toLowerCase()));
  const [only] = matches;
  if (matches.length === 1 && only) return { ok: true, enb: only };
  return { ok: false, reason: matches.length === 0 ? "certificate names no configured eNB" : "certificate names several eNBs", names };
}
