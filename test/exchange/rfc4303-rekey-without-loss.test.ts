import { test } from "node:test";
import assert from "node:assert/strict";
import { EspTunnels } from "../../src/dataplane/esp-tunnels.js";
import type { Endpoint } from "../../src/ike/endpoint.js";
import { Counters } from "../../src/io/counters.js";
import { echoRequest, echoReplySequence } from "../../src/cli/ping.js";
import { echoReplyFor } from "../../src/inet/icmp.js";
import { IkePair, SEGW } from "../support/ike-pair.js";

interface EspDatagram {
  readonly packet: Uint8Array;
  readonly to: Endpoint;
}

/**
 * Issue 3 / RFC 7296 §2.8: during a CHILD SA rekey traffic keeps flowing. The new pair is installed
 * before the old one is deleted and the old inbound SA keeps accepting what is in flight, so a steady
 * stream of echo requests, with packets crossing the rekey exchange on the wire, loses nothing.
 */
for (const starter of ["initiator", "responder"] as const) {
  test(`a steady echo stream survives a CHILD SA rekey started by the ${starter} without loss`, () => {
    const espWire: EspDatagram[] = [];
    const received = new Set<number>();
    const countersI = new Counters();
    const countersR = new Counters();
    const tunnelsI: EspTunnels = new EspTunnels({
      sendEsp: (packet, to) => void espWire.push({ packet, to }),
      deliver: (p) => {
        const seq = echoReplySequence(p, 7);
        if (seq !== undefined) received.add(seq);
      },
    }, countersI);
    const tunnelsR: EspTunnels = new EspTunnels({
      sendEsp: (packet, to) => void espWire.push({ packet, to }),
      deliver: (p, t) => {
        const reply = echoReplyFor(p);
        if (reply) tunnelsR.send(t.ikeSa, reply);
      },
    }, countersR);
    const pair = new IkePair({ sinkI: tunnelsI, sinkR: tunnelsR });
    const sa = pair.initiate();
    pair.flush();
    const vip = sa.virtualIp;
    assert.ok(vip);
    const deliverEsp = () => {
      while (espWire.length > 0) {
        const d = espWire.shift();
        if (!d) break;
        const target = d.to.address === SEGW.address ? tunnelsR : tunnelsI;
        const spi = ((d.packet[0] ?? 0) << 24 | (d.packet[1] ?? 0) << 16 | (d.packet[2] ?? 0) << 8 | (d.packet[3] ?? 0)) >>> 0;
        target.receive(d.packet, spi, d.to.address === SEGW.address ? { address: "198.18.0.2", port: 4500 } : { address: SEGW.address, port: 4500 });
      }
    };
    let seq = 0;
    const sendOne = () => void tunnelsI.send(sa, echoRequest(vip, new Uint8Array([198, 18, 1, 1]), 7, ++seq));
    for (let i = 0; i < 20; i++) sendOne();
    const node = starter === "initiator" ? pair.initiator : pair.responder;
    const ikeSa = node.sas[0];
    const child = ikeSa?.children[0];
    assert.ok(ikeSa && child);
    node.rekeyChild(ikeSa, child);
    // One path, in order: ESP sent before an IKE datagram arrives before it. Between IKE steps more
    // data goes out, so packets protected with the old SA cross the rekey exchange on the wire.
    while (pair.wire.length > 0) {
      for (let i = 0; i < 5; i++) sendOne();
      deliverEsp();
      pair.flush(1);
    }
    for (let i = 0; i < 20; i++) sendOne();
    deliverEsp();
    assert.equal(pair.sinkI.installed.length, 0, "the ESP data plane was the sink");
    assert.equal(tunnelsI.tunnels.length, 1, "only the new pair remains");
    assert.equal(received.size, seq, `all ${seq} echo requests answered`);
    assert.deepEqual(countersR.snapshot()['esp_dropped{reason="bad-spi"}'], undefined);
  });
}
