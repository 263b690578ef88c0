/**
 * IKE_AUTH, responder side, with a pre-shared key looked up by IDi (RFC 7296 §2.15; TS 33.401
 * 16.2.2: "The LWIP-SeGW shall use the received value of IDi to locate the corresponding LWIP-PSK").
 * Every refusal answers AUTHENTICATION_FAILED and nothing more, so an unknown identity, a wrong or
 * used key and an expired window look the same to the initiator; logs and counters tell them apart.
 */
import { encodeId } from "../codec/id.js";
import type { IdPayload, Payload } from "../codec/payloads.js";
import type { IkeContext, ResponderPolicy } from "../context.js";
import { pskAuthData, verifyPskAuth } from "../crypto/auth-psk.js";
import { wipe } from "../crypto/keymat.js";
import { respond } from "../exchange.js";
import { auth, findPayload, idr, notify } from "../payload-builders.js";
import { AuthMethod, ExchangeType, NotifyType, PayloadType } from "../registry.js";
import type { IkeSa } from "../sa/ike-sa.js";
import { reportFailure } from "./failure.js";
import { announceIkeUp } from "./announce.js";
import { negotiateFirstChild } from "./ike-auth-child.js";

/** Handles the IKE_AUTH request `messageId` of a half-open SA; returns false if the SA must go. */
export function processIkeAuthRequest(ctx: IkeContext, sa: IkeSa, policy: ResponderPolicy, messageId: number, payloads: readonly Payload[]): boolean {
  const refuse = (detail: string): boolean => {
    respond(ctx, sa, ExchangeType.IKE_AUTH, messageId, [notify(NotifyType.AUTHENTICATION_FAILED)]);
    reportFailure(ctx, sa, "AUTHENTICATION_FAILED", detail);
    return false;
  };
  const idiPayload = findPayload(payloads, PayloadType.IDi);
  const authPayload = findPayload(payloads, PayloadType.AUTH);
  if (!idiPayload) return refuse("no-idi");
  sa.idi = { idType: idiPayload.idType, data: idiPayload.data.slice() };
  // No AUTH means EAP (§2.16), which an LWIP SeGW does not offer.
  if (!authPayload || authPayload.method !== AuthMethod.SHARED_KEY_MIC) return refuse("not-psk-auth");
  const found = policy.lookupPsk(sa.idi, sa.remote);
  if (!found.ok) return refuse(found.reason);
  const ok = proveInitiator(sa, found.psk, idiPayload, authPayload.data);
  if (!ok) {
    wipe(found.psk);
    policy.onAuthenticationFailed?.(sa.idi, sa);
    return refuse("wrong-psk");
  }
  sa.localTs = found.localTs;
  const response = [...ourAuth(sa, policy, found.psk)];
  wipe(found.psk);
  policy.onAuthenticated?.(sa.idi, sa);
  sa.state = "established";
  const child = negotiateFirstChild(ctx, sa, policy, payloads);
  respond(ctx, sa, ExchangeType.IKE_AUTH, messageId, [...response, ...child.payloads]);
  announceIkeUp(ctx, sa);
  child.commit();
  return true;
}

/** §2.15: the initiator's AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage1 | NonceRData | prf(SK_pi, IDi')). */
function proveInitiator(sa: IkeSa, psk: Uint8Array, idiPayload: IdPayload, received: Uint8Array): boolean {
  const { crypto, initRequest, Nr } = sa;
  if (!crypto || !initRequest || !Nr) return false;
  return verifyPskAuth(crypto.prf, psk, initRequest, Nr, crypto.keys.SK_pi, encodeId(idiPayload), received);
}

function ourAuth(sa: IkeSa, policy: ResponderPolicy, psk: Uint8Array): Payload[] {
  const { crypto, initResponse, Ni } = sa;
  if (!crypto || !initResponse || !Ni) return [];
  const idrPayload = idr(policy.localId.idType, policy.localId.data);
  const data = pskAuthData(crypto.prf, psk, initResponse, Ni, crypto.keys.SK_pr, encodeId(idrPayload));
  return [idrPayload, auth(AuthMethod.SHARED_KEY_MIC, data)];
}
