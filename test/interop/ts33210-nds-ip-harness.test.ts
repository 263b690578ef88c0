// The pure parts of the Zb interop harness (no root needed): the GTP-U Echo octets composed from
// TS 29.281, the Echo Response check, the drop counter read from a metrics page, and the swanctl
// connection of strongSwan as the eNB's NDS/IP SEG.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkEchoResponse, gtpuEchoRequest } from "./harness/nds-ip-gtpu.js";
import { dropsIn } from "./harness/nds-ip-segw.js";
import { zbSwanctlConf, type ZbPeerConfig } from "./harness/nds-ip-swanctl.js";

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

test("TS 29.281 §7.2.1: Echo Request = flags 0x32 (v1, PT, S), type 1, Length 4, TEID 0, sequence, N-PDU 0, next ext 0", () => {
  assert.deepEqual(gtpuEchoRequest(0x1234), bytes(0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0x12, 0x34, 0x00, 0x00));
  assert.throws(() => gtpuEchoRequest(0x10000));
});

test("TS 29.281 §7.2.2: an Echo Response with the request's sequence number and Recovery (type 14) is accepted", () => {
  const response = bytes(0x32, 0x02, 0x00, 0x06, 0, 0, 0, 0, 0x12, 0x34, 0x00, 0x00, 0x0e, 0x00);
  assert.deepEqual(checkEchoResponse(response, 0x1234), { ok: true, seq: 0x1234, restartCounter: 0 });
  // §5.2: with E set, the Recovery IE follows the extension headers (here one of 4 octets)
  const withExtension = bytes(0x36, 0x02, 0x00, 0x0a, 0, 0, 0, 0, 0x00, 0x07, 0x00, 0x40, 0x01, 0xaa, 0xbb, 0x00, 0x0e, 0x05);
  assert.deepEqual(checkEchoResponse(withExtension, 7), { ok: true, seq: 7, restartCounter: 5 });
});

test("TS 29.281: wrong type, sequence, Length, TEID, version, a missing S flag or Recovery IE are refused", () => {
  const good = [0x32, 0x02, 0x00, 0x06, 0, 0, 0, 0, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x00];
  const variant = (i: number, v: number): Uint8Array => new Uint8Array(good.map((b, j) => (j === i ? v : b)));
  const cases: [string, Uint8Array][] = [
    ["Echo Request instead", variant(1, 0x01)],
    ["another sequence number", variant(9, 0x02)],
    ["Length off by one", variant(3, 0x07)],
    ["TEID not 0", variant(7, 0x01)],
    ["GTPv2 flags", variant(0, 0x4a)],
    ["S clear", variant(0, 0x30)],
    ["another IE than Recovery", variant(12, 0xff)],
    ["truncated", new Uint8Array(good.slice(0, 10))],
  ];
  for (const [what, b] of cases) assert.equal(checkEchoResponse(b, 1).ok, false, what);
});

test("lwip_segw_drops_total{reason} is read from a Prometheus page, 0 when the reason is absent", () => {
  const page = [
    "# HELP lwip_segw_drops_total Packets dropped by reason",
    "# TYPE lwip_segw_drops_total counter",
    'lwip_segw_drops_total{reason="no-session"} 4',
    'lwip_segw_drops_total{reason="gtpu-outside-nds-ip"} 2',
  ].join("\n");
  assert.equal(dropsIn(page, "gtpu-outside-nds-ip"), 2);
  assert.equal(dropsIn(page, "zb-not-gtpu"), 0);
});

test("swanctl.conf of the eNB's SEG: pubkey both ways, IDi as FQDN, IDr the SeGW's address, host selectors; lab addresses only", () => {
  const c: ZbPeerConfig = {
    localId: "alpha", segw: "198.18.0.1", local: "198.18.0.2", localTs: "198.18.0.2/32", remoteTs: "198.18.3.1/32",
    caFile: "/x/ca.pem", certFile: "/x/enb-alpha.pem", keyFile: "/x/enb-alpha-key.pem",
  };
  const conf = zbSwanctlConf(c);
  assert.match(conf, /local \{\s+auth = pubkey\s+certs = enb-alpha\.pem\s+id = "@alpha"\s+\}/);
  assert.match(conf, /remote \{\s+auth = pubkey\s+id = 198\.18\.0\.1\s+cacerts = ca\.pem\s+\}/);
  assert.match(conf, /local_ts = 198\.18\.0\.2\/32\s+remote_ts = 198\.18\.3\.1\/32/);
  assert.match(conf, /encap = yes/);
  assert.throws(() => zbSwanctlConf({ ...c, segw: "192.0.2.1" }), /outside 198\.18\.0\.0\/15/);
  assert.throws(() => zbSwanctlConf({ ...c, localId: "alpha # comment" }), /host name/);
});
