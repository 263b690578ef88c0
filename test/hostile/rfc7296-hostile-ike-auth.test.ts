/**
 * Hostile peers after IKE_SA_INIT: an attacker that holds SK_e/SK_a but no PSK (RFC 7296 §2.15,
 * §2.21.2), and a compromised UE that authenticated with its own provisioned PSK and then
 * misbehaves inside its IKE SA (TS 33.401 16.2.2). IKE_AUTH in clear, bad ICVs and bad padding
 * (§3.14), replayed and out-of-window message IDs (§2.2), wrong and foreign identities, another
 * UE's SPIs, attempts to widen or add CHILD SAs (§2.9, TS 33.401 16.3), and IKE_AUTH without the
 * CP(CFG_REQUEST) the SeGW needs (§3.10.1). Each is refused, counted and logged (rate-limited inside
 * an IKE SA); the legitimate UE connects meanwhile and keeps working.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Payload } from "../../src/ike/codec/payloads.js";
import { buildProposals, parseProposalList } from "../../src/ike/proposal.js";
import { auth, cp, del, findPayload, findPayloads, idi, nonce, notify, sa, tsi, tsr } from "../../src/ike/payload-builders.js";
import { AuthMethod, CfgAttribute, CfgType, ExchangeType, IdType, NotifyType, PayloadType, ProtocolId } from "../../src/ike/registry.js";
import { parseCidr, selectorFromCidr } from "../../src/ike/traffic-selector.js";
import { spiBytes } from "../../src/ike/tasks/child-keys.js";
import { concatBytes, toHex } from "../../src/wire/hex.js";
import { spiHex } from "../../src/ike/sa/child-sa.js";
import { encodeIpv4 } from "../../src/inet/ipv4.js";
import { encodeLwipep, EtherType, GRE_IP_PROTOCOL } from "../../src/lwipep/lwipep.js";
import { ENB_LWIP } from "../fuzz/targets/user-plane.js";
import { delta, eventually, quiet, startHostileLab, type HostileLab } from "./support/lab.js";
import { legitimateUe, TestUe, type LegitimateOutcome } from "./support/ue.js";
import { attackerMessage, badIcv, badPadding, halfOpenAttacker, keysOf, openFromSegw, sealInner, type AttackerKeys } from "./support/attacker.js";

const PORTS = { ikePort: 35510, nattPort: 34510, apiPort: 38444, gtpuPort: 32153 };
const ENB = "127.0.0.71";
let lab: HostileLab;
let nextAttacker = 1;
const attackerAddress = () => `127.0.2.${nextAttacker++}`;
const text = (s: string) => new TextEncoder().encode(s);

before(async () => {
  lab = await startHostileLab(PORTS, ENB);
});
after(async () => {
  await lab.stop();
});

function espProposal(): Payload {
  const specs = parseProposalList("aes128gcm16", "esp");
  if (!specs.ok) throw new Error(specs.error);
  return sa(buildProposals(specs.specs, ProtocolId.ESP, new Uint8Array(randomBytes(4))));
}

const ANY = selectorFromCidr(parseCidr("0.0.0.0/0") ?? { address: new Uint8Array(4), prefixLength: 0 });

/** IDi, AUTH(PSK-shaped), CP(CFG_REQUEST), SAi2, TSi, TSr: an IKE_AUTH request as a UE sends it. */
function authPayloads(identity: Uint8Array, o: { idType?: number; method?: number; withAuth?: boolean } = {}): Payload[] {
  return [
    idi(o.idType ?? IdType.ID_KEY_ID, identity),
    ...(o.withAuth === false ? [] : [auth(o.method ?? AuthMethod.SHARED_KEY_MIC, new Uint8Array(randomBytes(32)))]),
    cp(CfgType.CFG_REQUEST, [{ type: CfgAttribute.INTERNAL_IP4_ADDRESS, value: new Uint8Array(0) }]),
    espProposal(),
    tsi([ANY]),
    tsr([ANY]),
  ];
}

/** One pre-authentication attack on a fresh half-open SA of its own. */
interface PreAuthAttack {
  readonly name: string;
  /** Sends the attack; returns what the attacker sent last (for replays). */
  readonly run: (k: AttackerKeys, send: (m: Uint8Array) => void) => void | Promise<void>;
  /** Notify in the SeGW's protected answer, "cached" for the IKE_SA_INIT response again, or undefined for silence. */
  readonly answer?: number | "cached";
  readonly counters: readonly string[];
}

const AUTH_FAILED = 'ike_sa_failed{role="responder",reason="AUTHENTICATION_FAILED"}';
const VICTIM = text("ue-victim-auth");
/** Provisioned but connecting only after the attacks on its IDi (TS 33.401 16.2.2: its PSK must survive them). */
const SLEEPER = text("ue-sleeper-auth");
const SLEEPER_PSK = new Uint8Array(randomBytes(32));

const PRE_AUTH: readonly PreAuthAttack[] = [
  {
    name: "IKE_AUTH sent unencrypted (no SK payload)", counters: ['ike_dropped{reason="sk-no-sk"}'],
    run: (k, send) => send(encodeClear(k, authPayloads(VICTIM))),
  },
  { name: "IKE_AUTH with a bad ICV", counters: ['ike_dropped{reason="sk-icv"}'], run: (k, send) => send(attackerMessage(k, ExchangeType.IKE_AUTH, 1, authPayloads(VICTIM), badIcv(k))) },
  { name: "IKE_AUTH with a valid ICV around bad padding", counters: ['ike_dropped{reason="sk-icv"}'], run: (k, send) => send(attackerMessage(k, ExchangeType.IKE_AUTH, 1, authPayloads(VICTIM), badPadding(k, 255))) },
  {
    name: "IKE_AUTH whose inner IDi payload runs past the SK contents", counters: ['ike_dropped{reason="sk-codec"}'],
    run: (k, send) => send(sealInner(k, ExchangeType.IKE_AUTH, 1, PayloadType.IDi, Uint8Array.of(0, 0, 0x01, 0x00, IdType.ID_KEY_ID, 0, 0, 0, 1, 2))),
  },
  { name: "IKE_AUTH with an out-of-window message ID (7)", counters: ["ike_out_of_window_requests"], run: (k, send) => send(attackerMessage(k, ExchangeType.IKE_AUTH, 7, authPayloads(VICTIM))) },
  { name: "a request reusing IKE_SA_INIT's message ID 0", answer: "cached", counters: ["ike_duplicate_requests"], run: (k, send) => send(attackerMessage(k, ExchangeType.IKE_AUTH, 0, authPayloads(VICTIM))) },
  { name: "a provisioned UE's IDi with a wrong PSK", answer: NotifyType.AUTHENTICATION_FAILED, counters: [AUTH_FAILED], run: (k, send) => send(attackerMessage(k, ExchangeType.IKE_AUTH, 1, authPayloads(SLEEPER))) },
  { name: "an IDi nobody provisioned", answer: NotifyType.AUTHENTICATION_FAILED, counters: [AUTH_FAILED], run: (k, send) => send(attackerMessage(k, ExchangeType.IKE_AUTH, 1, authPayloads(text("never-provisioned")))) },
  { name: "IDi of type ID_IPV4_ADDR", answer: NotifyType.AUTHENTICATION_FAILED, counters: [AUTH_FAILED], run: (k, send) => send(attackerMessage(k, ExchangeType.IKE_AUTH, 1, authPayloads(Uint8Array.of(127, 0, 0, 1), { idType: IdType.ID_IPV4_ADDR }))) },
  { name: "a signature AUTH method where only PSKs are accepted", answer: NotifyType.AUTHENTICATION_FAILED, counters: [AUTH_FAILED], run: (k, send) => send(attackerMessage(k, ExchangeType.IKE_AUTH, 1, authPayloads(VICTIM, { method: AuthMethod.DIGITAL_SIGNATURE }))) },
  { name: "IKE_AUTH without AUTH (EAP)", answer: NotifyType.AUTHENTICATION_FAILED, counters: [AUTH_FAILED], run: (k, send) => send(attackerMessage(k, ExchangeType.IKE_AUTH, 1, authPayloads(VICTIM, { withAuth: false }))) },
  {
    name: "IKE_AUTH replayed after its failure", answer: NotifyType.AUTHENTICATION_FAILED, counters: [AUTH_FAILED, 'ike_dropped{reason="unknown-spi"}'],
    run: async (k, send) => {
      const m = attackerMessage(k, ExchangeType.IKE_AUTH, 1, authPayloads(text("never-provisioned")));
      send(m);
      await quiet(300);
      send(m);
      // Closing the socket right after send() may discard the datagram.
      await quiet(100);
    },
  },
];

/** The attacker's IKE_AUTH as plaintext payloads right behind the header (no SK). */
function encodeClear(k: AttackerKeys, payloads: readonly Payload[]): Uint8Array {
  const sealed = attackerMessage(k, ExchangeType.IKE_AUTH, 1, payloads, { bodyLength: (n) => n, seal: (_aad, p) => p });
  // Header Next Payload names the first inner payload: the same octets, minus the SK generic header.
  const out = concatBytes(sealed.subarray(0, 28), sealed.subarray(32));
  out[16] = payloads[0]?.type ?? 0;
  new DataView(out.buffer).setUint32(24, out.length);
  return out;
}

test("RFC 7296 §2.21.2, §3.14: before authentication, IKE_AUTH in clear, bad ICVs, bad padding, bad message IDs and wrong identities are refused while a provisioned UE connects", async () => {
  assert.equal(await lab.provision(SLEEPER, SLEEPER_PSK, 0x2002), 200);
  const before = lab.counters();
  const legit = legitimateUe(lab, PORTS, { address: "127.0.0.72", ikePort: 36510, nattPort: 36511, idi: VICTIM, psk: new Uint8Array(randomBytes(32)), teid: 0x2001 });
  const outcomes = await Promise.all(PRE_AUTH.map(async (a) => {
    const { keys, peer } = await halfOpenAttacker(attackerAddress(), PORTS);
    const from = peer.received.length;
    await a.run(keys, (m) => peer.sendNatt(m, PORTS.nattPort));
    const reply = a.answer === undefined ? (await quiet(400), peer.received[from]) : await peer.next(2000, from);
    peer.close();
    return { a, keys, reply };
  }));
  const ue: LegitimateOutcome = await legit;
  const problems: string[] = [];
  for (const { a, keys, reply } of outcomes) {
    if (a.answer === undefined) {
      if (reply) problems.push(`${a.name}: answered, expected silence`);
    } else if (a.answer === "cached") {
      if (reply?.[18] !== ExchangeType.IKE_SA_INIT) problems.push(`${a.name}: expected the cached IKE_SA_INIT response`);
    } else {
      const notifies = findPayloads(openFromSegw(keys, reply) ?? [], PayloadType.NOTIFY).map((n) => n.notifyType);
      if (notifies.join() !== String(a.answer)) problems.push(`${a.name}: Notify ${notifies.join(",") || "none"}, expected ${a.answer}`);
    }
  }
  const after = lab.counters();
  const expected = new Map<string, number>();
  for (const a of PRE_AUTH) for (const c of a.counters) expected.set(c, (expected.get(c) ?? 0) + 1);
  for (const [c, n] of expected) if (delta(before, after, c) !== n) problems.push(`${c} moved by ${delta(before, after, c)}, expected ${n}`);
  const moved = Object.keys(after).filter((c) => delta(before, after, c) !== 0 && !expected.has(c) && /dropped|refused|failed|window|duplicate/.test(c));
  if (moved.length > 0) problems.push(`unexpected counters moved: ${moved.map((c) => `${c} +${delta(before, after, c)}`).join(", ")}`);
  assert.deepEqual(problems, []);
  const failures = lab.logged('"IKE SA failed"', "AUTHENTICATION_FAILED");
  for (const detail of ["wrong-psk", "unknown-identity", "certificates-not-accepted", "no-auth"]) assert.ok(failures.some((l) => l.includes(detail)), `an authentication failure with detail ${detail} is logged`);
  assert.ok(lab.logged('"message dropped"', "sk-no-sk").length >= 1 && lab.logged('"message dropped"', "sk-icv").length >= 2, "SK failures are logged");
  assert.ok(ue.up, "the provisioned UE authenticated during the attacks");
  assert.ok(ue.uplinkForwarded, "the UE's LWIPEP packet reached its eNB");
  ue.ue.close();
  const sleeper = await legitimateUe(lab, PORTS, { address: "127.0.0.73", ikePort: 36510, nattPort: 36511, idi: SLEEPER, psk: SLEEPER_PSK, teid: 0x2002, provisioned: true });
  assert.ok(sleeper.up && sleeper.uplinkForwarded, "the UE whose IDi was attacked with a wrong PSK still authenticates with its own");
  sleeper.ue.close();
});

interface PostAuthLab {
  readonly victim: TestUe;
  readonly mallory: TestUe;
  readonly keys: AttackerKeys;
}

/** A legitimate UE and a compromised one (its own IDi and PSK, provisioned by the same eNB), both up. */
async function twoUes(tag: string, n: number): Promise<PostAuthLab> {
  const [v, m] = await Promise.all([
    legitimateUe(lab, PORTS, { address: `127.0.0.${74 + 2 * n}`, ikePort: 36520, nattPort: 36521, idi: text(`victim-${tag}`), psk: new Uint8Array(randomBytes(32)), teid: 0x3000 + n }),
    legitimateUe(lab, PORTS, { address: `127.0.0.${75 + 2 * n}`, ikePort: 36520, nattPort: 36521, idi: text(`mallory-${tag}`), psk: new Uint8Array(randomBytes(32)), teid: 0x4000 + n }),
  ]);
  assert.ok(v.up && m.up && v.uplinkForwarded && m.uplinkForwarded, "both UEs are up");
  return { victim: v.ue, mallory: m.ue, keys: keysOf(m.ue.established) };
}

/** Sends an INFORMATIONAL or CREATE_CHILD_SA request from the compromised UE and returns the SeGW's answer, opened. */
async function request(l: PostAuthLab, exchangeType: number, payloads: readonly Payload[]): Promise<Payload[] | undefined> {
  const sa = l.mallory.established;
  const id = sa.nextOwnRequestId++;
  const from = l.mallory.ikeReceived.length;
  l.mallory.sendIke(attackerMessage(l.keys, exchangeType, id, payloads));
  await eventually(() => l.mallory.ikeReceived.length > from, 2000);
  return openFromSegw(l.keys, l.mallory.ikeReceived[from]);
}

function segwSaOf(ue: TestUe) {
  const spi = ue.established.spiR;
  return lab.fx.segw.node.sas.find((s) => s.spiR.every((b, i) => b === spi[i]));
}

test("RFC 7296 §2.2, §3.14: an authenticated UE's bad ICVs, bad padding, replays and out-of-window message IDs are dropped and counted", async () => {
  const l = await twoUes("ids", 0);
  const sa = l.mallory.established;
  const before = lab.counters();
  const established = lab.fx.segw.store.get(text("mallory-ids"))?.state;
  l.mallory.sendIke(attackerMessage(l.keys, ExchangeType.INFORMATIONAL, sa.nextOwnRequestId, [], badIcv(l.keys)));
  l.mallory.sendIke(attackerMessage(l.keys, ExchangeType.INFORMATIONAL, sa.nextOwnRequestId, [], badPadding(l.keys, 200)));
  l.mallory.sendIke(attackerMessage(l.keys, ExchangeType.INFORMATIONAL, sa.nextOwnRequestId + 5, []));
  const authRequest = l.mallory.ikeSent.find((m) => m[18] === ExchangeType.IKE_AUTH);
  assert.ok(authRequest, "the UE's own IKE_AUTH request was captured");
  const from = l.mallory.ikeReceived.length;
  l.mallory.sendIke(authRequest);
  await eventually(() => l.mallory.ikeReceived.length > from, 2000);
  await quiet(200);
  const after = lab.counters();
  assert.equal(delta(before, after, 'ike_dropped{reason="sk-icv"}'), 2, "bad ICV and bad padding are dropped as SK failures");
  assert.equal(delta(before, after, "ike_out_of_window_requests"), 1, "a message ID ahead of the window is dropped");
  assert.equal(delta(before, after, "ike_duplicate_requests"), 1, "the replayed IKE_AUTH is answered from the cache");
  assert.equal(l.mallory.ikeReceived.length, from + 1, "only the replay got an answer (the cached IKE_AUTH response)");
  assert.equal(lab.fx.segw.store.get(text("mallory-ids"))?.state, established, "the replay did not authenticate twice");
  assert.equal(segwSaOf(l.mallory)?.state, "established", "the UE's IKE SA is intact");
  const answer = await request(l, ExchangeType.INFORMATIONAL, []);
  assert.deepEqual(answer, [], "the IKE SA still answers a liveness check with the next message ID");
  l.victim.close();
  l.mallory.close();
});

test("TS 33.401 16.2.2 / RFC 7296 §1.4.1, §2.9: another UE's SPIs, additional CHILD SAs and wider selectors are refused; the other UE is unaffected", async () => {
  const l = await twoUes("spis", 1);
  const victimSa = segwSaOf(l.victim);
  const victimChild = victimSa?.children[0];
  assert.ok(victimSa && victimChild);
  const before = lab.counters();
  // HDR with the victim's IKE SPIs, sealed with the compromised UE's keys.
  l.mallory.sendIke(sealInner(l.keys, ExchangeType.INFORMATIONAL, victimSa.nextPeerRequestId, PayloadType.DELETE, new Uint8Array([0, 0, 0, 8, ProtocolId.IKE, 0, 0, 0]), l.keys.out, { spiI: victimSa.spiI, spiR: victimSa.spiR }));
  const deleted = await request(l, ExchangeType.INFORMATIONAL, [del(ProtocolId.ESP, 4, [spiBytes(victimChild.spiOut), spiBytes(victimChild.spiIn)])]);
  const rekeyOther = await request(l, ExchangeType.CREATE_CHILD_SA, [
    notify(NotifyType.REKEY_SA, new Uint8Array(0), ProtocolId.ESP, spiBytes(victimChild.spiOut)), espProposal(), nonce(new Uint8Array(randomBytes(32))), tsi([ANY]), tsr([ANY]),
  ]);
  const additional = await request(l, ExchangeType.CREATE_CHILD_SA, [espProposal(), nonce(new Uint8Array(randomBytes(32))), tsi([ANY]), tsr([ANY])]);
  const ownChild = l.mallory.established.children[0];
  assert.ok(ownChild);
  const widened = await request(l, ExchangeType.CREATE_CHILD_SA, [
    notify(NotifyType.REKEY_SA, new Uint8Array(0), ProtocolId.ESP, spiBytes(ownChild.spiIn)), espProposal(), nonce(new Uint8Array(randomBytes(32))), tsi([ANY]), tsr([ANY]),
  ]);
  const after = lab.counters();
  assert.equal(delta(before, after, 'ike_dropped{reason="sk-icv"}'), 1, "a message under another UE's SPIs fails that UE's ICV");
  assert.deepEqual(deleted, [], "a Delete of another UE's CHILD SA deletes nothing (empty answer)");
  assert.equal(findPayload(rekeyOther ?? [], PayloadType.NOTIFY)?.notifyType, NotifyType.CHILD_SA_NOT_FOUND, "rekeying another UE's CHILD SA: CHILD_SA_NOT_FOUND");
  assert.equal(findPayload(additional ?? [], PayloadType.NOTIFY)?.notifyType, NotifyType.NO_ADDITIONAL_SAS, "a second CHILD SA: NO_ADDITIONAL_SAS (16.3: one tunnel per UE)");
  const tsR = findPayload(widened ?? [], PayloadType.TSr)?.selectors ?? [];
  const tsI = findPayload(widened ?? [], PayloadType.TSi)?.selectors ?? [];
  assert.deepEqual(tsR.map((s) => [...s.startAddress, ...s.endAddress]), [[198, 18, 1, 1, 198, 18, 1, 1]], "a rekey asking for 0.0.0.0/0 is narrowed to the eNB's LWIP endpoint");
  assert.equal(tsI.length, 1, "and to the UE's own inner address");
  assert.equal(victimSa.state, "established", "the other UE's IKE SA is intact");
  assert.equal(victimSa.children.includes(victimChild) && victimChild.state, "installed", "the other UE's CHILD SA is intact");
  const payload = randomBytes(8);
  const n = lab.gpdus.length;
  l.victim.sendInner(uplinkOf(l.victim, new Uint8Array(payload)));
  assert.ok(await eventually(() => lab.gpdus.slice(n).some((g) => g.teid === 0x3001)), "the other UE's uplink still reaches the eNB");
  l.victim.close();
  l.mallory.close();
});

function uplinkOf(ue: TestUe, marker: Uint8Array): Uint8Array {
  return lwipUplink(ue.established.virtualIp ?? new Uint8Array(4), marker);
}

function lwipUplink(vip: Uint8Array, sdu: Uint8Array): Uint8Array {
  const lwipep = encodeLwipep({ drbId: 1, protocolType: EtherType.IPV4, payload: sdu });
  return encodeIpv4({ src: vip, dst: ENB_LWIP, protocol: GRE_IP_PROTOCOL, ttl: 64, id: 2, flags: 0x2, payload: lwipep });
}

/** The SeGW's log lines about `reason` written since `from` (the rate-limited refusal lines and their summaries). */
function refusalLines(from: number, reason: string): Record<string, unknown>[] {
  return lab.logs.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reason === reason);
}

test("every refusal inside an IKE SA is logged and counted, and a flood of one is logged rate-limited", async () => {
  const l = await twoUes("logs", 2);
  const victimSa = segwSaOf(l.victim);
  const victimChild = victimSa?.children[0];
  const own = segwSaOf(l.mallory);
  assert.ok(victimSa && victimChild && own);
  const rejections = lab.fx.segw.node.ctx.rejections;
  // Earlier tests' intervals end here, so this test sees its own bursts from their first line.
  rejections.flush();
  const from = lab.logs.length;
  const before = lab.counters();
  const authRequest = l.mallory.ikeSent.find((m) => m[18] === ExchangeType.IKE_AUTH);
  assert.ok(authRequest);
  const answered = l.mallory.ikeReceived.length;
  l.mallory.sendIke(authRequest);
  assert.ok(await eventually(() => l.mallory.ikeReceived.length > answered), "the replayed IKE_AUTH is answered from the cache");
  const expected = l.mallory.established.nextOwnRequestId;
  l.mallory.sendIke(attackerMessage(l.keys, ExchangeType.INFORMATIONAL, expected + 5, []));
  await request(l, ExchangeType.INFORMATIONAL, [del(ProtocolId.ESP, 4, [spiBytes(victimChild.spiOut), spiBytes(victimChild.spiIn)])]);
  await request(l, ExchangeType.CREATE_CHILD_SA, [
    notify(NotifyType.REKEY_SA, new Uint8Array(0), ProtocolId.ESP, spiBytes(victimChild.spiOut)), espProposal(), nonce(new Uint8Array(randomBytes(32))), tsi([ANY]), tsr([ANY]),
  ]);
  await request(l, ExchangeType.CREATE_CHILD_SA, [espProposal(), nonce(new Uint8Array(randomBytes(32))), tsi([ANY]), tsr([ANY])]);
  const after = lab.counters();
  assert.deepEqual(
    ["ike_duplicate_requests", "ike_out_of_window_requests", "ike_delete_unknown_spi", 'create_child_sa_refused{reason="CHILD_SA_NOT_FOUND"}', 'create_child_sa_refused{reason="NO_ADDITIONAL_SAS"}'].map((c) => [c, delta(before, after, c)]),
    [["ike_duplicate_requests", 1], ["ike_out_of_window_requests", 1], ["ike_delete_unknown_spi", 2], ['create_child_sa_refused{reason="CHILD_SA_NOT_FOUND"}', 1], ['create_child_sa_refused{reason="NO_ADDITIONAL_SAS"}', 1]],
    "each refusal is counted",
  );
  const idi = toHex(text("mallory-logs"));
  const one = (reason: string) => {
    const lines = refusalLines(from, reason);
    assert.equal(lines.length, 1, `one line for ${reason}`);
    assert.equal(lines[0]?.sa, own.name, `${reason}: the IKE SA's SPIs`);
    assert.equal(lines[0]?.idi, idi, `${reason}: the UE's IDi`);
    return lines[0] ?? {};
  };
  assert.equal(one("retransmitted-request").messageId, 1, "the retransmitted IKE_AUTH (message ID 1)");
  const window = one("out-of-window-request");
  assert.deepEqual([window.messageId, window.expected], [expected + 5, expected], "the refused ID and the expected one");
  assert.deepEqual(one("delete-unknown-spi").spis, [spiHex(victimChild.spiOut), spiHex(victimChild.spiIn)], "the SPIs the UE does not own");
  assert.equal(one("CHILD_SA_NOT_FOUND").rekeySpi, spiHex(victimChild.spiOut), "the SPI it tried to rekey");
  assert.equal(one("NO_ADDITIONAL_SAS").msg, "CREATE_CHILD_SA refused");
  for (const line of lab.logs.slice(from)) for (const field of Object.keys(JSON.parse(line) as object)) assert.doesNotMatch(field, /^sk_|psk|key$|encr|integ/i, "no key material in a log line");
  // A flood of one refusal: counted in full, logged up to the burst, then summarised once.
  const flood = 3 * rejections.burst;
  const next = l.mallory.established.nextOwnRequestId;
  for (let i = 0; i < flood; i++) l.mallory.sendIke(attackerMessage(l.keys, ExchangeType.INFORMATIONAL, next + 10 + i, []));
  assert.ok(await eventually(() => delta(after, lab.counters(), "ike_out_of_window_requests") === flood), "every request of the flood is counted");
  assert.equal(refusalLines(from, "out-of-window-request").length, rejections.burst, "only the burst is logged during the flood");
  rejections.flush();
  const summary = refusalLines(from, "out-of-window-request").at(-1);
  assert.match(String(summary?.msg), new RegExp(`^suppressed ${flood + 1 - rejections.burst} more out-of-window-request in the last \\d+ s$`));
  assert.equal(summary?.suppressed, flood + 1 - rejections.burst);
  assert.equal(own.state, "established", "the UE's IKE SA is intact");
  l.victim.close();
  l.mallory.close();
});

test("RFC 7296 §3.10.1, §2.21.2 / TS 33.401 16.2.2: a UE without CP(CFG_REQUEST) gets FAILED_CP_REQUIRED and no tunnel; its PSK is spent, the entry awaits release, counted and logged", async () => {
  const idi = text("ue-without-cp");
  const psk = new Uint8Array(randomBytes(32));
  assert.equal(await lab.provision(idi, psk, 0x2101), 200);
  const before = lab.counters();
  const from = lab.logs.length;
  const ue = await TestUe.open({ address: "127.0.0.90", ikePort: 36540, nattPort: 36541 });
  ue.connect(PORTS, idi, psk, false);
  assert.ok(await eventually(() => ue.hasEvent("ike-sa-failed"), 5000), "IKE_AUTH finished");
  const failed = ue.events.find((e) => e.event === "ike-sa-failed");
  assert.equal(failed?.event === "ike-sa-failed" && failed.reason, "FAILED_CP_REQUIRED", "the UE was told FAILED_CP_REQUIRED");
  assert.ok(ue.hasEvent("ike-sa-up") && !ue.hasEvent("child-sa-up"), "authenticated (IDr, AUTH), but no CHILD SA");
  const gone = await eventually(() => !lab.fx.segw.node.sas.some((s) => s.idiHex === toHex(idi)), 3000);
  assert.ok(gone, "the SeGW deleted the IKE SA it had no use for");
  const after = lab.counters();
  assert.equal(delta(before, after, 'child_sa_refused{reason="failed-cp-required"}'), 1, "counted");
  assert.equal(delta(before, after, "ike_sa_closed_without_child"), 1);
  assert.equal(lab.logged('"CHILD SA refused in IKE_AUTH"', "failed-cp-required", toHex(idi)).length, 1, "logged with the reason and the IDi");
  assert.ok(lab.logs.slice(from).some((l) => l.includes('"IKE SA deleted: IKE_AUTH brought no CHILD SA"') && l.includes(toHex(idi))));
  assert.equal(lab.fx.segw.sessions.get(toHex(idi)), undefined, "no user-plane session");
  assert.equal(lab.fx.segw.store.get(idi)?.state, "release-required", "the eNB is asked to release the UE (LWIP RELEASE REQUIRED)");
  ue.close();
  // TS 33.401 16.2.2: the PSK authenticated once; it does not authenticate again, not even with CP.
  const again = await TestUe.open({ address: "127.0.0.91", ikePort: 36540, nattPort: 36541 });
  again.connect(PORTS, idi, psk, true);
  assert.ok(await eventually(() => again.hasEvent("ike-sa-failed"), 5000));
  assert.ok(!again.hasEvent("child-sa-up"), "a second handshake with the spent PSK fails");
  assert.equal(lab.logged('"IKE SA failed"', "psk-used", toHex(idi)).length, 1, "refused as psk-used");
  again.close();
  // The eNB provisions the UE afresh (new PSK): it connects, asking for its address this time.
  const fresh = await legitimateUe(lab, PORTS, { address: "127.0.0.92", ikePort: 36540, nattPort: 36541, idi, psk: new Uint8Array(randomBytes(32)), teid: 0x2102 });
  assert.ok(fresh.up && fresh.uplinkForwarded, "the re-provisioned UE sets up its tunnel and reaches its eNB");
  fresh.ue.close();
});
