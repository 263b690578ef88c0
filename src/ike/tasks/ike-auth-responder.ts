/**
 * IKE_AUTH, responder side (RFC 7296 §1.2, §2.15). A PSK is looked up by IDi (TS 33.401 16.2.2:
 * "The LWIP-SeGW shall use the received value of IDi to locate the corresponding LWIP-PSK"); a
 * signature method is checked against the configured CAs and the policy's authorization (NDS/IP
 * peers, TS 33.210). Every refusal answers AUTHENTICATION_FAILED and nothing more, so an unknown
 * identity, a wrong or used key and an expired window look the same to the initiator; logs and
 * counters tell them apart.
 */
import type { IdPayload, Payload } from "../codec/payloads.js";
import type { IkeContext, ResponderPolicy } from "../context.js";
import { wipe } from "../crypto/keymat.js";
import { respond } from "../exchange.js";
import { findPayload, idr, notify } from "../payload-builders.js";
import { AuthMethod, ExchangeType, NotifyType, PayloadType } from "../registry.js";
import type { IkeSa } from "../sa/ike-sa.js";
import { sharedSelectors } from "../sa/shared-state.js";
import { reportFailure } from "./failure.js";
import { announceIkeUp } from "./announce.js";
import { negotiateFirstChild } from "./ike-auth-child.js";
import { deleteIkeSa } from "./informational.js";
import { notePeerCertificatePreferences, proveOurselves, verifyPeer, type LocalCredentials } from "./authentication.js";

/** How long the IKE_AUTH response has before the Delete of an IKE SA without CHILD SA follows it. */
const CLOSE_WITHOUT_CHILD_DELAY_MS = 100;

type Admission = { readonly ok: true; readonly ours: LocalCredentials; readonly psk?: Uint8Array } | { readonly ok: false; readonly reason: string };

/** Decides how this initiator must authenticate and how we answer, by the method it chose. */
function admit(sa: IkeSa, policy: ResponderPolicy, idiPayload: IdPayload, method: number): Admission {
  if (method !== AuthMethod.SHARED_KEY_MIC) {
    const certs = policy.certificates;
    return certs ? { ok: true, ours: { kind: "cert", credentials: certs.credentials } } : { ok: false, reason: "certificates-not-accepted" };
  }
  const found = policy.lookupPsk({ idType: idiPayload.idType, data: idiPayload.data }, sa.remote);
  if (!found.ok) return found;
  // Configuration (the eNB's LWIP endpoints), alike for all its UEs: one shared copy, not one per SA.
  sa.localTs = found.localTs && sharedSelectors(found.localTs);
  return { ok: true, ours: { kind: "psk", psk: found.psk }, psk: found.psk };
}

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
  // No AUTH means EAP (§2.16), which neither an LWIP SeGW nor an NDS/IP gateway offers.
  if (!authPayload) return refuse("no-auth");
  notePeerCertificatePreferences(sa, payloads);
  const admission = admit(sa, policy, idiPayload, authPayload.method);
  if (!admission.ok) return refuse(admission.reason);
  const verdict = verifyPeer(sa, payloads, idiPayload, { psk: admission.psk, trustAnchors: policy.certificates?.trustAnchors, crls: policy.certificates?.crls, now: ctx.wallClock() });
  const certPolicy = verdict.ok && verdict.certificate ? policy.certificates?.authorize(sa.idi, verdict.certificate) : undefined;
  const authorized = verdict.ok && (!verdict.certificate || certPolicy !== undefined);
  if (certPolicy) {
    sa.localTs = sharedSelectors(certPolicy.localTs);
    sa.remoteTs = sharedSelectors(certPolicy.remoteTs);
  }
  if (!verdict.ok || !authorized) {
    if (admission.psk) wipe(admission.psk);
    if (admission.psk) policy.onAuthenticationFailed?.(sa.idi, sa);
    return refuse(verdict.ok ? "not-authorized" : verdict.reason);
  }
  const ourId = policy.localIdFor?.(sa.local) ?? policy.localId;
  const idrPayload = idr(ourId.idType, ourId.data);
  const proof = proveOurselves(sa, admission.ours, idrPayload);
  if (admission.psk) wipe(admission.psk);
  if (!proof) return refuse("no-usable-credential");
  sa.state = "established";
  const requireCp = policy.requireConfigurationPayload === true && authPayload.method === AuthMethod.SHARED_KEY_MIC;
  const child = negotiateFirstChild(ctx, sa, policy, payloads, requireCp);
  // After the CHILD SA's negotiation, so the application sees the assigned virtual address.
  policy.onAuthenticated?.(sa.idi, sa);
  respond(ctx, sa, ExchangeType.IKE_AUTH, messageId, [idrPayload, ...proof, ...child.payloads]);
  announceIkeUp(ctx, sa);
  child.commit();
  if (!child.created && policy.closeIkeSaOnChildFailure) closeWithoutChild(ctx, sa);
  return true;
}

/**
 * RFC 7296 §2.21.2: a refused CHILD SA "does not automatically cause the IKE SA to be deleted", and
 * the initiator "MUST NOT fail the authentication because of this", so the response above carries
 * IDr and AUTH. A policy for which the IKE SA has no use without it then deletes it (§1.4.1), a
 * little later, so that the IKE_AUTH response arrives first (as strongSwan's
 * close_ike_on_child_failure does).
 */
function closeWithoutChild(ctx: IkeContext, sa: IkeSa): void {
  ctx.log.info("ike", "IKE SA deleted: IKE_AUTH brought no CHILD SA", { sa: sa.name, idi: sa.idiHex });
  ctx.counters.add("ike_sa_closed_without_child");
  sa.setTimer("close-without-child", ctx.clock.schedule(CLOSE_WITHOUT_CHILD_DELAY_MS, () => deleteIkeSa(ctx, sa)));
}
