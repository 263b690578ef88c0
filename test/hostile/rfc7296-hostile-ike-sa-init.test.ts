/**
 * Hostile peers on the WLAN against a running LWIP-SeGW, before any key exists: malformed
 * IKE_SA_INIT requests (truncated and over-long headers, payloads and attributes, RFC 7296 §3),
 * empty proposal lists, transforms outside the TS 33.210 profile (§3.3, RFC 8247) and invalid KE
 * values (§3.4, RFC 6989), critical payloads we do not understand (§2.5). Each attempt comes from its own address (the per-source IKE_SA_INIT
 * limit stays out of the way), must be refused, counted and logged, and a provisioned UE sets up
 * its tunnel while the attacks run (TS 33.401 16.2).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { getDiffieHellman, randomBytes } from "node:crypto";
import type { Payload } from "../../src/ike/codec/payloads.js";
import { decodeMessage } from "../../src/ike/codec/message.js";
import { findPayloads, ke, nonce, sa } from "../../src/ike/payload-builders.js";
import { DhGroup, EncrId, HeaderFlag, IntegId, NotifyType, PayloadType, PrfId } from "../../src/ike/registry.js";
import { concatBytes, hex } from "../../src/wire/hex.js";
import { delta, quiet, startHostileLab, type HostileLab } from "./support/lab.js";
import { legitimateUe } from "./support/ue.js";
import { GOOD_PROPOSAL, RawPeer, ikeProposal, initRequest, notifyTypes } from "./support/attacker.js";

const PORTS = { ikePort: 35500, nattPort: 34500, apiPort: 38443, gtpuPort: 32152 };
const ENB = "127.0.0.61";
let lab: HostileLab;
let nextAttacker = 1;

before(async () => {
  lab = await startHostileLab(PORTS, ENB);
});
after(async () => {
  await lab.stop();
});

/** One attack: what to send, and what the SeGW must do with it. */
interface Attack {
  readonly name: string;
  readonly build: (peer: RawPeer) => Uint8Array;
  /** The Notify the SeGW answers with, or undefined for a silent drop. */
  readonly answer?: number;
  /** The counter that must move (once per attack naming it). */
  readonly counter: string;
}

/** Replaces `length` octets at `at` (negative: from the end) of a valid request. */
function patched(bytes: Uint8Array, at: number, value: readonly number[]): Uint8Array {
  const out = bytes.slice();
  out.set(value, at < 0 ? out.length + at : at);
  return out;
}

function u32(n: number): number[] {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** A request whose payloads are given as they are (raw bodies allowed through UnknownPayload). */
function withPayloads(peer: RawPeer, payloads: readonly Payload[]): Uint8Array {
  return initRequest(peer, { payloads });
}

function raw(type: number, body: Uint8Array, critical = false): Payload {
  return { type, critical, body, unknown: true };
}

/** A transform substructure (RFC 7296 §3.3.2) with raw attribute octets. */
function rawTransform(last: boolean, type: number, id: number, attributes: Uint8Array): Uint8Array {
  const length = 8 + attributes.length;
  return concatBytes(Uint8Array.of(last ? 0 : 3, 0, length >> 8, length & 0xff, type, 0, id >> 8, id & 0xff), attributes);
}

/** An IKE proposal substructure around raw transform octets. */
function rawProposal(transforms: Uint8Array, count: number): Uint8Array {
  const length = 8 + transforms.length;
  return concatBytes(Uint8Array.of(0, 0, length >> 8, length & 0xff, 1, 1, 0, count), transforms);
}

const MODP_2048_P = new Uint8Array(getDiffieHellman("modp14").getPrime());
const pMinus1 = patched(MODP_2048_P, -1, [(MODP_2048_P.at(-1) ?? 0) - 1]);
const MODP_PROPOSAL = ikeProposal([EncrId.ENCR_AES_CBC, 128], PrfId.PRF_HMAC_SHA2_256, IntegId.AUTH_HMAC_SHA2_256_128, DhGroup.MODP_2048);
const modpKe = (value: Uint8Array) => (peer: RawPeer) => initRequest(peer, { proposals: [MODP_PROPOSAL], ke: { group: DhGroup.MODP_2048, data: value } });
const ecpKe = (value: Uint8Array) => (peer: RawPeer) => initRequest(peer, { ke: { group: DhGroup.ECP_256, data: value } });
const P256_P = hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");

/** Key Exchange Data lengths (RFC 7296 §3.4: the modulus length; RFC 5903 §7: x | y). */
const KE_LENGTH: Readonly<Record<number, number>> = { [DhGroup.MODP_768]: 96, [DhGroup.MODP_1024]: 128, [DhGroup.MODP_1536]: 192, [DhGroup.MODP_2048]: 256, [DhGroup.ECP_256]: 64 };

function outOfProfile(name: string, encr: [number, number?], prf: number, integ: number | undefined, dh: number): Attack {
  return {
    name, answer: NotifyType.NO_PROPOSAL_CHOSEN, counter: 'ike_sa_init_refused{reason="NO_PROPOSAL_CHOSEN"}',
    build: (peer) => initRequest(peer, { proposals: [ikeProposal(encr, prf, integ, dh)], ke: { group: dh, data: new Uint8Array(KE_LENGTH[dh] ?? 64).fill(2) } }),
  };
}

const ATTACKS: readonly Attack[] = [
  // Framing (RFC 7296 §3.1, §3.2): dropped before any state, as §2.21.1 allows for unauthenticated messages.
  { name: "truncated IKE header (20 octets)", build: (p) => initRequest(p).subarray(0, 20), counter: 'ike_dropped{reason="bad-header"}' },
  { name: "IKE header Length past the datagram", build: (p) => patched(initRequest(p), 24, u32(4000)), counter: 'ike_dropped{reason="bad-header"}' },
  { name: "IKE header Length below 28", build: (p) => patched(initRequest(p), 24, u32(20)), counter: 'ike_dropped{reason="bad-header"}' },
  { name: "major version 3", build: (p) => initRequest(p, { version: 0x30 }), counter: 'ike_dropped{reason="bad-header"}' },
  { name: "first payload Length past the message (over-long SA)", build: (p) => patched(initRequest(p), 30, [0x7f, 0xff]), counter: 'ike_dropped{reason="codec-truncated"}' },
  { name: "first payload Length below 4 (truncated payload)", build: (p) => patched(initRequest(p), 30, [0, 2]), counter: 'ike_dropped{reason="codec-length-mismatch"}' },
  { name: "message cut inside the last payload", build: (p) => { const m = initRequest(p); return patched(m.subarray(0, m.length - 7), 24, u32(m.length - 7)); }, counter: 'ike_dropped{reason="codec-truncated"}' },
  { name: "octets after the last payload", build: (p) => { const m = concatBytes(initRequest(p), new Uint8Array(9)); return patched(m, 24, u32(m.length)); }, counter: 'ike_dropped{reason="codec-length-mismatch"}' },
  {
    name: "transform attribute (TLV Key Length) over-long", counter: 'ike_dropped{reason="codec-truncated"}',
    build: (p) => withPayloads(p, [raw(PayloadType.SA, rawProposal(rawTransform(true, 1, EncrId.ENCR_AES_CBC, Uint8Array.of(0x00, 0x0e, 0x01, 0x00, 0, 0x80)), 1)), ke(DhGroup.ECP_256, new Uint8Array(64).fill(1)), nonce(new Uint8Array(32))]),
  },
  {
    name: "transform attribute truncated (half a TV attribute)", counter: 'ike_dropped{reason="codec-truncated"}',
    build: (p) => withPayloads(p, [raw(PayloadType.SA, rawProposal(rawTransform(true, 1, EncrId.ENCR_AES_CBC, Uint8Array.of(0x80, 0x0e)), 1)), ke(DhGroup.ECP_256, new Uint8Array(64).fill(1)), nonce(new Uint8Array(32))]),
  },
  {
    name: "proposal claims more transforms than it holds", counter: 'ike_dropped{reason="codec-bad-value"}',
    build: (p) => withPayloads(p, [raw(PayloadType.SA, rawProposal(rawTransform(true, 1, EncrId.ENCR_AES_GCM_16, Uint8Array.of(0x80, 0x0e, 0, 128)), 4)), nonce(new Uint8Array(32))]),
  },
  { name: "empty proposal list (SA payload without proposals)", build: (p) => withPayloads(p, [raw(PayloadType.SA, new Uint8Array(0)), ke(DhGroup.ECP_256, new Uint8Array(64).fill(1)), nonce(new Uint8Array(32))]), counter: 'ike_dropped{reason="codec-bad-value"}' },
  { name: "IKE proposal with an SPI in IKE_SA_INIT", build: (p) => initRequest(p, { proposals: [{ ...GOOD_PROPOSAL, spi: new Uint8Array(8).fill(1) }] }), counter: 'ike_dropped{reason="codec-bad-value"}' },
  // §2.5: answered (statelessly), not dropped; the Notify data is checked in the test below.
  { name: "unsupported critical payload", build: (p) => withPayloads(p, [sa([GOOD_PROPOSAL]), raw(200, new Uint8Array(4), true), nonce(new Uint8Array(32))]), answer: NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD, counter: 'ike_sa_init_refused{reason="UNSUPPORTED_CRITICAL_PAYLOAD"}' },
  { name: "an IKE_SA_INIT response nobody asked for", build: (p) => patched(initRequest(p), 19, [HeaderFlag.RESPONSE]), counter: 'ike_dropped{reason="unexpected-init-response"}' },
  // Proposals (RFC 7296 §3.3.6; TS 33.210 / RFC 8247 profile): NO_PROPOSAL_CHOSEN.
  { name: "proposal without transforms", build: (p) => initRequest(p, { proposals: [{ ...GOOD_PROPOSAL, transforms: [] }] }), answer: NotifyType.NO_PROPOSAL_CHOSEN, counter: 'ike_sa_init_refused{reason="NO_PROPOSAL_CHOSEN"}' },
  outOfProfile("ENCR_DES", [EncrId.ENCR_DES], PrfId.PRF_HMAC_SHA2_256, IntegId.AUTH_HMAC_SHA2_256_128, DhGroup.ECP_256),
  outOfProfile("ENCR_3DES", [EncrId.ENCR_3DES], PrfId.PRF_HMAC_SHA2_256, IntegId.AUTH_HMAC_SHA2_256_128, DhGroup.ECP_256),
  outOfProfile("ENCR_NULL", [EncrId.ENCR_NULL], PrfId.PRF_HMAC_SHA2_256, IntegId.AUTH_HMAC_SHA2_256_128, DhGroup.ECP_256),
  outOfProfile("PRF_HMAC_MD5", [EncrId.ENCR_AES_CBC, 128], PrfId.PRF_HMAC_MD5, IntegId.AUTH_HMAC_SHA2_256_128, DhGroup.ECP_256),
  outOfProfile("AUTH_HMAC_MD5_96", [EncrId.ENCR_AES_CBC, 128], PrfId.PRF_HMAC_SHA2_256, IntegId.AUTH_HMAC_MD5_96, DhGroup.ECP_256),
  outOfProfile("PRF_HMAC_SHA1 + AUTH_HMAC_SHA1_96", [EncrId.ENCR_AES_CBC, 128], PrfId.PRF_HMAC_SHA1, IntegId.AUTH_HMAC_SHA1_96, DhGroup.ECP_256),
  outOfProfile("DH group 1 (MODP-768)", [EncrId.ENCR_AES_CBC, 128], PrfId.PRF_HMAC_SHA2_256, IntegId.AUTH_HMAC_SHA2_256_128, DhGroup.MODP_768),
  outOfProfile("DH group 2 (MODP-1024)", [EncrId.ENCR_AES_CBC, 128], PrfId.PRF_HMAC_SHA2_256, IntegId.AUTH_HMAC_SHA2_256_128, DhGroup.MODP_1024),
  outOfProfile("DH group 5 (MODP-1536)", [EncrId.ENCR_AES_CBC, 128], PrfId.PRF_HMAC_SHA2_256, IntegId.AUTH_HMAC_SHA2_256_128, DhGroup.MODP_1536),
  outOfProfile("AES-CBC with a 64-bit key", [EncrId.ENCR_AES_CBC, 64], PrfId.PRF_HMAC_SHA2_256, IntegId.AUTH_HMAC_SHA2_256_128, DhGroup.ECP_256),
  // KE (RFC 7296 §1.2, §3.4; RFC 6989 §2.1, §2.3).
  { name: "no KE payload", build: (p) => initRequest(p, { ke: null }), answer: NotifyType.INVALID_SYNTAX, counter: 'ike_sa_init_refused{reason="INVALID_SYNTAX"}' },
  { name: "KE of another group than the chosen one", build: (p) => initRequest(p, { ke: { group: DhGroup.MODP_2048, data: new Uint8Array(256).fill(3) } }), answer: NotifyType.INVALID_KE_PAYLOAD, counter: 'ike_sa_init_refused{reason="INVALID_KE_PAYLOAD"}' },
  { name: "MODP-2048 KE value 0", build: modpKe(new Uint8Array(256)), answer: NotifyType.INVALID_SYNTAX, counter: 'ike_sa_init_refused{reason="invalid-ke-value"}' },
  { name: "MODP-2048 KE value 1", build: modpKe(patched(new Uint8Array(256), -1, [1])), answer: NotifyType.INVALID_SYNTAX, counter: 'ike_sa_init_refused{reason="invalid-ke-value"}' },
  { name: "MODP-2048 KE value p-1", build: modpKe(pMinus1), answer: NotifyType.INVALID_SYNTAX, counter: 'ike_sa_init_refused{reason="invalid-ke-value"}' },
  { name: "MODP-2048 KE value p", build: modpKe(MODP_2048_P), answer: NotifyType.INVALID_SYNTAX, counter: 'ike_sa_init_refused{reason="invalid-ke-value"}' },
  // A KE of the wrong length for its group never decodes (§3.4: the length is the modulus length).
  { name: "MODP-2048 KE of 255 octets", build: modpKe(new Uint8Array(255).fill(7)), counter: 'ike_dropped{reason="codec-length-mismatch"}' },
  { name: "ECP-256 KE off the curve (1, 1)", build: ecpKe(concatBytes(patched(new Uint8Array(32), -1, [1]), patched(new Uint8Array(32), -1, [1]))), answer: NotifyType.INVALID_SYNTAX, counter: 'ike_sa_init_refused{reason="invalid-ke-value"}' },
  { name: "ECP-256 KE all zero (no encoding of the point at infinity)", build: ecpKe(new Uint8Array(64)), answer: NotifyType.INVALID_SYNTAX, counter: 'ike_sa_init_refused{reason="invalid-ke-value"}' },
  { name: "ECP-256 KE with x = p", build: ecpKe(concatBytes(P256_P, patched(new Uint8Array(32), -1, [1]))), answer: NotifyType.INVALID_SYNTAX, counter: 'ike_sa_init_refused{reason="invalid-ke-value"}' },
  { name: "ECP-256 KE of 65 octets (SEC1 prefix included)", build: ecpKe(concatBytes(Uint8Array.of(4), new Uint8Array(64).fill(5))), counter: 'ike_dropped{reason="codec-length-mismatch"}' },
];

test("RFC 7296 §2.21, §3 / TS 33.210 / RFC 6989: every malformed or weak IKE_SA_INIT is refused and counted while a provisioned UE connects", async () => {
  const before = lab.counters();
  const logsBefore = lab.logs.length;
  const legit = legitimateUe(lab, PORTS, { address: "127.0.0.62", ikePort: 36500, nattPort: 36501, idi: new TextEncoder().encode("ue-hostile-init"), psk: new Uint8Array(randomBytes(32)), teid: 0x1001 });
  const outcomes = await Promise.all(ATTACKS.map(async (a) => {
    const peer = await RawPeer.open(`127.0.1.${nextAttacker++}`);
    peer.send(a.build(peer), PORTS.ikePort);
    const reply = a.answer === undefined ? (await quiet(300), peer.received[0]) : await peer.next(2000);
    peer.close();
    return { attack: a, reply };
  }));
  const ue = await legit;
  const problems: string[] = [];
  for (const { attack, reply } of outcomes) {
    const got = reply === undefined ? "no answer" : `Notify ${notifyTypes(reply).join(",")}`;
    const want = attack.answer === undefined ? "no answer" : `Notify ${attack.answer}`;
    if (got !== want) problems.push(`${attack.name}: ${got}, expected ${want}`);
  }
  const after = lab.counters();
  const expected = new Map<string, number>();
  for (const a of ATTACKS) expected.set(a.counter, (expected.get(a.counter) ?? 0) + 1);
  for (const [counter, n] of expected) {
    if (delta(before, after, counter) !== n) problems.push(`${counter} moved by ${delta(before, after, counter)}, expected ${n} (${ATTACKS.filter((a) => a.counter === counter).map((a) => a.name).join("; ")})`);
  }
  const moved = Object.keys(after).filter((k) => delta(before, after, k) !== 0 && !expected.has(k) && /dropped|refused|failed/.test(k));
  if (moved.length > 0) problems.push(`unexpected counters moved: ${moved.map((k) => `${k} +${delta(before, after, k)}`).join(", ")}`);
  assert.deepEqual(problems, []);
  const refusals = lab.logs.slice(logsBefore).filter((l) => l.includes("IKE_SA_INIT refused")).length;
  const drops = lab.logs.slice(logsBefore).filter((l) => l.includes("message dropped")).length;
  assert.equal(refusals, ATTACKS.filter((a) => a.answer !== undefined).length, "every refused IKE_SA_INIT is logged");
  assert.equal(drops, ATTACKS.filter((a) => a.answer === undefined).length, "every dropped datagram is logged");
  assert.equal(lab.fx.segw.node.halfOpenCount, 0, "no attack left a half-open IKE SA");
  assert.ok(ue.up, "the provisioned UE set up its IKE SA and CHILD SA during the attacks");
  assert.ok(ue.uplinkForwarded, "the UE's LWIPEP packet reached its eNB over GTP-U");
  ue.ue.close();
});

test("RFC 7296 §2.5: an unsupported critical payload is answered UNSUPPORTED_CRITICAL_PAYLOAD naming its type, with no SA kept; counted and logged", async () => {
  const before = lab.counters();
  const logsBefore = lab.logs.length;
  const peer = await RawPeer.open(`127.0.1.${nextAttacker++}`);
  const request = withPayloads(peer, [sa([GOOD_PROPOSAL]), ke(DhGroup.ECP_256, new Uint8Array(64).fill(1)), raw(173, new Uint8Array(6), true), nonce(new Uint8Array(32))]);
  peer.send(request, PORTS.ikePort);
  const reply = await peer.next(2000);
  peer.close();
  const decoded = reply && decodeMessage(reply);
  assert.ok(decoded?.ok, "a decodable IKE_SA_INIT response came back");
  const { header, payloads } = decoded.value;
  assert.equal(header.flags & HeaderFlag.RESPONSE, HeaderFlag.RESPONSE);
  assert.deepEqual(header.spiI, request.subarray(0, 8), "it answers the request's SPIi");
  assert.deepEqual(header.spiR, new Uint8Array(8), "SPIr zero: no IKE SA was created");
  assert.deepEqual(findPayloads(payloads, PayloadType.NOTIFY).map((n) => [n.notifyType, [...n.data]]), [[NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD, [173]]], "the Notify data is the one-octet payload type");
  assert.equal(lab.fx.segw.node.halfOpenCount, 0, "no half-open SA");
  assert.equal(delta(before, lab.counters(), 'ike_sa_init_refused{reason="UNSUPPORTED_CRITICAL_PAYLOAD"}'), 1);
  assert.equal(lab.logs.slice(logsBefore).filter((l) => l.includes("IKE_SA_INIT refused") && l.includes("UNSUPPORTED_CRITICAL_PAYLOAD") && l.includes(peer.address)).length, 1, "logged with the reason and the sender");
});
