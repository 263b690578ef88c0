/**
 * The octets each peer signs in IKE_AUTH (RFC 7296 §2.15):
 *
 *   InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI,  MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
 *   ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR,  MACedIDForR = prf(SK_pr, RestOfRespIDPayload)
 *
 * RealMessage1/2 are the signer's IKE_SA_INIT message exactly as sent (from the IKE header, without
 * the non-ESP marker; the last one if IKE_SA_INIT was repeated after a cookie or INVALID_KE_PAYLOAD).
 * NonceRData/NonceIData are the *other* peer's nonce value. RestOf...IDPayload (IDi'/IDr') is the ID
 * payload body after the 4-octet generic header: ID Type | 3 RESERVED octets | Identification Data.
 * Signature methods (RSA_SIG, ECDSA, DIGITAL_SIGNATURE) sign these octets directly; the shared-key
 * method MACs the same octets (auth-psk.ts).
 */
import { concatBytes } from "../../wire/hex.js";
import type { Prf } from "../crypto/prf.js";

/**
 * InitiatorSignedOctets: what the initiator signs and the responder verifies.
 * @param realMessage1 the initiator's IKE_SA_INIT request as sent.
 * @param Nr the responder's Nonce Data.
 * @param SK_pi the initiator's SK_pi.
 * @param IDi the IDi payload body (IDi').
 */
export function initiatorSignedOctets(prf: Prf, realMessage1: Uint8Array, Nr: Uint8Array, SK_pi: Uint8Array, IDi: Uint8Array): Uint8Array {
  return signedOctets(prf, realMessage1, Nr, SK_pi, IDi);
}

/**
 * ResponderSignedOctets: what the responder signs and the initiator verifies.
 * @param realMessage2 the responder's IKE_SA_INIT response as sent.
 * @param Ni the initiator's Nonce Data.
 * @param SK_pr the responder's SK_pr.
 * @param IDr the IDr payload body (IDr').
 */
export function responderSignedOctets(prf: Prf, realMessage2: Uint8Array, Ni: Uint8Array, SK_pr: Uint8Array, IDr: Uint8Array): Uint8Array {
  return signedOctets(prf, realMessage2, Ni, SK_pr, IDr);
}

function signedOctets(prf: Prf, realMessage: Uint8Array, peerNonce: Uint8Array, SK_p: Uint8Array, idPayloadBody: Uint8Array): Uint8Array {
  return concatBytes(realMessage, peerNonce, prf.compute(SK_p, idPayloadBody));
}
