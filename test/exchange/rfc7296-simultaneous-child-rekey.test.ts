/**
 * RFC 7296 §2.8.1: both ends rekey the same CHILD SA at once. "The SA created with the lowest of
 * the four nonces used in the two exchanges SHOULD be closed by the endpoint that created it", and
 * "the node that initiated the surviving rekeyed SA should delete the replaced SA".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { echoRequest, echoReplySequence } from "../../src/cli/ping.js";
import { EspTunnels } from "../../src/dataplane/esp-tunnels.js";
import type { IkeNode } from "../../src/ike/ike-node.js";
import type { ChildSa } from "../../src/ike/sa/child-sa.js";
import { spiHex } from "../../src/ike/sa/child-sa.js";
import { NONCE_LENGTH } from "../../src/ike/tasks/ike-sa-init.js";
import { compareNonces } from "../../src/ike/tasks/rekey-child.js";
import { echoReplyFor } from "../../src/inet/icmp.js";
import { Counters } from "../../src/io/counters.js";
import { ExchangeType, HeaderFlag } from "../../src/ike/registry.js";
import { IkePair, SEGW, UE, eventsOf, type Datagram, type PairOptions, type RecordingSink } from "../support/ike-pair.js";
import type { IkeSa } from "../../src/ike/sa/ike-sa.js";

/**
 * Makes the node's next nonces start with these octets (the rest stays random), so the test decides
 * which of the four nonces is the lowest. The context is the node's own; only its RNG is wrapped.
 */
function steerNonces(node: IkeNode, firstOctets: number[]): void {
  const real = node.ctx.random;
  Object.assign(node.ctx, {
    random: (n: number) => {
      const b = real(n);
      const first = n === NONCE_LENGTH ? firstOctets.shift() : undefined;
      if (first !== undefined) b[0] = first;
      return b;
    },
  });
}

/** Two nodes with their IKE SA and its one CHILD SA up, on each side. */
function established(o: PairOptions = {}): { pair: IkePair; saI: IkeSa; saR: IkeSa; oldI: ChildSa; oldR: ChildSa } {
  const pair = new IkePair(o);
  pair.initiate();
  pair.flush();
  const saI = pair.initiator.sas[0];
  const saR = pair.responder.sas[0];
  const oldI = saI?.children[0];
  const oldR = saR?.children[0];
  assert.ok(saI && saR && oldI && oldR);
  return { pair, saI, saR, oldI, oldR };
}

function zeroized(c: ChildSa): boolean {
  return [c.encrIn, c.integIn, c.encrOut, c.integOut].every((k) => k.every((o) => o === 0));
}

function downReasons(pair: IkePair, side: "I" | "R", c: ChildSa): string[] {
  const events = side === "I" ? pair.eventsI : pair.eventsR;
  return eventsOf(events, "child-sa-down").filter((e) => e.spiIn === spiHex(c.spiIn)).map((e) => e.reason);
}

function assertSinkConsistent(sink: RecordingSink, survivor: ChildSa): void {
  assert.equal(new Set(sink.installed).size, sink.installed.length, "each SA installed once");
  assert.equal(new Set(sink.removed).size, sink.removed.length, "each SA removed once");
  for (const c of sink.removed) assert.ok(sink.installed.includes(c), "only installed SAs are removed");
  assert.deepEqual(sink.active, [survivor]);
}

test("RFC 7296 §2.8.1: nonces compare octet by octet, and a nonce that ends first is the lower", () => {
  const n = (...o: number[]) => new Uint8Array(o);
  assert.ok(compareNonces(n(0x01, 0xff), n(0x02, 0x00)) < 0, "first octet decides, not the integer value");
  assert.ok(compareNonces(n(0x02, 0x00), n(0x01, 0xff)) > 0);
  assert.ok(compareNonces(n(0x05, 0x06), n(0x05, 0x06, 0x00)) < 0, "a prefix is the lower");
  assert.ok(compareNonces(n(0xff, 0xff, 0xff), n(0xff, 0xff, 0xff, 0x00)) < 0, "a shorter but numerically larger-looking nonce");
  assert.equal(compareNonces(n(7, 7), n(7, 7)), 0);
});

/** Which of the four nonces is lowest: the SA of that exchange is the redundant one. */
type Lowest = "Ni of I's exchange" | "Nr of I's exchange" | "Ni of R's exchange" | "Nr of R's exchange";

// First octets: I draws Ni(I's exchange) then Nr(R's exchange); R draws Ni(R's exchange) then Nr(I's exchange).
const CASES: ReadonlyArray<{ lowest: Lowest; i: number[]; r: number[]; redundantBy: "I" | "R" }> = [
  { lowest: "Ni of I's exchange", i: [0x10, 0x60], r: [0x50, 0x40], redundantBy: "I" },
  { lowest: "Nr of I's exchange", i: [0x60, 0x50], r: [0x40, 0x10], redundantBy: "I" },
  { lowest: "Ni of R's exchange", i: [0x60, 0x50], r: [0x10, 0x40], redundantBy: "R" },
  { lowest: "Nr of R's exchange", i: [0x60, 0x10], r: [0x40, 0x50], redundantBy: "R" },
];

for (const c of CASES) {
  test(`RFC 7296 §2.8.1: simultaneous CHILD SA rekey, lowest nonce is the ${c.lowest}: its initiator closes it, the other deletes the old SA`, () => {
    const { pair, saI, saR, oldI, oldR } = established({ espI: "aes128gcm16", espR: "aes128gcm16" });
    const timersBefore = [pair.clock.pending, saI.timers.size, saR.timers.size];
    steerNonces(pair.initiator, [...c.i]);
    steerNonces(pair.responder, [...c.r]);

    // Both start before either sees the other's request.
    pair.initiator.rekeyChild(saI, oldI);
    pair.responder.rekeyChild(saR, oldR);
    pair.flush();

    // FIFO delivery: each side answers the peer's request before its own response arrives, so
    // installed = [old, SA of the peer's exchange, SA of its own exchange].
    const [, rExchOnI, iExchOnI] = pair.sinkI.installed;
    const [, iExchOnR, rExchOnR] = pair.sinkR.installed;
    assert.ok(rExchOnI && iExchOnI && iExchOnR && rExchOnR);
    assert.equal(iExchOnI.spiOut, iExchOnR.spiIn, "both sides agree on I's exchange");
    assert.equal(rExchOnI.spiOut, rExchOnR.spiIn, "both sides agree on R's exchange");

    const [redundantI, survivorI, redundantR, survivorR] =
      c.redundantBy === "I" ? [iExchOnI, rExchOnI, iExchOnR, rExchOnR] : [rExchOnI, iExchOnI, rExchOnR, iExchOnR];

    // Exactly one CHILD SA pair remains, the same one on both sides.
    assert.deepEqual(saI.children, [survivorI]);
    assert.deepEqual(saR.children, [survivorR]);
    assert.equal(survivorI.spiIn, survivorR.spiOut);
    assert.equal(survivorI.spiOut, survivorR.spiIn);
    assert.deepEqual(survivorI.encrOut, survivorR.encrIn);
    assert.deepEqual(survivorI.tsLocal, oldI.tsLocal, "traffic selectors unchanged");
    assert.deepEqual(survivorI.tsRemote, oldI.tsRemote);
    assert.deepEqual(survivorR.tsLocal, oldR.tsLocal);
    assert.deepEqual(survivorR.tsRemote, oldR.tsRemote);

    // Who closed what (each Delete answered by the peer's Delete, §1.4.1).
    const closer = c.redundantBy;
    const other = closer === "I" ? "R" : "I";
    const [redundantOnCloser, redundantOnOther] = closer === "I" ? [redundantI, redundantR] : [redundantR, redundantI];
    const [oldOnCloser, oldOnOther] = closer === "I" ? [oldI, oldR] : [oldR, oldI];
    assert.deepEqual(downReasons(pair, closer, redundantOnCloser), ["redundant"], "the initiator of the lowest-nonce exchange closes its SA");
    assert.deepEqual(downReasons(pair, other, redundantOnOther), ["deleted-by-peer"]);
    assert.deepEqual(downReasons(pair, other, oldOnOther), ["rekeyed"], "the initiator of the surviving exchange deletes the old SA");
    assert.deepEqual(downReasons(pair, closer, oldOnCloser), ["deleted-by-peer"]);

    for (const dead of [oldI, oldR, redundantI, redundantR]) assert.ok(zeroized(dead), "deleted SAs' keys are zeroized");
    assert.ok(!zeroized(survivorI) && !zeroized(survivorR));
    assertSinkConsistent(pair.sinkI, survivorI);
    assertSinkConsistent(pair.sinkR, survivorR);
    assert.deepEqual(pair.sinkI.removed.slice().sort((a, b) => a.spiIn - b.spiIn), [oldI, redundantI].sort((a, b) => a.spiIn - b.spiIn));
    assert.deepEqual(pair.sinkR.removed.slice().sort((a, b) => a.spiIn - b.spiIn), [oldR, redundantR].sort((a, b) => a.spiIn - b.spiIn));

    assert.deepEqual([pair.clock.pending, saI.timers.size, saR.timers.size], timersBefore, "no timers beyond the baseline");
    for (const sa of [saI, saR]) {
      assert.equal(sa.outstanding, undefined);
      assert.equal(sa.queue.length, 0);
    }
    assert.equal(pair.initiator.counters.get("child_sa_rekey_collisions"), 1);
    assert.equal(pair.responder.counters.get("child_sa_rekey_collisions"), 1);

    // The surviving pair rekeys normally afterwards.
    pair.initiator.rekeyChild(saI, survivorI);
    pair.flush();
    assert.equal(saI.children.length, 1);
    assert.equal(saR.children.length, 1);
    assert.equal(saI.children[0]?.spiOut, saR.children[0]?.spiIn);
  });
}

test("RFC 7296 §2.8.1 with unsteered nonces: whichever side wins, one pair remains and the sinks agree", () => {
  for (let run = 0; run < 4; run++) {
    const { pair, saI, saR, oldI, oldR } = established();
    pair.initiator.rekeyChild(saI, oldI);
    pair.responder.rekeyChild(saR, oldR);
    pair.flush();
    const [aliveI, aliveR] = [pair.sinkI.active, pair.sinkR.active];
    assert.equal(aliveI.length, 1);
    assert.equal(aliveR.length, 1);
    assert.equal(aliveI[0]?.spiOut, aliveR[0]?.spiIn);
    assert.equal(aliveI[0]?.spiIn, aliveR[0]?.spiOut);
    assert.equal(pair.sinkI.installed.length, 3);
    assert.equal(pair.sinkR.installed.length, 3);
    assert.equal(pair.sinkI.removed.length, 2);
    assert.equal(pair.sinkR.removed.length, 2);
  }
});

test("RFC 7296 §2.25.1: a rekey request for a CHILD SA being deleted is refused with TEMPORARY_FAILURE", () => {
  const { pair, saI, saR, oldI, oldR } = established();
  // R asks to rekey while I's Delete of the same CHILD SA is on its way.
  pair.initiator.deleteChild(saI, oldI);
  pair.responder.rekeyChild(saR, oldR);
  const [deleteReq, rekeyReq] = pair.wire.splice(0, 2);
  assert.ok(deleteReq && rekeyReq);
  pair.wire.push(rekeyReq, deleteReq);
  pair.flush();
  assert.equal(pair.responder.counters.get('child_sa_rekey_failed{reason="TEMPORARY_FAILURE"}'), 1);
  assert.equal(saI.children.length, 0);
  assert.equal(saR.children.length, 0);
  assert.equal(pair.sinkI.active.length, 0);
  assert.equal(pair.sinkR.active.length, 0);
});

const DATA_PLANE_CASES = [
  { redundantBy: "I", late: false, eager: false }, { redundantBy: "R", late: false, eager: false },
  { redundantBy: "I", late: true, eager: false }, { redundantBy: "R", late: true, eager: false },
  { redundantBy: "I", late: true, eager: true }, { redundantBy: "R", late: true, eager: true },
] as const;

/** An INFORMATIONAL request (exchange type octet 18, flags octet 19 without R, RFC 7296 §3.1). */
function isInformationalRequest(d: Datagram): boolean {
  return d.bytes[18] === ExchangeType.INFORMATIONAL && ((d.bytes[19] ?? 0) & HeaderFlag.RESPONSE) === 0;
}

/**
 * `eager`: before its Delete leaves, the closer sends one packet on its redundant pair (a peer that
 * starts sending on an SA it created, as some do): the other side moves its sending there, and when
 * the Delete takes that pair away it must fall back to the surviving pair.
 */
function sendOnRedundant(closer: EspTunnels, inner: Uint8Array, toSegw: boolean, wire: { packet: Uint8Array; toSegw: boolean }[]): void {
  const t = closer.tunnels.find((x) => x.child.state === "deleting" && !x.child.outboundActive);
  assert.ok(t, "the closer's redundant pair, its Delete on the way");
  const packet = t.outbound.encapsulate(inner, 4);
  assert.ok(packet instanceof Uint8Array);
  wire.push({ packet, toSegw });
}

for (const { redundantBy, late, eager } of DATA_PLANE_CASES) {
  const when = (late ? ", its Delete arriving after the old SA is gone" : "") + (eager ? ", the closer sending on it first" : "");
  // With `late`, removing the old pair must not hand sending over to the redundant pair waiting on it
  // (EspTunnels.remove): that pair goes too, and sending would stop (a regression test).
  test(`RFC 7296 §2.8.1 on the ESP data plane (redundant SA by ${redundantBy}${when}): echo traffic flows through and after the collision`, () => {
    const espWire: { packet: Uint8Array; toSegw: boolean }[] = [];
    const received = new Set<number>();
    const tunnelsI: EspTunnels = new EspTunnels({
      sendEsp: (packet, to) => void espWire.push({ packet, toSegw: to.address === SEGW.address }),
      deliver: (p) => {
        const seq = echoReplySequence(p, 7);
        if (seq !== undefined) received.add(seq);
      },
    }, new Counters());
    const tunnelsR: EspTunnels = new EspTunnels({
      sendEsp: (packet, to) => void espWire.push({ packet, toSegw: to.address === SEGW.address }),
      deliver: (p, t) => {
        const reply = echoReplyFor(p);
        if (reply) tunnelsR.send(t.ikeSa, reply);
      },
    }, new Counters());
    const { pair, saI: sa, saR, oldI, oldR } = established({ sinkI: tunnelsI, sinkR: tunnelsR });
    const vip = sa.virtualIp;
    assert.ok(vip);
    const deliverEsp = () => {
      for (let d = espWire.shift(); d; d = espWire.shift()) {
        const spi = new DataView(d.packet.buffer, d.packet.byteOffset).getUint32(0);
        if (d.toSegw) tunnelsR.receive(d.packet, spi, { address: "198.18.0.2", port: 4500 });
        else tunnelsI.receive(d.packet, spi, { address: SEGW.address, port: 4500 });
      }
    };
    let seq = 0;
    const sendSome = (n: number) => {
      for (let i = 0; i < n; i++) tunnelsI.send(sa, echoRequest(vip, new Uint8Array([198, 18, 1, 1]), 7, ++seq));
    };
    steerNonces(pair.initiator, redundantBy === "I" ? [0x10, 0x60] : [0x60, 0x50]);
    steerNonces(pair.responder, redundantBy === "I" ? [0x50, 0x40] : [0x10, 0x40]);
    pair.initiator.rekeyChild(sa, oldI);
    pair.responder.rekeyChild(saR, oldR);
    // `late`: the closer's Delete of the redundant SA waits until everything else is delivered.
    const closerAddress = redundantBy === "I" ? UE.address : SEGW.address;
    let hold = late;
    const held: Datagram[] = [];
    while (pair.wire.length > 0 || held.length > 0) {
      sendSome(3);
      deliverEsp();
      const next = pair.wire[0];
      if (hold && next && next.from.address === closerAddress && isInformationalRequest(next)) {
        if (eager && held.length === 0) {
          if (redundantBy === "I") sendOnRedundant(tunnelsI, echoRequest(vip, new Uint8Array([198, 18, 1, 1]), 7, ++seq), true, espWire);
          else sendOnRedundant(tunnelsR, echoRequest(new Uint8Array([198, 18, 1, 1]), vip, 8, 1), false, espWire);
          deliverEsp();
        }
        held.push(...pair.wire.splice(0, 1));
      }
      else if (next) pair.flush(1);
      else {
        hold = false;
        pair.wire.push(...held.splice(0));
      }
    }
    assert.equal(hold, false, "any held Delete was released");
    sendSome(10);
    deliverEsp();
    assert.equal(tunnelsI.tunnels.length, 1);
    assert.equal(tunnelsR.tunnels.length, 1);
    assert.equal(received.size, seq, `all ${seq} echo requests answered`);
  });
}
