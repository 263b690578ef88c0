/**
 * Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 §1.3.2, §2.18):
 *   HDR, SK {SA, Ni, KEi}  -->  <--  HDR, SK {SA, Nr, KEr}
 * SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr); the new SA takes over every CHILD SA, and the
 * rekey's initiator deletes the old SA. The rekey's initiator is the new SA's original initiator.
 */
import type { Payload } from "../codec/payloads.js";
import type { IkeContext } from "../context.js";
import { createKeyExchange, type KeyExchange } from "../crypto/dh.js";
import { deriveRekeySkeyseed, wipe } from "../crypto/keymat.js";
import { queueRequest, respond } from "../exchange.js";
import { findErrorNotify, findPayload, ke, nonce, notify, sa as saPayload } from "../payload-builders.js";
import { buildChosenProposal, selectProposal, specOf, type NegotiatedSuite } from "../proposal.js";
import { ExchangeType, NotifyType, PayloadType, ProtocolId } from "../registry.js";
import { IkeSa, type IkeRole } from "../sa/ike-sa.js";
import { toHex } from "../../wire/hex.js";
import { NONCE_LENGTH, notifyName } from "./ike-sa-init.js";
import { installIkeKeys } from "./ike-keys.js";
import { answerKe } from "./rekey-child.js";
import { deleteIkeSa } from "./informational.js";
import { refuseCreateChildSa } from "./refusal.js";

interface Successor {
  readonly role: IkeRole;
  readonly spiI: Uint8Array;
  readonly spiR: Uint8Array;
  readonly suite: NegotiatedSuite;
  readonly gir: Uint8Array;
  readonly Ni: Uint8Array;
  readonly Nr: Uint8Array;
}

/** Builds the new IKE SA, moves the CHILD SAs over and registers it; undefined if keys cannot be made. */
function succeed(ctx: IkeContext, old: IkeSa, s: Successor): IkeSa | undefined {
  if (!old.crypto) return undefined;
  const fresh = new IkeSa(s.role, s.spiI, s.spiR, old.local, old.remote, ctx.clock.now(), old.ikeProposals, old.espProposals);
  const skeyseed = deriveRekeySkeyseed(old.crypto.prf, old.crypto.keys.SK_d, s.gir, s.Ni, s.Nr);
  wipe(s.gir);
  if (!installIkeKeys(fresh, s.suite, skeyseed, s.Ni, s.Nr, ctx.exportKeys)) return undefined;
  fresh.state = "established";
  fresh.idi = old.idi;
  fresh.virtualIp = old.virtualIp;
  fresh.leaseOwner = old.leaseOwner;
  fresh.natDetected = old.natDetected;
  // RFC 7383 §2.3 negotiates fragmentation in IKE_SA_INIT only: the rekeyed SA keeps it (as strongSwan does).
  fresh.fragmentation = old.fragmentation;
  for (const child of old.children.splice(0)) fresh.addChild(child);
  old.rekeyedTo = fresh;
  ctx.sink.rehome(old, fresh);
  ctx.register(fresh);
  ctx.counters.add("ike_sa_rekeyed");
  ctx.log.info("ike", "IKE SA rekeyed", { old: old.name, sa: fresh.name });
  ctx.emit({ event: "ike-sa-rekeyed", oldSpiI: toHex(old.spiI), oldSpiR: toHex(old.spiR), spiI: toHex(fresh.spiI), spiR: toHex(fresh.spiR) });
  return fresh;
}

/** We rekey the IKE SA; `onNew` learns the successor (e.g. to move timers to it). */
export function rekeyIkeSa(ctx: IkeContext, sa: IkeSa, onNew: (fresh: IkeSa) => void): void {
  const suite = sa.suite;
  if (!suite || sa.state !== "established") return;
  const spi = ctx.random(8);
  const Ni = ctx.random(NONCE_LENGTH);
  let kex: KeyExchange | undefined;
  queueRequest(ctx, sa, {
    exchangeType: ExchangeType.CREATE_CHILD_SA,
    build: () => {
      if (sa.state !== "established") return undefined;
      kex = createKeyExchange(suite.dhGroup);
      return kex ? [saPayload([buildChosenProposal(1, suite, spi)]), nonce(Ni), ke(kex.group, kex.publicValue)] : undefined;
    },
    onResponse: (r) => {
      const outcome = completeIkeRekey(ctx, sa, suite, spi, Ni, kex, r.payloads);
      kex?.wipe();
      if (typeof outcome === "string") {
        ctx.counters.add(`ike_sa_rekey_failed{reason="${outcome}"}`);
        ctx.log.warn("ike", "IKE SA rekey refused", { sa: sa.name, reason: outcome });
        return;
      }
      onNew(outcome);
      // Deleted while the rekey was in flight (RFC 7296 §1.4.1): the successor goes as well.
      if (sa.state === "deleting" || sa.state === "dead") deleteIkeSa(ctx, outcome);
      else deleteIkeSa(ctx, sa);
    },
  });
}

function completeIkeRekey(ctx: IkeContext, sa: IkeSa, suite: NegotiatedSuite, spi: Uint8Array, Ni: Uint8Array, kex: KeyExchange | undefined, payloads: readonly Payload[]): IkeSa | string {
  const error = findErrorNotify(payloads);
  if (error) return notifyName(error.notifyType);
  const chosen = findPayload(payloads, PayloadType.SA);
  const nr = findPayload(payloads, PayloadType.NONCE);
  const ker = findPayload(payloads, PayloadType.KE);
  if (!chosen || !nr || !ker || !kex) return "INVALID_SYNTAX";
  const sel = selectProposal(chosen.proposals, [specOf(suite)], ProtocolId.IKE, { requireDh: true, ignoreDh: false });
  if (!sel || sel.suite.spi.length !== 8 || ker.dhGroup !== kex.group) return "NO_PROPOSAL_CHOSEN";
  const shared = kex.computeShared(ker.keyData);
  if (!shared.ok) return "INVALID_KE_PAYLOAD";
  const fresh = succeed(ctx, sa, { role: "initiator", spiI: spi, spiR: sel.suite.spi.slice(), suite: sel.suite, gir: shared.value, Ni, Nr: nr.nonce });
  return fresh ?? "NO_PROPOSAL_CHOSEN";
}

/** The peer rekeys our IKE SA: answer SA, Nr, KEr; the peer deletes the old SA afterwards. */
export function answerIkeRekey(ctx: IkeContext, sa: IkeSa, messageId: number, payloads: readonly Payload[]): IkeSa | undefined {
  const refuse = (type: number, data?: Uint8Array) => void refuseCreateChildSa(ctx, sa, messageId, notify(type, data), { rekey: "IKE" });
  const offer = findPayload(payloads, PayloadType.SA);
  const niP = findPayload(payloads, PayloadType.NONCE);
  if (!offer || !niP || !sa.suite) return refuse(NotifyType.INVALID_SYNTAX);
  const sel = selectProposal(offer.proposals, [specOf(sa.suite), ...sa.ikeProposals], ProtocolId.IKE, { requireDh: true, ignoreDh: false });
  if (!sel || sel.suite.spi.length !== 8) return refuse(NotifyType.NO_PROPOSAL_CHOSEN);
  const dh = answerKe(sel.suite.dhGroup, findPayload(payloads, PayloadType.KE));
  if (!dh.ok) return refuse(dh.notifyType, dh.data);
  if (!dh.kex || !dh.gir) return refuse(NotifyType.INVALID_SYNTAX);
  const spi = ctx.random(8);
  const Nr = ctx.random(NONCE_LENGTH);
  respond(ctx, sa, ExchangeType.CREATE_CHILD_SA, messageId, [saPayload([buildChosenProposal(sel.number, sel.suite, spi)]), nonce(Nr), ke(dh.kex.group, dh.kex.publicValue)]);
  dh.kex.wipe();
  return succeed(ctx, sa, { role: "responder", spiI: sel.suite.spi.slice(), spiR: spi, suite: sel.suite, gir: dh.gir, Ni: niP.nonce, Nr });
}
