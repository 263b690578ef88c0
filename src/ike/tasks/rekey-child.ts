/**
 * Rekeying a CHILD SA with CREATE_CHILD_SA (RFC 7296 §1.3.3, §2.8):
 *   HDR, SK {N(REKEY_SA), SA, Ni, [KEi], TSi, TSr}  -->  <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
 * The new SA is installed before the old one is deleted, and the old inbound SA keeps accepting
 * packets until its Delete is answered, so a steady stream loses nothing.
 * When both ends rekey the same CHILD SA at once, the collision is resolved by the nonces (§2.8.1).
 */
import type { NotifyPayload, Payload } from "../codec/payloads.js";
import type { IkeContext } from "../context.js";
import { createKeyExchange, type KeyExchange } from "../crypto/dh.js";
import { dhProfileViolation } from "../crypto/suites.js";
import { queueRequest, respond } from "../exchange.js";
import { findErrorNotify, findPayload, ke, nonce, notify, sa as saPayload, tsi, tsr } from "../payload-builders.js";
import { buildChosenProposal, selectProposal, specOf } from "../proposal.js";
import { ExchangeType, NotifyType, PayloadType, ProtocolId } from "../registry.js";
import { spiHex, type ChildSa } from "../sa/child-sa.js";
import type { IkeSa } from "../sa/ike-sa.js";
import { narrowSelectors } from "../traffic-selector.js";
import { toHex } from "../../wire/hex.js";
import { allocateSpi, createChildSa, spiBytes, spiFromBytes } from "./child-keys.js";
import { NONCE_LENGTH, notifyName } from "./ike-sa-init.js";
import { deleteChildSa } from "./informational.js";
import { refuseCreateChildSa } from "./refusal.js";

function announceRekey(ctx: IkeContext, sa: IkeSa, old: ChildSa, fresh: ChildSa): void {
  ctx.counters.add("child_sa_rekeyed");
  ctx.log.info("ike", "CHILD SA rekeyed", { sa: sa.name, oldSpiIn: spiHex(old.spiIn), spiIn: spiHex(fresh.spiIn) });
  ctx.emit({ event: "child-sa-rekeyed", spiI: toHex(sa.spiI), oldSpiIn: spiHex(old.spiIn), spiIn: spiHex(fresh.spiIn), spiOut: spiHex(fresh.spiOut) });
}

function install(ctx: IkeContext, sa: IkeSa, old: ChildSa, fresh: ChildSa): void {
  sa.addChild(fresh);
  ctx.sink.install(sa, fresh);
  old.state = "rekeyed";
  announceRekey(ctx, sa, old, fresh);
}

/** We rekey `child`: same algorithms, new SPIs and keys (with PFS when the CHILD SA has a DH group). */
export function rekeyChildSa(ctx: IkeContext, sa: IkeSa, child: ChildSa): void {
  const spiIn = allocateSpi(ctx);
  const Ni = ctx.random(NONCE_LENGTH);
  let kex: KeyExchange | undefined;
  queueRequest(ctx, sa, {
    exchangeType: ExchangeType.CREATE_CHILD_SA,
    build: () => {
      if (child.state !== "installed" || sa.state !== "established") return undefined;
      kex = child.suite.dhGroup !== 0 ? createKeyExchange(child.suite.dhGroup) : undefined;
      return [
        notify(NotifyType.REKEY_SA, new Uint8Array(0), ProtocolId.ESP, spiBytes(child.spiIn)),
        saPayload([buildChosenProposal(1, child.suite, spiBytes(spiIn))]),
        nonce(Ni),
        ...(kex ? [ke(kex.group, kex.publicValue)] : []),
        tsi(child.tsLocal),
        tsr(child.tsRemote),
      ];
    },
    onResponse: (r) => {
      const failure = completeRekey(ctx, sa, child, spiIn, Ni, kex, r.payloads);
      kex?.wipe();
      if (failure) {
        ctx.counters.add(`child_sa_rekey_failed{reason="${failure}"}`);
        ctx.log.warn("ike", "CHILD SA rekey refused", { sa: sa.name, spiIn: spiHex(child.spiIn), reason: failure });
      }
    },
  });
}

function completeRekey(ctx: IkeContext, sa: IkeSa, old: ChildSa, spiIn: number, Ni: Uint8Array, kex: KeyExchange | undefined, payloads: readonly Payload[]): string | undefined {
  const error = findErrorNotify(payloads);
  if (error) return notifyName(error.notifyType);
  const chosen = findPayload(payloads, PayloadType.SA);
  const nr = findPayload(payloads, PayloadType.NONCE);
  const tsiP = findPayload(payloads, PayloadType.TSi);
  const tsrP = findPayload(payloads, PayloadType.TSr);
  if (!chosen || !nr || !tsiP || !tsrP) return "INVALID_SYNTAX";
  const sel = selectProposal(chosen.proposals, [specOf(old.suite)], ProtocolId.ESP, { requireDh: kex !== undefined, ignoreDh: false });
  const spiOut = sel ? spiFromBytes(sel.suite.spi) : undefined;
  if (!sel || spiOut === undefined) return "NO_PROPOSAL_CHOSEN";
  let gir: Uint8Array | undefined;
  if (kex) {
    const ker = findPayload(payloads, PayloadType.KE);
    const shared = ker && ker.dhGroup === kex.group ? kex.computeShared(ker.keyData) : undefined;
    if (!shared?.ok) return "INVALID_KE_PAYLOAD";
    gir = shared.value;
  }
  const fresh = createChildSa(ctx, sa, { suite: sel.suite, spiIn, spiOut, tsLocal: tsiP.selectors, tsRemote: tsrP.selectors, Ni, Nr: nr.nonce, weInitiated: true, gir, rekeyOf: old });
  if (!fresh) return "NO_PROPOSAL_CHOSEN";
  const collision = rekeyCollision(ctx, sa, old, lowerNonce(Ni, nr.nonce));
  if (collision === "redundant") {
    // It replaces nothing and never sends: the peer's pair takes over from `old` (§2.8).
    fresh.outboundActive = false;
    fresh.rekeyOf = undefined;
  }
  install(ctx, sa, old, fresh);
  if (collision === "redundant") deleteChildSa(ctx, sa, fresh, "redundant");
  else deleteChildSa(ctx, sa, old, "rekeyed");
  return undefined;
}

/**
 * RFC 7296 §2.8.1: "'Lowest' means an octet-by-octet comparison ... If you reach the end of one
 * nonce, that nonce is the lower one." Negative when `a` is the lower.
 */
export function compareNonces(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function lowerNonce(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareNonces(a, b) <= 0 ? a : b;
}

/**
 * Our rekey of `old` completed, the lower nonce of our exchange being `ours`. Alone (undefined), we
 * delete `old` (§2.8). If the peer rekeyed `old` too (§2.8.1), "the SA created with the lowest of
 * the four nonces used in the two exchanges SHOULD be closed by the endpoint that created it", and
 * "the node that initiated the surviving rekeyed SA should delete the replaced SA": ours is then
 * "redundant" (we close it) or "surviving" (we delete `old`); the peer runs the same comparison.
 */
function rekeyCollision(ctx: IkeContext, sa: IkeSa, old: ChildSa, ours: Uint8Array): "redundant" | "surviving" | undefined {
  const theirs = old.peerRekeyNonce;
  if (theirs === undefined) return undefined;
  const verdict = compareNonces(ours, theirs) < 0 ? "redundant" : "surviving";
  ctx.counters.add("child_sa_rekey_collisions");
  ctx.log.info("ike", "simultaneous CHILD SA rekey", { sa: sa.name, oldSpiIn: spiHex(old.spiIn), ours: verdict });
  return verdict;
}

/** The peer rekeys one of our CHILD SAs: answer SA, Nr, [KEr], TSi, TSr and install the new pair. */
export function answerChildRekey(ctx: IkeContext, sa: IkeSa, messageId: number, payloads: readonly Payload[], oldSpiOut: number): void {
  const refuse = (error: NotifyPayload) => refuseCreateChildSa(ctx, sa, messageId, error, { rekeySpi: spiHex(oldSpiOut) });
  // §2.25: only a CHILD SA of this IKE SA can be rekeyed here; another UE's SPI is not found.
  const found = sa.children.find((c) => c.spiOut === oldSpiOut);
  // §2.25.1: "a request to rekey a Child SA that it is currently trying to close" gets TEMPORARY_FAILURE.
  if (found?.state === "deleting") return refuse(notify(NotifyType.TEMPORARY_FAILURE));
  const old = found?.state === "installed" ? found : undefined;
  if (!old) return refuse(notify(NotifyType.CHILD_SA_NOT_FOUND, new Uint8Array(0), ProtocolId.ESP, spiBytes(oldSpiOut)));
  const offer = findPayload(payloads, PayloadType.SA);
  const niP = findPayload(payloads, PayloadType.NONCE);
  const tsiP = findPayload(payloads, PayloadType.TSi);
  const tsrP = findPayload(payloads, PayloadType.TSr);
  if (!offer || !niP || !tsiP || !tsrP) return refuse(notify(NotifyType.INVALID_SYNTAX));
  const sel = selectProposal(offer.proposals, [specOf(old.suite), ...sa.espProposals], ProtocolId.ESP, {
    requireDh: false, ignoreDh: false, dhAllowed: (g) => dhProfileViolation(g) === undefined,
  });
  const spiOut = sel ? spiFromBytes(sel.suite.spi) : undefined;
  if (!sel || spiOut === undefined) return refuse(notify(NotifyType.NO_PROPOSAL_CHOSEN));
  const dh = answerKe(sel.suite.dhGroup, findPayload(payloads, PayloadType.KE));
  if (!dh.ok) return refuse(notify(dh.notifyType, dh.data));
  // §2.9: the new pair may not widen what the old one allowed.
  const tsRemote = narrowSelectors(tsiP.selectors, old.tsRemote);
  const tsLocal = narrowSelectors(tsrP.selectors, old.tsLocal);
  if (tsRemote.length === 0 || tsLocal.length === 0) return refuse(notify(NotifyType.TS_UNACCEPTABLE));
  const spiIn = allocateSpi(ctx);
  const Nr = ctx.random(NONCE_LENGTH);
  const fresh = createChildSa(ctx, sa, { suite: sel.suite, spiIn, spiOut, tsLocal, tsRemote, Ni: niP.nonce, Nr, weInitiated: false, gir: dh.gir, rekeyOf: old });
  if (!fresh) return refuse(notify(NotifyType.NO_PROPOSAL_CHOSEN));
  // §2.8.1: if our own rekey of `old` is in flight, "note the situation and respond as usual".
  old.peerRekeyNonce = lowerNonce(niP.nonce, Nr);
  respond(ctx, sa, ExchangeType.CREATE_CHILD_SA, messageId, [
    saPayload([buildChosenProposal(sel.number, sel.suite, spiBytes(spiIn))]),
    nonce(Nr),
    ...(dh.kex ? [ke(dh.kex.group, dh.kex.publicValue)] : []),
    tsi(tsRemote),
    tsr(tsLocal),
  ]);
  dh.kex?.wipe();
  install(ctx, sa, old, fresh);
}

type KeAnswer =
  | { ok: true; kex?: KeyExchange | undefined; gir?: Uint8Array | undefined }
  | { ok: false; notifyType: number; data: Uint8Array };

/** PFS on the responder side: our KE for the chosen group, or INVALID_KE_PAYLOAD naming it (§1.3). */
export function answerKe(group: number, kei: { dhGroup: number; keyData: Uint8Array } | undefined): KeAnswer {
  if (group === 0) return { ok: true };
  if (!kei || kei.dhGroup !== group) return { ok: false, notifyType: NotifyType.INVALID_KE_PAYLOAD, data: new Uint8Array([group >> 8, group & 0xff]) };
  const kex = createKeyExchange(group);
  const shared = kex?.computeShared(kei.keyData);
  if (!kex || !shared?.ok) {
    kex?.wipe();
    return { ok: false, notifyType: NotifyType.INVALID_SYNTAX, data: new Uint8Array(0) };
  }
  return { ok: true, kex, gir: shared.value };
}
