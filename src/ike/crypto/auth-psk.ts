/**
 * Shared-key AUTH payload data (RFC 7296 §2.15, Auth Method 2, "Shared Key Message Integrity Code"):
 *
 *   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <InitiatorSignedOctets> )
 *   InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI,  MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
 *   ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR,  MACedIDForR = prf(SK_pr, RestOfRespIDPayload)
 *
 * So the initiator's AUTH covers its own IKE_SA_INIT request (RealMessage1), the responder's
 * nonce Nr and prf(SK_pi, IDi'); the responder's AUTH covers its IKE_SA_INIT response
 * (RealMessage2), the initiator's nonce Ni and prf(SK_pr, IDr'). Both sides compute both: one to
 * send, the other to verify. RealMessage1/2 are the messages exactly as sent (from the IKE header,
 * without the non-ESP marker), the last one if IKE_SA_INIT was repeated. IDx' is the ID payload
 * body after the 4-octet generic header: ID Type | 3 RESERVED octets | Identification Data.
 * With EAP (§2.16) the same formula is used with the MSK as the shared secret.
 */
import { concatBytes } from "../../wire/hex.js";
import { constantTimeEqual, wipe } from "./bytes.js";
import type { Prf } from "./prf.js";

/** The 17 ASCII octets "Key Pad for IKEv2", no terminator (RFC 7296 §2.15). */
export const KEY_PAD_FOR_IKEV2 = new TextEncoder().encode("Key Pad for IKEv2");

/**
 * AUTH Authentication Data for Auth Method 2.
 * @param psk the shared secret as raw octets (for LWIP: the 32-octet LWIP-PSK).
 * @param realMessage the signer's IKE_SA_INIT message: RealMessage1 for the initiator's AUTH, RealMessage2 for the responder's.
 * @param peerNonce the other side's Nonce Data: Nr for the initiator's AUTH, Ni for the responder's.
 * @param SK_p the signer's SK_pi (initiator) or SK_pr (responder).
 * @param idPayloadBody the signer's IDi' / IDr' (ID payload without its generic header).
 */
export function pskAuthData(prf: Prf, psk: Uint8Array, realMessage: Uint8Array, peerNonce: Uint8Array, SK_p: Uint8Array, idPayloadBody: Uint8Array): Uint8Array {
  const padKey = prf.compute(psk, KEY_PAD_FOR_IKEV2);
  const auth = prf.compute(padKey, concatBytes(realMessage, peerNonce, prf.compute(SK_p, idPayloadBody)));
  wipe(padKey);
  return auth;
}

/**
 * Checks a received AUTH (Auth Method 2) against the expected value in constant time. The
 * arguments are those of pskAuthData for the *peer* as the signer: verifying the initiator's AUTH
 * takes RealMessage1, Nr, SK_pi and IDi'; verifying the responder's takes RealMessage2, Ni, SK_pr, IDr'.
 * False → AUTHENTICATION_FAILED (RFC 7296 §2.21.2).
 */
export function verifyPskAuth(
  prf: Prf,
  psk: Uint8Array,
  realMessage: Uint8Array,
  peerNonce: Uint8Array,
  SK_p: Uint8Array,
  idPayloadBody: Uint8Array,
  received: Uint8Array,
): boolean {
  const expected = pskAuthData(prf, psk, realMessage, peerNonce, SK_p, idPayloadBody);
  const equal = constantTimeEqual(expected, received);
  wipe(expected);
  return equal;
}
