/**
 * The responder's half of the CHILD SA carried in IKE_AUTH (RFC 7296 §1.2, §2.9, §3.15): chooses an
 * ESP proposal, assigns a virtual address from the pool, narrows the selectors to
 * <virtual address> <-> <our side>, and answers CP(CFG_REPLY), SAr2, TSi, TSr or an error notify.
 */
import type { CfgAttr, Payload, TrafficSelector } from "../codec/payloads.js";
import type { IkeContext, ResponderPolicy } from "../context.js";
import { cp, findPayload, notify, sa as saPayload, tsi, tsr } from "../payload-builders.js";
import { buildChosenProposal, selectProposal, withPfsGroup } from "../proposal.js";
import { CfgAttribute, CfgType, NotifyType, PayloadType, ProtocolId } from "../registry.js";
import type { IkeSa } from "../sa/ike-sa.js";
import { hostSelector, narrowSelectors } from "../traffic-selector.js";
import { announceChildUp } from "./announce.js";
import { allocateSpi, createChildSa, spiBytes, spiFromBytes } from "./child-keys.js";
import { toHex } from "../../wire/hex.js";

export interface ChildOutcome {
  /** Payloads to add to the IKE_AUTH response. */
  readonly payloads: readonly Payload[];
  /** Whether commit() installs a CHILD SA (false: refused, or none was asked for). */
  readonly created: boolean;
  /** Installs the CHILD SA once the response is on its way. */
  commit(): void;
}

const NOTHING: ChildOutcome = { payloads: [], created: false, commit() {} };

function refusal(ctx: IkeContext, sa: IkeSa, notifyType: number, why: string): ChildOutcome {
  ctx.counters.add(`child_sa_refused{reason="${why}"}`);
  ctx.log.info("ike", "CHILD SA refused in IKE_AUTH", { sa: sa.name, reason: why, idi: sa.idiHex });
  return { payloads: [notify(notifyType)], created: false, commit() {} };
}

/** The pool's address for this SA, as CP attributes and a host selector; undefined if the pool is exhausted. */
function assignVirtualIp(sa: IkeSa, policy: ResponderPolicy, requested: readonly CfgAttr[]): { attrs: CfgAttr[]; selectors: TrafficSelector[] } | undefined {
  const attrs: CfgAttr[] = [];
  const selectors: TrafficSelector[] = [];
  const wants4 = requested.some((a) => a.type === CfgAttribute.INTERNAL_IP4_ADDRESS);
  const wants6 = requested.some((a) => a.type === CfgAttribute.INTERNAL_IP6_ADDRESS);
  for (const pool of policy.pools) {
    if ((pool.family === 4 && !wants4) || (pool.family === 6 && !wants6)) continue;
    // A flat string (sa.name is a concatenation of five), unique as the SPI we chose is.
    sa.leaseOwner ??= toHex(sa.localSpi);
    const address = pool.acquire(sa.leaseOwner);
    if (!address) return undefined;
    if (pool.family === 4) {
      attrs.push({ type: CfgAttribute.INTERNAL_IP4_ADDRESS, value: address });
      sa.virtualIp ??= address;
    } else {
      // RFC 7296 §3.15.1: INTERNAL_IP6_ADDRESS is the address followed by a prefix-length octet.
      attrs.push({ type: CfgAttribute.INTERNAL_IP6_ADDRESS, value: new Uint8Array([...address, 128]) });
    }
    selectors.push(hostSelector(address));
  }
  return attrs.length > 0 ? { attrs, selectors } : undefined;
}

/**
 * The CHILD SA of IKE_AUTH for an authenticated initiator. With `requireCp` the initiator must
 * have sent CP(CFG_REQUEST): RFC 7296 §3.10.1 FAILED_CP_REQUIRED, "Sent by responder in the case
 * where CP(CFG_REQUEST) was expected but not received".
 */
export function negotiateFirstChild(ctx: IkeContext, sa: IkeSa, policy: ResponderPolicy, payloads: readonly Payload[], requireCp = false): ChildOutcome {
  const request = findPayload(payloads, PayloadType.CP);
  const wantsAddress = request?.cfgType === CfgType.CFG_REQUEST;
  if (requireCp && !wantsAddress) return refusal(ctx, sa, NotifyType.FAILED_CP_REQUIRED, "failed-cp-required");
  const offer = findPayload(payloads, PayloadType.SA);
  const tsiP = findPayload(payloads, PayloadType.TSi);
  const tsrP = findPayload(payloads, PayloadType.TSr);
  if (!offer || !tsiP || !tsrP) return NOTHING;
  const sel = selectProposal(offer.proposals, policy.espProposals, ProtocolId.ESP, { requireDh: false, ignoreDh: true });
  const spiOut = sel ? spiFromBytes(sel.suite.spi) : undefined;
  if (!sel || spiOut === undefined) return refusal(ctx, sa, NotifyType.NO_PROPOSAL_CHOSEN, "no-proposal-chosen");
  const vip = wantsAddress ? assignVirtualIp(sa, policy, request.attributes) : undefined;
  if (wantsAddress && !vip) return refusal(ctx, sa, NotifyType.INTERNAL_ADDRESS_FAILURE, "address-pool-exhausted");
  const remoteAllowed = vip ? vip.selectors : sa.remoteTs ?? policy.remoteTs;
  const tsRemote = narrowSelectors(tsiP.selectors, remoteAllowed);
  const tsLocal = narrowSelectors(tsrP.selectors, sa.localTs ?? policy.localTs);
  if (tsRemote.length === 0 || tsLocal.length === 0) return refusal(ctx, sa, NotifyType.TS_UNACCEPTABLE, "ts-unacceptable");
  const spiIn = allocateSpi(ctx);
  const { Ni, Nr } = sa;
  if (!Ni || !Nr) return NOTHING;
  return {
    payloads: [
      ...(vip ? [cp(CfgType.CFG_REPLY, vip.attrs)] : []),
      saPayload([buildChosenProposal(sel.number, sel.suite, spiBytes(spiIn))]),
      tsi(tsRemote),
      tsr(tsLocal),
    ],
    created: true,
    commit() {
      const child = createChildSa(ctx, sa, { suite: withPfsGroup(sel.suite, policy.espProposals), spiIn, spiOut, tsLocal, tsRemote, Ni, Nr, weInitiated: false });
      if (!child) return;
      sa.addChild(child);
      ctx.sink.install(sa, child);
      announceChildUp(ctx, sa, child);
    },
  };
}
