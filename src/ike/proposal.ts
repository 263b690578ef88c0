/**
 * Proposals: the strongSwan-style strings operators write ("aes128gcm16-prfsha256-ecp256",
 * "aes128-sha256-modp2048", "aes128gcm16"), the SA payload proposals built from them, and the
 * responder's choice among offered proposals (RFC 7296 §2.7, §3.3).
 */
import { DhGroup, EncrId, EsnId, IntegId, PrfId, ProtocolId, TransformAttribute, TransformType } from "./registry.js";
import type { Proposal, Transform } from "./codec/payloads.js";

export interface EncrChoice {
  readonly id: number;
  readonly keyBits: number;
}

/** One configured proposal: the acceptable algorithms of each transform type. */
export interface ProposalSpec {
  readonly encr: readonly EncrChoice[];
  readonly integ: readonly number[];
  readonly prf: readonly number[];
  readonly dh: readonly number[];
  readonly esn: readonly number[];
}

/** What an exchange settled on: one algorithm per transform type. 0 means "none" (integ with AEAD, dh without PFS). */
export interface NegotiatedSuite {
  readonly protocolId: number;
  readonly encrId: number;
  readonly encrKeyBits: number;
  readonly integId: number;
  readonly prfId: number;
  readonly dhGroup: number;
  readonly esn: boolean;
  /** The SPI the peer put in its proposal (its inbound SPI for ESP, its IKE SPI on rekey). */
  readonly spi: Uint8Array;
}

const ENCR_TOKENS: Readonly<Record<string, EncrChoice>> = {
  aes128: { id: EncrId.ENCR_AES_CBC, keyBits: 128 },
  aes192: { id: EncrId.ENCR_AES_CBC, keyBits: 192 },
  aes256: { id: EncrId.ENCR_AES_CBC, keyBits: 256 },
  aes128gcm16: { id: EncrId.ENCR_AES_GCM_16, keyBits: 128 },
  aes256gcm16: { id: EncrId.ENCR_AES_GCM_16, keyBits: 256 },
  aes128gcm128: { id: EncrId.ENCR_AES_GCM_16, keyBits: 128 },
  aes256gcm128: { id: EncrId.ENCR_AES_GCM_16, keyBits: 256 },
  "3des": { id: EncrId.ENCR_3DES, keyBits: 0 },
  des: { id: EncrId.ENCR_DES, keyBits: 0 },
  null: { id: EncrId.ENCR_NULL, keyBits: 0 },
};

/** A hash token names both the integrity algorithm and, for IKE without an explicit prf, the PRF. */
const HASH_TOKENS: Readonly<Record<string, { integ: number; prf: number }>> = {
  md5: { integ: IntegId.AUTH_HMAC_MD5_96, prf: PrfId.PRF_HMAC_MD5 },
  sha1: { integ: IntegId.AUTH_HMAC_SHA1_96, prf: PrfId.PRF_HMAC_SHA1 },
  sha: { integ: IntegId.AUTH_HMAC_SHA1_96, prf: PrfId.PRF_HMAC_SHA1 },
  sha256: { integ: IntegId.AUTH_HMAC_SHA2_256_128, prf: PrfId.PRF_HMAC_SHA2_256 },
  sha384: { integ: IntegId.AUTH_HMAC_SHA2_384_192, prf: PrfId.PRF_HMAC_SHA2_384 },
  sha512: { integ: IntegId.AUTH_HMAC_SHA2_512_256, prf: PrfId.PRF_HMAC_SHA2_512 },
};

const PRF_TOKENS: Readonly<Record<string, number>> = {
  prfmd5: PrfId.PRF_HMAC_MD5,
  prfsha1: PrfId.PRF_HMAC_SHA1,
  prfsha256: PrfId.PRF_HMAC_SHA2_256,
  prfsha384: PrfId.PRF_HMAC_SHA2_384,
  prfsha512: PrfId.PRF_HMAC_SHA2_512,
};

const DH_TOKENS: Readonly<Record<string, number>> = {
  modp768: DhGroup.MODP_768,
  modp1024: DhGroup.MODP_1024,
  modp1536: DhGroup.MODP_1536,
  modp2048: DhGroup.MODP_2048,
  modp3072: DhGroup.MODP_3072,
  modp4096: DhGroup.MODP_4096,
  ecp256: DhGroup.ECP_256,
  ecp384: DhGroup.ECP_384,
  ecp521: DhGroup.ECP_521,
  curve25519: DhGroup.CURVE25519,
  x25519: DhGroup.CURVE25519,
};

export type ProposalParse = { ok: true; spec: ProposalSpec } | { ok: false; error: string };

/**
 * Parses one proposal in strongSwan syntax. `kind` decides the defaults: an IKE proposal with a
 * hash and no prf token uses the hash's PRF; an ESP proposal without esn/noesn offers NO_ESN.
 */
export function parseProposal(text: string, kind: "ike" | "esp"): ProposalParse {
  const encr: EncrChoice[] = [];
  const integ: number[] = [];
  const prf: number[] = [];
  const dh: number[] = [];
  const esn: number[] = [];
  const hashPrfs: number[] = [];
  for (const token of text.trim().toLowerCase().split("-")) {
    const e = ENCR_TOKENS[token];
    const h = HASH_TOKENS[token];
    const p = PRF_TOKENS[token];
    const d = DH_TOKENS[token];
    if (e) encr.push(e);
    else if (h) {
      integ.push(h.integ);
      hashPrfs.push(h.prf);
    } else if (p !== undefined) prf.push(p);
    else if (d !== undefined) dh.push(d);
    else if (token === "esn") esn.push(EsnId.ESN);
    else if (token === "noesn") esn.push(EsnId.NO_ESN);
    else return { ok: false, error: `unknown algorithm "${token}" in proposal "${text}"` };
  }
  if (encr.length === 0) return { ok: false, error: `proposal "${text}" names no encryption algorithm` };
  const aead = encr.every((c) => isAeadEncr(c.id));
  if (!aead && integ.length === 0) return { ok: false, error: `proposal "${text}" needs an integrity algorithm` };
  if (kind === "ike") {
    if (prf.length === 0) prf.push(...hashPrfs);
    if (prf.length === 0) return { ok: false, error: `IKE proposal "${text}" needs a PRF (e.g. prfsha256)` };
    if (dh.length === 0) return { ok: false, error: `IKE proposal "${text}" needs a DH group` };
  } else if (esn.length === 0) esn.push(EsnId.NO_ESN);
  return { ok: true, spec: { encr, integ: aead ? [] : integ, prf: kind === "ike" ? prf : [], dh, esn: kind === "esp" ? esn : [] } };
}

/** Parses a comma-separated list of proposals. */
export function parseProposalList(text: string, kind: "ike" | "esp"): { ok: true; specs: ProposalSpec[] } | { ok: false; error: string } {
  const specs: ProposalSpec[] = [];
  for (const part of text.split(",").filter((s) => s.trim() !== "")) {
    const r = parseProposal(part, kind);
    if (!r.ok) return r;
    specs.push(r.spec);
  }
  return specs.length > 0 ? { ok: true, specs } : { ok: false, error: "empty proposal list" };
}

export function isAeadEncr(encrId: number): boolean {
  return encrId === EncrId.ENCR_AES_GCM_8 || encrId === EncrId.ENCR_AES_GCM_12 || encrId === EncrId.ENCR_AES_GCM_16;
}

function encrTransform(c: EncrChoice): Transform {
  const attributes = c.keyBits > 0 ? [{ type: TransformAttribute.KEY_LENGTH, value: c.keyBits }] : [];
  return { type: TransformType.ENCR, id: c.id, attributes };
}

function plain(type: number, id: number): Transform {
  return { type, id, attributes: [] };
}

/**
 * The SA payload proposals for our offer. `withDh` false strips DH transforms, as for the CHILD SA
 * carried in IKE_AUTH, whose keys come from the IKE SA's exchange (RFC 7296 §1.2).
 */
export function buildProposals(specs: readonly ProposalSpec[], protocolId: number, spi: Uint8Array, withDh = true): Proposal[] {
  return specs.map((s, i) => ({
    number: i + 1,
    protocolId,
    spi,
    transforms: [
      ...s.encr.map(encrTransform),
      ...s.prf.map((id) => plain(TransformType.PRF, id)),
      ...s.integ.map((id) => plain(TransformType.INTEG, id)),
      ...(withDh ? s.dh.map((id) => plain(TransformType.DH, id)) : []),
      ...s.esn.map((id) => plain(TransformType.ESN, id)),
    ],
  }));
}

/** The single-proposal answer a responder puts in its SA payload (RFC 7296 §3.3: same Proposal Num as chosen). */
export function buildChosenProposal(number: number, suite: NegotiatedSuite, spi: Uint8Array): Proposal {
  const transforms: Transform[] = [encrTransform({ id: suite.encrId, keyBits: suite.encrKeyBits })];
  if (suite.prfId !== 0) transforms.push(plain(TransformType.PRF, suite.prfId));
  if (suite.integId !== 0) transforms.push(plain(TransformType.INTEG, suite.integId));
  if (suite.dhGroup !== 0) transforms.push(plain(TransformType.DH, suite.dhGroup));
  if (suite.protocolId !== ProtocolId.IKE) transforms.push(plain(TransformType.ESN, suite.esn ? EsnId.ESN : EsnId.NO_ESN));
  return { number, protocolId: suite.protocolId, spi, transforms };
}

function keyBitsOf(t: Transform): number {
  const a = t.attributes.find((x) => x.type === TransformAttribute.KEY_LENGTH);
  return a && typeof a.value === "number" ? a.value : 0;
}

export interface SelectOptions {
  /** DH must be agreed (IKE SA, or CHILD SA with PFS in CREATE_CHILD_SA). */
  readonly requireDh: boolean;
  /** Ignore DH transforms entirely (CHILD SA in IKE_AUTH). */
  readonly ignoreDh: boolean;
  /**
   * When our spec names no DH group, accept any group the peer offers that `dhAllowed` admits
   * (a CHILD SA rekey with PFS asked by the peer: more forward secrecy than our policy requires).
   */
  readonly dhAllowed?: (group: number) => boolean;
}

/** Picks one algorithm per type from an offered proposal that one of our specs accepts, or undefined. */
function matchOne(offer: Proposal, spec: ProposalSpec, opts: SelectOptions): Omit<NegotiatedSuite, "protocolId" | "spi"> | undefined {
  const of = (type: number) => offer.transforms.filter((t) => t.type === type);
  const encr = of(TransformType.ENCR).find((t) => spec.encr.some((c) => c.id === t.id && c.keyBits === keyBitsOf(t)));
  if (!encr) return undefined;
  const aead = isAeadEncr(encr.id);
  const offeredInteg = of(TransformType.INTEG).filter((t) => t.id !== IntegId.NONE);
  const integ = aead ? undefined : offeredInteg.find((t) => spec.integ.includes(t.id));
  if (!aead && !integ) return undefined;
  if (aead && offeredInteg.length > 0) return undefined; // RFC 5282 §8: AEAD proposals carry no integrity transform
  const isIke = offer.protocolId === ProtocolId.IKE;
  const prf = isIke ? of(TransformType.PRF).find((t) => spec.prf.includes(t.id)) : undefined;
  if (isIke && !prf) return undefined;
  const offeredDh = opts.ignoreDh ? [] : of(TransformType.DH).filter((t) => t.id !== DhGroup.NONE);
  const allowed = opts.dhAllowed;
  const dh = offeredDh.find((t) => spec.dh.includes(t.id))
    ?? (allowed && spec.dh.length === 0 ? offeredDh.find((t) => allowed(t.id)) : undefined);
  const needDh = opts.requireDh || offeredDh.length > 0 || (!opts.ignoreDh && spec.dh.length > 0);
  if (needDh && !dh) return undefined;
  const offeredEsn = of(TransformType.ESN);
  const esnChoice = isIke ? undefined : offeredEsn.length === 0 ? EsnId.NO_ESN : offeredEsn.find((t) => spec.esn.includes(t.id))?.id;
  if (!isIke && esnChoice === undefined) return undefined;
  return {
    encrId: encr.id,
    encrKeyBits: keyBitsOf(encr),
    integId: integ?.id ?? 0,
    prfId: prf?.id ?? 0,
    dhGroup: dh?.id ?? 0,
    esn: esnChoice === EsnId.ESN,
  };
}

/**
 * RFC 7296 §2.7: the responder selects one of the offered proposals, in the initiator's order of
 * preference, that its configuration accepts. Returns the suite and the chosen Proposal Num.
 */
export function selectProposal(
  offers: readonly Proposal[],
  specs: readonly ProposalSpec[],
  protocolId: number,
  opts: SelectOptions,
): { suite: NegotiatedSuite; number: number } | undefined {
  for (const offer of offers) {
    if (offer.protocolId !== protocolId) continue;
    for (const spec of specs) {
      const m = matchOne(offer, spec, opts);
      // Field by field, not { ...m, ... }: Node 20's V8 takes a slow path for a spread followed by more properties.
      if (m) return { suite: suiteOf(m, protocolId, m.dhGroup, offer.spi), number: offer.number };
    }
  }
  return undefined;
}

/** A spec that accepts exactly a suite already in use (proposing the same algorithms again on rekey). */
export function specOf(s: NegotiatedSuite): ProposalSpec {
  return {
    encr: [{ id: s.encrId, keyBits: s.encrKeyBits }],
    integ: s.integId === 0 ? [] : [s.integId],
    prf: s.prfId === 0 ? [] : [s.prfId],
    dh: s.dhGroup === 0 ? [] : [s.dhGroup],
    esn: s.protocolId === ProtocolId.IKE ? [] : [s.esn ? EsnId.ESN : EsnId.NO_ESN],
  };
}

/**
 * The CHILD SA of IKE_AUTH is negotiated without DH (RFC 7296 §1.2), but the DH group of the
 * configured proposal it matched is the one its CREATE_CHILD_SA rekeys use for PFS (§1.3.3).
 */
export function withPfsGroup(suite: NegotiatedSuite, specs: readonly ProposalSpec[]): NegotiatedSuite {
  const spec = specs.find((s) => s.encr.some((e) => e.id === suite.encrId && e.keyBits === suite.encrKeyBits)
    && (suite.integId === 0 || s.integ.includes(suite.integId)));
  return suiteOf(suite, suite.protocolId, spec?.dh[0] ?? 0, suite.spi);
}

function suiteOf(a: Omit<NegotiatedSuite, "protocolId" | "dhGroup" | "spi">, protocolId: number, dhGroup: number, spi: Uint8Array): NegotiatedSuite {
  return { protocolId, encrId: a.encrId, encrKeyBits: a.encrKeyBits, integId: a.integId, prfId: a.prfId, dhGroup, esn: a.esn, spi };
}

/** The first DH group of our first proposal: the KE we send first (RFC 7296 §1.2). */
export function preferredDhGroup(specs: readonly ProposalSpec[]): number {
  return specs[0]?.dh[0] ?? 0;
}
