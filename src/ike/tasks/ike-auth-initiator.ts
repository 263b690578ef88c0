/**
 * IKE_AUTH, initiator side, with a pre-shared key (RFC 7296 §1.2, §2.15, §3.15):
 *   HDR, SK {IDi, AUTH, CP(CFG_REQUEST), SAi2, TSi, TSr}  -->
 *                            <--  HDR, SK {IDr, AUTH, CP(CFG_REPLY), SAr2, TSi, TSr}
 */
import type { Payload } from "../codec/payloads.js";
import type { IkeContext } from "../context.js";
import { wipe } from "../crypto/keymat.js";
import { queueRequest } from "../exchange.js";
import { cp, findErrorNotify, findPayload, idi, sa as saPayload, tsi, tsr } from "../payload-builders.js";
import { buildProposals, selectProposal, withPfsGroup } from "../proposal.js";
import { CfgAttribute, CfgType, ExchangeType, PayloadType, ProtocolId } from "../registry.js";
import { certReqPayload, proveOurselves, verifyPeer } from "./authentication.js";
import type { IkeSa, ReceivedResponse } from "../sa/ike-sa.js";
import { selectorsWithin } from "../traffic-selector.js";
import { allocateSpi, createChildSa, spiBytes, spiFromBytes } from "./child-keys.js";
import { failInitiator } from "./failure.js";
import { notifyName } from "./ike-sa-init.js";
import { announceChildUp, announceIkeUp } from "./announce.js";
import { deleteIkeSa } from "./informational.js";

export function sendIkeAuth(ctx: IkeContext, sa: IkeSa): void {
  sa.state = "authenticating";
  const spiIn = allocateSpi(ctx);
  queueRequest(ctx, sa, {
    exchangeType: ExchangeType.IKE_AUTH,
    build: () => buildAuthRequest(sa, spiIn),
    onResponse: (r) => onAuthResponse(ctx, sa, spiIn, r),
  });
}

function buildAuthRequest(sa: IkeSa, spiIn: number): readonly Payload[] | undefined {
  const { plan, idi: id } = sa;
  if (!plan || !id) return undefined;
  const idPayload = idi(id.idType, id.data);
  const proof = proveOurselves(sa, plan.credentials, idPayload);
  if (!proof) return undefined;
  // RFC 7296 §3.7: ask for certificates from the CAs we trust.
  const certReq: Payload[] = plan.trustAnchors ? [certReqPayload(plan.trustAnchors)] : [];
  const payloads: Payload[] = [idPayload, ...certReq, ...proof];
  if (plan.requestVirtualIp) payloads.push(cp(CfgType.CFG_REQUEST, [{ type: CfgAttribute.INTERNAL_IP4_ADDRESS, value: new Uint8Array(0) }]));
  // RFC 7296 §1.2: the CHILD SA of IKE_AUTH takes its keys from the IKE SA, so its proposals carry no DH.
  payloads.push(saPayload(buildProposals(plan.espProposals, ProtocolId.ESP, spiBytes(spiIn), false)), tsi(plan.tsi), tsr(plan.tsr));
  return payloads;
}

function onAuthResponse(ctx: IkeContext, sa: IkeSa, spiIn: number, r: ReceivedResponse): void {
  const { plan } = sa;
  if (!plan) return;
  const idrPayload = findPayload(r.payloads, PayloadType.IDr);
  if (!idrPayload || !findPayload(r.payloads, PayloadType.AUTH)) {
    const error = findErrorNotify(r.payloads);
    return failInitiator(ctx, sa, error ? notifyName(error.notifyType) : "INVALID_SYNTAX", "IKE_AUTH refused");
  }
  // §2.15: the responder's AUTH covers RealMessage2 | NonceIData | prf(SK_pr, IDr').
  const psk = plan.credentials.kind === "psk" ? plan.credentials.psk : undefined;
  const verdict = verifyPeer(sa, r.payloads, idrPayload, { psk, trustAnchors: plan.trustAnchors, crls: plan.crls, now: ctx.wallClock() });
  if (!verdict.ok) return failInitiator(ctx, sa, "AUTHENTICATION_FAILED", `responder not authenticated: ${verdict.reason}`);
  // TS 33.401 16.2.2: after a successful handshake the UE deletes the LWIP-PSK.
  if (psk) wipe(psk);
  sa.state = "established";
  announceIkeUp(ctx, sa);
  const childError = takeChild(ctx, sa, spiIn, r.payloads);
  if (childError) failChild(ctx, sa, childError);
}

/** Validates the responder's CHILD SA answer and installs it; returns a failure reason or undefined. */
function takeChild(ctx: IkeContext, sa: IkeSa, spiIn: number, payloads: readonly Payload[]): string | undefined {
  const { plan, Ni, Nr } = sa;
  if (!plan || !Ni || !Nr) return "INVALID_SYNTAX";
  const error = findErrorNotify(payloads);
  if (error) return notifyName(error.notifyType);
  const chosen = findPayload(payloads, PayloadType.SA);
  const tsiP = findPayload(payloads, PayloadType.TSi);
  const tsrP = findPayload(payloads, PayloadType.TSr);
  if (!chosen || chosen.proposals.length !== 1 || !tsiP || !tsrP) return "INVALID_SYNTAX";
  const sel = selectProposal(chosen.proposals, plan.espProposals, ProtocolId.ESP, { requireDh: false, ignoreDh: true });
  const spiOut = sel ? spiFromBytes(sel.suite.spi) : undefined;
  if (!sel || spiOut === undefined) return "NO_PROPOSAL_CHOSEN";
  // §2.9: the responder may only narrow what we proposed.
  if (!selectorsWithin(tsiP.selectors, plan.tsi) || !selectorsWithin(tsrP.selectors, plan.tsr)) return "TS_UNACCEPTABLE";
  if (plan.requestVirtualIp) {
    const reply = findPayload(payloads, PayloadType.CP);
    const address = reply?.attributes.find((a) => a.type === CfgAttribute.INTERNAL_IP4_ADDRESS && a.value.length >= 4);
    if (!address) return "FAILED_CP_REQUIRED";
    sa.virtualIp = address.value.slice(0, 4);
  }
  const child = createChildSa(ctx, sa, {
    suite: withPfsGroup(sel.suite, plan.espProposals), spiIn, spiOut, tsLocal: tsiP.selectors, tsRemote: tsrP.selectors, Ni, Nr, weInitiated: true,
  });
  if (!child) return "NO_PROPOSAL_CHOSEN";
  sa.addChild(child);
  ctx.sink.install(sa, child);
  announceChildUp(ctx, sa, child);
  return undefined;
}

/** An IKE SA without its CHILD SA is of no use to an LWIP UE: report and delete it. */
function failChild(ctx: IkeContext, sa: IkeSa, reason: string): void {
  ctx.counters.add(`child_sa_failed{reason="${reason}"}`);
  ctx.log.warn("ike", "CHILD SA not created", { sa: sa.name, reason });
  ctx.emit({ event: "ike-sa-failed", role: sa.role, reason, detail: "CHILD SA not created in IKE_AUTH", remote: `${sa.remote.address}:${sa.remote.port}`, idi: sa.idiHex });
  deleteIkeSa(ctx, sa);
}
