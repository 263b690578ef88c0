// literalLookup, the address lookup of our UDP sockets: an IP literal is answered at once with its
// family (what dns.lookup answers a tick later), a name still goes to dns.lookup; and sockets that
// use it still carry IKE datagrams both ways on loopback.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lookup } from "node:dns/promises";
import { literalLookup } from "../../../src/io/udp-lookup.js";
import { IkeUdpSockets } from "../../../src/io/udp.js";
import type { Endpoint } from "../../../src/ike/endpoint.js";

test("literalLookup: IPv4 and IPv6 literals come back before the call returns, with their family", () => {
  for (const [address, family] of [["127.0.0.1", 4], ["198.18.0.1", 4], ["::1", 6], ["2001:db8::1", 6]] as const) {
    let answer: [string, number] | undefined;
    literalLookup(address, { family: 4 }, (err, a, f) => {
      assert.equal(err, null);
      answer = [a, f];
    });
    assert.deepEqual(answer, [address, family]);
  }
});

test("literalLookup: a name is resolved by dns.lookup", async () => {
  const expected = await lookup("localhost", { family: 4 });
  const got = await new Promise<[string, number]>((resolve, reject) =>
    literalLookup("localhost", { family: 4 }, (err, a, f) => (err ? reject(err) : resolve([a, f]))));
  assert.deepEqual(got, [expected.address, expected.family]);
});

test("IkeUdpSockets with literalLookup: IKE on the IKE port and, with the non-ESP marker, on the NAT-T port", async () => {
  const got: { message: number[]; remote: Endpoint; local: Endpoint }[] = [];
  const ports = { ike: 25811, natt: 25812 };
  const server = await IkeUdpSockets.open({ address: "127.0.0.1", ikePort: ports.ike, nattPort: ports.natt }, {
    onIke: (m, remote, local) => got.push({ message: [...m], remote, local }), onEsp: () => {},
  });
  const client = await IkeUdpSockets.open({ address: "127.0.0.2", ikePort: ports.ike, nattPort: ports.natt }, { onIke: () => {}, onEsp: () => {} });
  try {
    const message = Uint8Array.from({ length: 28 }, (_, i) => i + 1);
    client.sendIke(message, { address: "127.0.0.2", port: ports.ike }, { address: "127.0.0.1", port: ports.ike });
    client.sendIke(message, { address: "127.0.0.2", port: ports.natt }, { address: "127.0.0.1", port: ports.natt });
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(got.length, 2);
    for (const g of got) assert.deepEqual(g.message, [...message]);
    assert.deepEqual(got.map((g) => g.local.port).sort(), [ports.ike, ports.natt]);
    assert.deepEqual(got.map((g) => g.remote.address), ["127.0.0.2", "127.0.0.2"]);
  } finally {
    client.close();
    server.close();
  }
});
