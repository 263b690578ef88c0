// Refusals of the IKEv2 responder that RFC 7296 says must be answered, on two in-memory nodes and a
// fake clock: an IKE_SA_INIT with an unsupported critical payload (§2.5), and an IKE_AUTH without
// the CP(CFG_REQUEST) the policy requires (§3.10.1 FAILED_CP_REQUIRED, §2.21.2), with the policy
// that deletes an IKE SA whose IKE_AUTH brought no CHILD SA; and the same §2.5 refusal inside an SA.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMessage, encodeMessage } from "../../../src/ike/codec/message.js";
import { openMessage, sealMessage } from "../../../src/ike/message-protection.js";
import type { Payload } from "../../../src/ike/codec/payloads.js";
import type { ResponderPolicy } from "../../../src/ike/context.js";
import { createKeyExchange } from "../../../src/ike/crypto/dh.js";
import { findPayloads, ke, nonce, sa } from "../../../src/ike/payload-builders.js";
import { buildProposals } from "../../../src/ike/proposal.js";
import { DhGroup, ExchangeType, HeaderFlag, IKE_VERSION, NotifyType, PayloadType, ProtocolId } from "../../../src/ike/registry.js";
import { selectorFromCidr } from "../../../src/ike/traffic-selector.js";
import { cidr, eventsOf, IkePair, PSK, SEGW, specs, UE, type Datagram } from "../../support/ike-pair.js";

const SPI_I = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

function unknownPayload(type: number, critical: boolean): Payload {
  return { type, critical, body: Uint8Array.of(0xde, 0xad), unknown: true };
}

/** HDR, SAi1, KEi, Ni with `extra` inserted at position `at` (RFC 7296 §1.2). */
function initRequest(extra: Payload, at: number): Uint8Array {
  const kex = createKeyExchange(DhGroup.ECP_256);
  assert.ok(kex);
  const payloads: Payload[] = [
    sa(buildProposals(specs("aes128gcm16-prfsha256-ecp256", "ike"), ProtocolId.IKE, new Uint8Array(0))),
    ke(DhGroup.ECP_256, kex.publicValue),
    nonce(new Uint8Array(32).fill(2)),
  ];
  kex.wipe();
  payloads.splice(at, 0, extra);
  return encodeMessage({ spiI: SPI_I, spiR: new Uint8Array(8), version: IKE_VERSION, exchangeType: ExchangeType.IKE_SA_INIT, flags: HeaderFlag.INITIATOR, messageId: 0 }, payloads);
}

function onlyResponse(pair: IkePair) {
  assert.equal(pair.wire.length, 1, "exactly one datagram answers");
  const d = pair.wire[0];
  assert.ok(d);
  const m = decodeMessage(d.bytes);
  assert.ok(m.ok);
  return m.value;
}

for (const at of [0, 1, 3]) {
  test(`RFC 7296 §2.5: an unsupported critical payload (position ${at}) in IKE_SA_INIT is answered UNSUPPORTED_CRITICAL_PAYLOAD with its type, and no state is kept`, () => {
    const pair = new IkePair();
    pair.responder.receive(initRequest(unknownPayload(200, true), at), UE, SEGW);
    const response = onlyResponse(pair);
    assert.equal(response.header.exchangeType, ExchangeType.IKE_SA_INIT);
    assert.equal(response.header.flags & HeaderFlag.RESPONSE, HeaderFlag.RESPONSE);
    assert.deepEqual(response.header.spiI, SPI_I);
    assert.deepEqual(response.header.spiR, new Uint8Array(8), "no responder SPI: nothing was created");
    const notifies = findPayloads(response.payloads, PayloadType.NOTIFY);
    assert.deepEqual(notifies.map((n) => [n.notifyType, [...n.data]]), [[NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD, [200]]], "the Notify data is the one-octet payload type");
    assert.equal(response.payloads.length, 1, "the Notify alone");
    assert.equal(pair.responder.halfOpenCount, 0);
    assert.equal(pair.responder.sas.length, 0);
    assert.equal(pair.responder.counters.get('ike_sa_init_refused{reason="UNSUPPORTED_CRITICAL_PAYLOAD"}'), 1);
  });
}

test("RFC 7296 §2.5: the same payload without the critical bit is skipped and the handshake goes on", () => {
  const pair = new IkePair();
  pair.responder.receive(initRequest(unknownPayload(200, false), 1), UE, SEGW);
  const response = onlyResponse(pair);
  assert.ok(findPayloads(response.payloads, PayloadType.NONCE).length === 1, "a normal IKE_SA_INIT response");
  assert.equal(pair.responder.halfOpenCount, 1);
});

test("RFC 7296 §2.21.1: a node that is not a responder drops such a request, counted", () => {
  const pair = new IkePair();
  pair.initiator.receive(initRequest(unknownPayload(200, true), 1), SEGW, UE);
  assert.equal(pair.wire.length, 0);
  assert.equal(pair.initiator.counters.get('ike_dropped{reason="codec-unsupported-critical-payload"}'), 1);
});

/** The pair with the SeGW's switches on; `authenticated` counts the policy's onAuthenticated calls. */
function cpRequiredPair(extra: Partial<ResponderPolicy> = {}) {
  const pair = new IkePair();
  const seen = { authenticated: 0 };
  // The pair's policy object is the responder's: the switches are set on it before the first message.
  Object.assign(pair.policy, { requireConfigurationPayload: true, closeIkeSaOnChildFailure: true, onAuthenticated: () => void seen.authenticated++, ...extra });
  // The initiator's own Delete (it gives up without a CHILD SA too) is held back, to see the responder close the SA by itself.
  pair.filter = (d: Datagram) => !(d.to.address === SEGW.address && d.bytes[18] === ExchangeType.INFORMATIONAL && ((d.bytes[19] ?? 0) & HeaderFlag.RESPONSE) === 0);
  return { pair, seen };
}

test("RFC 7296 §3.10.1, §2.21.2: with requireConfigurationPayload, IKE_AUTH without CP(CFG_REQUEST) gets IDr, AUTH and FAILED_CP_REQUIRED, no CHILD SA; the IKE SA is then deleted", () => {
  const { pair, seen } = cpRequiredPair();
  pair.initiateWith({ psk: PSK, requestVirtualIp: false });
  pair.flush();
  assert.equal(eventsOf(pair.eventsI, "ike-sa-up").length, 1, "the initiator verified the responder's AUTH (§2.21.2: it MUST NOT fail the authentication)");
  assert.deepEqual(eventsOf(pair.eventsI, "ike-sa-failed").map((e) => e.reason), ["FAILED_CP_REQUIRED"]);
  assert.equal(pair.sinkR.installed.length + pair.sinkI.installed.length, 0, "no CHILD SA on either side");
  assert.equal(pair.responder.counters.get('child_sa_refused{reason="failed-cp-required"}'), 1);
  assert.equal(seen.authenticated, 1, "the PSK was proven once, and the policy heard it once");
  assert.equal(pair.responder.sas.length, 1, "the IKE SA lives until the Delete leaves (after the response)");
  pair.run(1_000);
  assert.equal(pair.responder.counters.get("ike_sa_closed_without_child"), 1);
  assert.equal(pair.responder.sas.length, 0, "the responder deleted the IKE SA and forgot it");
  assert.equal(pair.responder.halfOpenCount, 0);
  assert.deepEqual(eventsOf(pair.eventsR, "ike-sa-down").map((e) => e.reason), ["deleted"]);
  assert.equal(pair.pool.leased, 0, "no inner address is held");
});

test("RFC 7296 §3.15: with requireConfigurationPayload a UE that asks for an address connects as before", () => {
  const { pair } = cpRequiredPair();
  pair.initiate();
  pair.run(1_000);
  assert.equal(eventsOf(pair.eventsI, "child-sa-up")[0]?.virtualIp, "198.18.64.1");
  assert.equal(pair.responder.sas.length, 1);
  assert.equal(pair.responder.counters.get("ike_sa_closed_without_child"), 0);
});

test("the generic engine is unaffected: without the switches a CHILD SA comes up without CP, and a refused CHILD SA keeps the IKE SA", () => {
  const pair = new IkePair();
  pair.initiateWith({ psk: PSK, requestVirtualIp: false });
  pair.flush();
  assert.equal(eventsOf(pair.eventsR, "child-sa-up").length, 1);
  const refused = new IkePair();
  refused.filter = (d: Datagram) => !(d.to.address === SEGW.address && d.bytes[18] === ExchangeType.INFORMATIONAL);
  refused.initiateWith({ psk: PSK, tsr: [selectorFromCidr(cidr("10.0.0.0/8"))] });
  refused.run(1_000);
  assert.equal(refused.responder.counters.get('child_sa_refused{reason="ts-unacceptable"}'), 1);
  assert.equal(refused.responder.sas.length, 1, "§2.21.2: the IKE SA is not deleted by default");
});

test("RFC 7296 §2.21.2: closeIkeSaOnChildFailure alone deletes the IKE SA after any refused CHILD SA (TS_UNACCEPTABLE)", () => {
  const { pair } = cpRequiredPair({ requireConfigurationPayload: false });
  pair.initiateWith({ psk: PSK, tsr: [selectorFromCidr(cidr("10.0.0.0/8"))] });
  pair.run(1_000);
  assert.equal(pair.responder.counters.get('child_sa_refused{reason="ts-unacceptable"}'), 1);
  assert.equal(pair.responder.counters.get("ike_sa_closed_without_child"), 1);
  assert.equal(pair.responder.sas.length, 0);
  assert.equal(pair.pool.leased, 0, "the address assigned before the selectors were refused is released");
});

test("RFC 7296 §2.5: an authenticated request inside the SA with an unsupported critical payload is answered UNSUPPORTED_CRITICAL_PAYLOAD with its type, and the SA stays up", () => {
  const pair = new IkePair();
  const ue = pair.initiate();
  pair.flush();
  assert.equal(ue.state, "established");
  assert.ok(ue.crypto);
  const request = sealMessage(
    { spiI: ue.spiI, spiR: ue.spiR, exchangeType: ExchangeType.INFORMATIONAL, flags: HeaderFlag.INITIATOR, messageId: ue.nextOwnRequestId },
    [unknownPayload(201, true)],
    ue.crypto.out,
  );
  pair.responder.receive(request, UE, SEGW);
  const response = onlyResponse(pair);
  assert.equal(response.header.flags & HeaderFlag.RESPONSE, HeaderFlag.RESPONSE);
  assert.equal(response.header.messageId, ue.nextOwnRequestId);
  const opened = openMessage(pair.wire[0]?.bytes ?? new Uint8Array(0), response, ue.crypto.in);
  assert.ok(opened.ok, "the answer is protected with the SA's keys");
  assert.deepEqual(findPayloads(opened.payloads, PayloadType.NOTIFY).map((n) => [n.notifyType, [...n.data]]), [[NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD, [201]]]);
  assert.equal(pair.responder.counters.get('ike_request_refused{reason="UNSUPPORTED_CRITICAL_PAYLOAD"}'), 1);
  assert.equal(pair.responder.sas.filter((s) => s.state === "established").length, 1, "nothing of the request was processed");
  pair.wire.length = 0;
  pair.responder.receive(request, UE, SEGW);
  assert.equal(onlyResponse(pair).header.messageId, ue.nextOwnRequestId, "a retransmission is answered from the response cache");
  assert.equal(pair.responder.counters.get('ike_request_refused{reason="UNSUPPORTED_CRITICAL_PAYLOAD"}'), 1);
});
