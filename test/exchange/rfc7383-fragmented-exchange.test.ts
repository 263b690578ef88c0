// RFC 7383 between two IKE nodes in memory: negotiation in IKE_SA_INIT (§2.3), fragmented IKE_AUTH
// and CREATE_CHILD_SA both ways, retransmission of a fragmented exchange (§2.6.1).
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeIkeHeader } from "../../src/ike/codec/header.js";
import { PayloadType } from "../../src/ike/registry.js";
import { IkePair, eventsOf } from "../support/ike-pair.js";

const SMALL = 200;

/** The Next Payload of each IKE datagram the pair put on the wire, as it goes. */
function recordNextPayloads(pair: IkePair): number[] {
  const seen: number[] = [];
  const inner = pair.filter;
  pair.filter = (d) => {
    const h = decodeIkeHeader(d.bytes);
    if (h.ok) seen.push(h.value.nextPayload);
    return inner(d);
  };
  return seen;
}

/** A handshake with these fragment sizes: the pair, whether each side saw fragmentation agreed, and the SKF datagrams on the wire. */
function handshake(fragmentSizeR: number): { pair: IkePair; agreed: boolean[]; skf: number } {
  const pair = new IkePair({ fragmentSizeI: SMALL, fragmentSizeR });
  const seen = recordNextPayloads(pair);
  pair.initiate();
  pair.flush();
  assert.equal(eventsOf(pair.eventsI, "child-sa-up").length, 1, "the SAs come up");
  const agreed = [pair.eventsI, pair.eventsR].map((events) => eventsOf(events, "ike-sa-up")[0]?.fragmentation ?? false);
  return { pair, agreed, skf: seen.filter((t) => t === PayloadType.SKF).length };
}

test("RFC 7383 §2.3/§2.5: both announce support; IKE_AUTH above the size goes as fragments both ways and the SAs come up", () => {
  const { pair, agreed, skf } = handshake(SMALL);
  assert.deepEqual(agreed, [true, true]);
  assert.ok(skf >= 4, `${skf} fragments on the wire`);
  for (const node of [pair.initiator, pair.responder]) {
    assert.equal(node.counters.get("ike_fragmented_messages_sent"), 1);
    assert.equal(node.counters.get("ike_fragmented_messages_received"), 1);
  }
});

test("RFC 7383 §2.3: a peer that does not announce support gets whole messages, however large", () => {
  const { agreed, skf } = handshake(0);
  assert.deepEqual(agreed, [false, false]);
  assert.equal(skf, 0);
});

test("RFC 7383 §2.6.1: a lost response fragment: the request is retransmitted whole, only its fragment 1 has the response sent again", () => {
  const pair = new IkePair({ fragmentSizeI: SMALL, fragmentSizeR: SMALL });
  let droppedOne = false;
  pair.filter = (d) => {
    const h = decodeIkeHeader(d.bytes);
    const responseFragment = h.ok && h.value.messageId === 1 && (h.value.flags & 0x20) !== 0 && h.value.nextPayload === PayloadType.SKF;
    if (responseFragment && !droppedOne) {
      droppedOne = true;
      return false;
    }
    return true;
  };
  pair.initiate();
  pair.flush();
  assert.equal(eventsOf(pair.eventsI, "child-sa-up").length, 0, "the initiator misses a fragment of the IKE_AUTH response");
  pair.run(1500);
  assert.equal(eventsOf(pair.eventsI, "child-sa-up").length, 1, "established after the retransmission");
  assert.equal(pair.responder.counters.get("ike_duplicate_requests"), 1, "answered from the cache once, on fragment 1");
  assert.ok(pair.responder.counters.get('ike_dropped{reason="fragment-of-answered-request"}') >= 1, "the other fragments of the retransmission are ignored");
  assert.equal(eventsOf(pair.eventsR, "ike-sa-up").length, 1, "processed once");
});

test("RFC 7383: the rekeyed IKE SA keeps fragmentation; its CREATE_CHILD_SA (KE of 256 octets) goes as fragments", () => {
  const pair = new IkePair({ fragmentSizeI: SMALL, fragmentSizeR: SMALL });
  const sa = pair.initiate();
  pair.flush();
  const seen = recordNextPayloads(pair);
  pair.initiator.rekeyIke(sa);
  pair.flush();
  const rekeyed = eventsOf(pair.eventsI, "ike-sa-rekeyed");
  assert.equal(rekeyed.length, 1);
  assert.ok(seen.filter((t) => t === PayloadType.SKF).length >= 4, `fragments on the wire: ${seen.join(",")}`);
  const fresh = pair.initiator.sas.find((s) => s.state === "established");
  assert.equal(fresh?.fragmentation, true);
});
