/**
 * The AUTH payload of IKE_AUTH (RFC 7296 §2.15) for both kinds of credentials the engine knows: a
 * pre-shared key (SHARED_KEY_MIC) and certificates with signatures (RFC 4754 ECDSA, RFC 7427
 * digital signatures), chosen per SA. Both sides sign or MAC their own "signed octets":
 *   initiator: RealMessage1 | NonceRData | prf(SK_pi, IDi')   responder: RealMessage2 | NonceIData | prf(SK_pr, IDr')
 */
import { encodeId } from "../codec/id.js";
import type { IdPayload, Payload } from "../codec/payloads.js";
import { pskAuthData, verifyPskAuth } from "../crypto/auth-psk.js";
import { validatePeerCertificate, type Certificate } from "../auth/certificates.js";
import type { Crl } from "../auth/crl.js";
import { decodeCertReqData, encodeCertReqData, selectCertificates, type OwnCredential } from "../auth/certreq.js";
import { decodeSignatureHashAlgorithms, encodeSignatureHashAlgorithms, OUR_SIGNATURE_HASHES } from "../auth/hash-algorithms.js";
import { chooseSignatureAuth, signAuth, verifyAuth } from "../auth/signature-auth.js";
import { initiatorSignedOctets, responderSignedOctets } from "../auth/signed-octets.js";
import { auth, findNotify, findPayload, findPayloads, notify } from "../payload-builders.js";
import { AuthMethod, CertEncoding, NotifyType, PayloadType } from "../registry.js";
import type { IkeSa } from "../sa/ike-sa.js";

/** How we prove who we are. */
export type LocalCredentials =
  | { readonly kind: "psk"; readonly psk: Uint8Array }
  | { readonly kind: "cert"; readonly credentials: readonly OwnCredential[] };

/** What we accept from the peer: its PSK (found by its identity), certificates under our trust anchors, or both. */
export interface PeerVerification {
  readonly psk?: Uint8Array | undefined;
  readonly trustAnchors?: readonly Certificate[] | undefined;
  /** CRLs the peer's chain is checked against (RFC 5280 §6.3). */
  readonly crls?: readonly Crl[] | undefined;
  readonly now: number;
}

export type PeerVerdict = { readonly ok: true; readonly certificate?: Certificate } | { readonly ok: false; readonly reason: string };

interface SignedParts {
  readonly realMessage: Uint8Array;
  readonly nonce: Uint8Array;
  readonly SK_p: Uint8Array;
}

/** The parts of the signed octets of the IKE SA's initiator (`ofInitiator`) or responder. */
function signedParts(sa: IkeSa, ofInitiator: boolean): SignedParts | undefined {
  const { crypto, initRequest, initResponse, Ni, Nr } = sa;
  if (!crypto || !initRequest || !initResponse || !Ni || !Nr) return undefined;
  return ofInitiator
    ? { realMessage: initRequest, nonce: Nr, SK_p: crypto.keys.SK_pi }
    : { realMessage: initResponse, nonce: Ni, SK_p: crypto.keys.SK_pr };
}

function signedOctets(sa: IkeSa, ofInitiator: boolean, p: SignedParts, idBody: Uint8Array): Uint8Array | undefined {
  const prf = sa.crypto?.prf;
  if (!prf) return undefined;
  return ofInitiator ? initiatorSignedOctets(prf, p.realMessage, p.nonce, p.SK_p, idBody) : responderSignedOctets(prf, p.realMessage, p.nonce, p.SK_p, idBody);
}

/**
 * Remembers what the peer asked of our certificates: RFC 7427 hash algorithms (IKE_SA_INIT) and
 * CERTREQ CA hashes (IKE_SA_INIT response or IKE_AUTH request, RFC 7296 §3.7).
 */
export function notePeerCertificatePreferences(sa: IkeSa, payloads: readonly Payload[]): void {
  const hashes = findNotify(payloads, NotifyType.SIGNATURE_HASH_ALGORITHMS);
  if (hashes) {
    const decoded = decodeSignatureHashAlgorithms(hashes.data);
    if (decoded.ok) sa.peerSignatureHashes = decoded.value;
  }
  const requested = findPayloads(payloads, PayloadType.CERTREQ).filter((c) => c.encoding === CertEncoding.X509_SIGNATURE)
    .flatMap((c) => {
      const d = decodeCertReqData(c.data);
      return d.ok ? d.value : [];
    });
  if (requested.length > 0) sa.peerCertReq = requested;
}

/** N(SIGNATURE_HASH_ALGORITHMS) announcing the RFC 7427 hashes we verify. */
export function signatureHashNotify(): Payload {
  return notify(NotifyType.SIGNATURE_HASH_ALGORITHMS, encodeSignatureHashAlgorithms(OUR_SIGNATURE_HASHES));
}

/** CERTREQ for the CAs we trust (RFC 7296 §3.7). */
export function certReqPayload(trustAnchors: readonly Certificate[]): Payload {
  return { type: PayloadType.CERTREQ, critical: false, encoding: CertEncoding.X509_SIGNATURE, data: encodeCertReqData(trustAnchors) };
}

/** Our CERT payloads (end entity first) and AUTH; undefined if we cannot authenticate (no usable key). */
export function proveOurselves(sa: IkeSa, creds: LocalCredentials, idPayload: IdPayload): Payload[] | undefined {
  const ours = sa.role === "initiator";
  const parts = signedParts(sa, ours);
  const prf = sa.crypto?.prf;
  if (!parts || !prf) return undefined;
  const idBody = encodeId(idPayload);
  if (creds.kind === "psk") return [auth(AuthMethod.SHARED_KEY_MIC, pskAuthData(prf, creds.psk, parts.realMessage, parts.nonce, parts.SK_p, idBody))];
  const selection = selectCertificates(creds.credentials, sa.peerCertReq ?? []);
  const key = selection?.credential.privateKey;
  const choice = key ? chooseSignatureAuth(key, sa.peerSignatureHashes) : undefined;
  const octets = signedOctets(sa, ours, parts, idBody);
  if (!selection || !key || !choice || !octets) return undefined;
  return [
    ...selection.certificates.map((c): Payload => ({ type: PayloadType.CERT, critical: false, encoding: CertEncoding.X509_SIGNATURE, data: c.der })),
    auth(choice.method, signAuth(choice.method, key, octets, choice.algorithm)),
  ];
}

/** Checks the peer's AUTH (and certificates) in `payloads` against what `how` accepts. Never throws. */
export function verifyPeer(sa: IkeSa, payloads: readonly Payload[], idPayload: IdPayload, how: PeerVerification): PeerVerdict {
  const authPayload = findPayload(payloads, PayloadType.AUTH);
  const peerIsInitiator = sa.role === "responder";
  const parts = signedParts(sa, peerIsInitiator);
  const prf = sa.crypto?.prf;
  if (!authPayload || !parts || !prf) return { ok: false, reason: "no-auth" };
  const idBody = encodeId(idPayload);
  if (authPayload.method === AuthMethod.SHARED_KEY_MIC) {
    if (!how.psk) return { ok: false, reason: "psk-not-accepted" };
    return verifyPskAuth(prf, how.psk, parts.realMessage, parts.nonce, parts.SK_p, idBody, authPayload.data) ? { ok: true } : { ok: false, reason: "wrong-psk" };
  }
  if (!how.trustAnchors) return { ok: false, reason: "certificates-not-accepted" };
  const certPayloads = findPayloads(payloads, PayloadType.CERT);
  const peer = validatePeerCertificate({ certPayloads, id: { idType: idPayload.idType, data: idPayload.data }, trustAnchors: how.trustAnchors, now: how.now, crls: how.crls });
  if (!peer.ok) return { ok: false, reason: `certificate-${peer.error.reason}` };
  const octets = signedOctets(sa, peerIsInitiator, parts, idBody);
  if (!octets) return { ok: false, reason: "no-auth" };
  const v = verifyAuth(authPayload.method, authPayload.data, peer.value.publicKey, octets);
  return v.ok ? { ok: true, certificate: peer.value.endEntity } : { ok: false, reason: `signature-${v.reason}` };
}
