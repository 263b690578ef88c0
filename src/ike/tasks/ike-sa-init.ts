/**
 * IKE_SA_INIT (RFC 7296 §1.2, §2.6, §2.23):
 *   HDR, SAi1, KEi, Ni, N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP)  -->
 *                                  <--  HDR, SAr1, KEr, Nr, N(NAT_DETECTION_*)
 * both with N(IKEV2_FRAGMENTATION_SUPPORTED) (RFC 7383 §2.3) when fragmentation is on, and the
 * initiator's retries on N(COOKIE) and N(INVALID_KE_PAYLOAD).
 */
import { encodeMessage } from "../codec/message.js";
import type { Payload } from "../codec/payloads.js";
import type { IkeContext, ResponderCertificates } from "../context.js";
import { certReqPayload, notePeerCertificatePreferences, signatureHashNotify } from "./authentication.js";
import { createKeyExchange, respondToKeyExchange } from "../crypto/dh.js";
import { sendInitRequest } from "../exchange.js";
import { forcedEncapsulationHash, natBetween, natDetectionHash } from "../nat-detection.js";
import { findErrorNotify, findNotify, findPayload, findPayloads, ke, nonce, notify, sa as saPayload } from "../payload-builders.js";
import { buildChosenProposal, buildProposals, preferredDhGroup, selectProposal, type ProposalSpec } from "../proposal.js";
import { HeaderFlag, IKE_VERSION, NotifyType, PayloadType, ProtocolId } from "../registry.js";
import { IkeSa, type ReceivedResponse } from "../sa/ike-sa.js";
import type { Endpoint } from "../endpoint.js";
import type { IkeHeader } from "../codec/payloads.js";
import { installInitialKeys } from "./ike-keys.js";
import { failInitiator } from "./failure.js";
import { NATT_PORT } from "../endpoint.js";

/** RFC 7296 §2.10: nonces are at least half the PRF key size and at least 128 bits; 32 octets covers SHA-512's 256-bit half. */
export const NONCE_LENGTH = 32;
const MAX_INIT_RETRIES = 3;
const ZERO_SPI = new Uint8Array(8);

/** Sends (or re-sends after COOKIE / INVALID_KE_PAYLOAD) our IKE_SA_INIT request. */
export function sendIkeSaInit(ctx: IkeContext, sa: IkeSa, ikeProposals: readonly ProposalSpec[], onDone: () => void, attempt = 0): void {
  const group = sa.ke?.group ?? preferredDhGroup(ikeProposals);
  sa.ke ??= createKeyExchange(group);
  sa.Ni ??= ctx.random(NONCE_LENGTH);
  if (!sa.ke) return failInitiator(ctx, sa, "NO_PROPOSAL_CHOSEN", `DH group ${group} not implemented`);
  const cookie = sa.plan?.cookie;
  const usesCertificates = sa.plan?.credentials.kind === "cert" || sa.plan?.trustAnchors !== undefined;
  const payloads: Payload[] = [
    ...(cookie ? [notify(NotifyType.COOKIE, cookie)] : []),
    saPayload(buildProposals(ikeProposals, ProtocolId.IKE, new Uint8Array(0))),
    ke(sa.ke.group, sa.ke.publicValue),
    nonce(sa.Ni),
    notify(NotifyType.NAT_DETECTION_SOURCE_IP, forcedEncapsulationHash(ctx.random)),
    notify(NotifyType.NAT_DETECTION_DESTINATION_IP, natDetectionHash(sa.spiI, ZERO_SPI, sa.remote)),
    ...fragmentationNotify(ctx),
    ...(usesCertificates ? [signatureHashNotify()] : []),
  ];
  sa.initRequest = sendInitRequest(ctx, sa, payloads, (r) => onInitResponse(ctx, sa, ikeProposals, r, onDone, attempt));
}

function onInitResponse(ctx: IkeContext, sa: IkeSa, specs: readonly ProposalSpec[], r: ReceivedResponse, onDone: () => void, attempt: number): void {
  const cookie = findNotify(r.payloads, NotifyType.COOKIE);
  const invalidKe = findNotify(r.payloads, NotifyType.INVALID_KE_PAYLOAD);
  if ((cookie || invalidKe) && attempt >= MAX_INIT_RETRIES) return failInitiator(ctx, sa, "timeout", "too many IKE_SA_INIT retries");
  if (cookie && sa.plan) {
    // §2.6: retry with N(COOKIE) first and all other payloads unchanged.
    sa.plan.cookie = cookie.data;
    return sendIkeSaInit(ctx, sa, specs, onDone, attempt + 1);
  }
  if (invalidKe) return retryWithGroup(ctx, sa, specs, invalidKe.data, onDone, attempt);
  const error = findErrorNotify(r.payloads);
  if (error) return failInitiator(ctx, sa, notifyName(error.notifyType), "IKE_SA_INIT refused");
  const chosen = findPayload(r.payloads, PayloadType.SA);
  const kePayload = findPayload(r.payloads, PayloadType.KE);
  const nr = findPayload(r.payloads, PayloadType.NONCE);
  if (!chosen || chosen.proposals.length !== 1 || !kePayload || !nr || !sa.ke || !sa.Ni) {
    return failInitiator(ctx, sa, "INVALID_SYNTAX", "IKE_SA_INIT response lacks SA, KE or Nr");
  }
  // §3.3.6: the single returned proposal must be one we offered, with one transform of each type.
  const sel = selectProposal(chosen.proposals, specs, ProtocolId.IKE, { requireDh: true, ignoreDh: false });
  if (!sel || sel.suite.dhGroup !== sa.ke.group || kePayload.dhGroup !== sa.ke.group) {
    return failInitiator(ctx, sa, "NO_PROPOSAL_CHOSEN", "responder chose a proposal we did not offer");
  }
  const shared = sa.ke.computeShared(kePayload.keyData);
  if (!shared.ok) return failInitiator(ctx, sa, "INVALID_KE_PAYLOAD", shared.error.message);
  sa.spiR = r.header.spiR.slice();
  sa.Nr = nr.nonce.slice();
  sa.initResponse = r.raw.slice();
  sa.natDetected = detectNat(sa, r.payloads, sa.spiR);
  sa.fragmentation = fragmentationAgreed(ctx, r.payloads);
  notePeerCertificatePreferences(sa, r.payloads);
  floatToNattPort(sa);
  if (!installInitialKeys(sa, sel.suite, shared.value, sa.Ni, sa.Nr, ctx.exportKeys)) return failInitiator(ctx, sa, "NO_PROPOSAL_CHOSEN", "suite not implemented");
  sa.ke.wipe();
  sa.ke = undefined;
  onDone();
}

function retryWithGroup(ctx: IkeContext, sa: IkeSa, specs: readonly ProposalSpec[], data: Uint8Array, onDone: () => void, attempt: number): void {
  const group = data.length === 2 ? ((data[0] ?? 0) << 8) | (data[1] ?? 0) : 0;
  // §1.2: retry with the group the responder asked for, if we offered it.
  if (!specs.some((s) => s.dh.includes(group))) return failInitiator(ctx, sa, "INVALID_KE_PAYLOAD", `responder wants DH group ${group}, which we did not offer`);
  sa.ke?.wipe();
  sa.ke = createKeyExchange(group);
  ctx.counters.add("ike_invalid_ke_retries");
  sendIkeSaInit(ctx, sa, specs, onDone, attempt + 1);
}

/** RFC 7383 §2.3: an empty IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT, unless fragmentation is off. */
function fragmentationNotify(ctx: IkeContext): Payload[] {
  return ctx.fragmentSize > 0 ? [notify(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED, new Uint8Array(0))] : [];
}

/** Fragmentation is used when both peers sent the notify (the responder only answers one it got). */
function fragmentationAgreed(ctx: IkeContext, peer: readonly Payload[]): boolean {
  return ctx.fragmentSize > 0 && findNotify(peer, NotifyType.IKEV2_FRAGMENTATION_SUPPORTED) !== undefined;
}

/** The peer hashed the SPIs as they stood in its message's header: SPIr is still zero in the request. */
function detectNat(sa: IkeSa, payloads: readonly Payload[], spiR: Uint8Array): boolean {
  const sources = findPayloads(payloads, PayloadType.NOTIFY).filter((n) => n.notifyType === NotifyType.NAT_DETECTION_SOURCE_IP).map((n) => n.data);
  const dest = findNotify(payloads, NotifyType.NAT_DETECTION_DESTINATION_IP)?.data;
  return natBetween(sa.spiI, spiR, sa.local, sa.remote, sources, dest);
}

/** §2.23: with a NAT (here always, encapsulation is forced) the initiator moves to the NAT-T ports for IKE_AUTH on. */
function floatToNattPort(sa: IkeSa): void {
  const ports = sa.plan?.nattPorts ?? { local: NATT_PORT, remote: NATT_PORT };
  sa.local = { address: sa.local.address, port: ports.local };
  sa.remote = { address: sa.remote.address, port: ports.remote };
}

export function notifyName(type: number): string {
  const entry = Object.entries(NotifyType).find(([, v]) => v === type);
  return entry ? entry[0] : `NOTIFY_${type}`;
}

/** An unprotected IKE_SA_INIT response that keeps no state: COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN. */
export function sendStatelessInitResponse(ctx: IkeContext, request: IkeHeader, local: Endpoint, remote: Endpoint, payloads: readonly Payload[]): void {
  const msg = encodeMessage(
    { spiI: request.spiI, spiR: ZERO_SPI, version: IKE_VERSION, exchangeType: request.exchangeType, flags: HeaderFlag.RESPONSE, messageId: 0 },
    payloads,
  );
  ctx.sender.send(msg, local, remote);
}

/** Refuses an IKE_SA_INIT request statelessly with one error Notify; counted and logged by `why`. */
export function refuseIkeSaInit(ctx: IkeContext, request: IkeHeader, local: Endpoint, remote: Endpoint, type: number, data: Uint8Array, why = notifyName(type)): undefined {
  ctx.counters.add(`ike_sa_init_refused{reason="${why}"}`);
  ctx.log.info("ike", "IKE_SA_INIT refused", { remote: remote.address, reason: why });
  sendStatelessInitResponse(ctx, request, local, remote, [notify(type, data)]);
  return undefined;
}

export interface InitRequest {
  readonly header: IkeHeader;
  readonly payloads: readonly Payload[];
  readonly raw: Uint8Array;
}

/**
 * Responder side: validates the offer and builds the half-open IKE SA, or answers statelessly and
 * returns undefined. The caller has done the cookie check.
 */
export function acceptIkeSaInit(
  ctx: IkeContext, req: InitRequest, local: Endpoint, remote: Endpoint, specs: readonly ProposalSpec[], espSpecs: readonly ProposalSpec[],
  certificates?: ResponderCertificates,
): IkeSa | undefined {
  const offer = findPayload(req.payloads, PayloadType.SA);
  const kei = findPayload(req.payloads, PayloadType.KE);
  const ni = findPayload(req.payloads, PayloadType.NONCE);
  const refuse = (type: number, data: Uint8Array = new Uint8Array(0), why = notifyName(type)) => refuseIkeSaInit(ctx, req.header, local, remote, type, data, why);
  if (!offer || !kei || !ni) return refuse(NotifyType.INVALID_SYNTAX);
  const sel = selectProposal(offer.proposals, specs, ProtocolId.IKE, { requireDh: true, ignoreDh: false });
  if (!sel) return refuse(NotifyType.NO_PROPOSAL_CHOSEN);
  // §1.2: a KE of another group than the chosen one is answered with the group we want.
  if (kei.dhGroup !== sel.suite.dhGroup) return refuse(NotifyType.INVALID_KE_PAYLOAD, new Uint8Array([sel.suite.dhGroup >> 8, sel.suite.dhGroup & 0xff]));
  const ours = respondToKeyExchange(sel.suite.dhGroup, kei.keyData);
  if (!ours) return refuse(NotifyType.NO_PROPOSAL_CHOSEN);
  const shared = ours.shared;
  if (!shared.ok) return refuse(NotifyType.INVALID_SYNTAX, new Uint8Array(0), "invalid-ke-value");
  const sa = new IkeSa("responder", req.header.spiI.slice(), ctx.random(8), local, remote, ctx.clock.now(), specs, espSpecs);
  sa.Ni = ni.nonce.slice();
  sa.Nr = ctx.random(NONCE_LENGTH);
  sa.initRequest = req.raw.slice();
  sa.natDetected = detectNat(sa, req.payloads, ZERO_SPI);
  sa.fragmentation = fragmentationAgreed(ctx, req.payloads);
  notePeerCertificatePreferences(sa, req.payloads);
  const response: Payload[] = [
    saPayload([buildChosenProposal(sel.number, sel.suite, new Uint8Array(0))]),
    ke(ours.group, ours.publicValue),
    nonce(sa.Nr),
    notify(NotifyType.NAT_DETECTION_SOURCE_IP, forcedEncapsulationHash(ctx.random)),
    notify(NotifyType.NAT_DETECTION_DESTINATION_IP, natDetectionHash(sa.spiI, sa.spiR, remote)),
    ...(sa.fragmentation ? fragmentationNotify(ctx) : []),
    // RFC 7296 §3.7 / RFC 7427 §4: a responder with certificates asks for the peer's and names its hashes.
    ...(certificates ? [certReqPayload(certificates.trustAnchors), signatureHashNotify()] : []),
  ];
  sa.initResponse = encodeMessage(
    { spiI: sa.spiI, spiR: sa.spiR, version: IKE_VERSION, exchangeType: req.header.exchangeType, flags: HeaderFlag.RESPONSE, messageId: 0 },
    response,
  );
  if (!installInitialKeys(sa, sel.suite, shared.value, sa.Ni, sa.Nr, ctx.exportKeys)) return refuse(NotifyType.NO_PROPOSAL_CHOSEN);
  sa.lastResponse = { messageId: 0, datagrams: [sa.initResponse] };
  sa.nextPeerRequestId = 1;
  ctx.sender.send(sa.initResponse, local, remote);
  return sa;
}
