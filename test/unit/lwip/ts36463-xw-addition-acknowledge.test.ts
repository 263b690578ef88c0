// The eNB's reading of LWIP ADDITION REQUEST ACKNOWLEDGE (TS 36.463 §9.1.x, as JSON on the control
// API), in particular lwipSegwIpAddress: not an XwAP IE (XwAP leaves the SeGW address to OAM), the
// address of the worker of a multi-worker SeGW that holds the UE, which the UE is given in
// TunnelConfigLWIP-r13 ip-Address-r13 (TS 36.331; TS 33.401 16.2.1). Optional; an IP literal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { XwClient, type XwAdditionResult } from "../../../src/lwip/enb-xw.js";
import type { ControlApiClient } from "../../../src/segw/control-api/client.js";
import { silentLogger } from "../../../src/io/log.js";
import { hex } from "../../../src/wire/hex.js";

const ACK = { enbUeXwapId: "000001", wtUeXwapId: "00000a", lwipSegwGtpTunnelEndpoint: { transportLayerAddress: "127.0.0.2", gtpTeid: "0000beef" } };

/** An LWIP ADDITION REQUEST answered 200 with `body`. */
async function additionAnsweredWith(body: unknown): Promise<XwAdditionResult> {
  const api = { call: async () => ({ status: 200, body }) } as unknown as ControlApiClient;
  return new XwClient(api, silentLogger).lwipAdditionRequest({
    enbUeXwapId: hex("000001"), ueIdentity: hex("020000000001"), lwipPsk: new Uint8Array(32), ikeInitiatorIdentity: hex("c0ffee"),
    enbGtpTunnelEndpoint: { address: "127.0.0.5", teid: 7 },
  });
}

test("an acknowledge without lwipSegwIpAddress (older or single-process SeGW): no address, the eNB's configured one applies", async () => {
  const r = await additionAnsweredWith(ACK);
  assert.ok(r.ok);
  assert.equal("lwipSegwIpAddress" in r, false);
  assert.deepEqual(r.segwGtpTunnelEndpoint, { address: "127.0.0.2", teid: 0xbeef });
});

test("lwipSegwIpAddress, IPv4 or IPv6, is carried in the result", async () => {
  for (const address of ["198.18.0.7", "2001:db8::7"]) {
    const r = await additionAnsweredWith({ ...ACK, lwipSegwIpAddress: address });
    assert.ok(r.ok, address);
    assert.equal(r.lwipSegwIpAddress, address);
  }
});

test("lwipSegwIpAddress that is not an IP literal makes the acknowledge malformed", async () => {
  for (const address of ["segw.example.net", "300.1.1.1", "", "198.18.0.7/32", 7]) {
    const r = await additionAnsweredWith({ ...ACK, lwipSegwIpAddress: address });
    assert.deepEqual(r, { ok: false, cause: "protocol/semantic-error", error: "malformed LWIP ADDITION REQUEST ACKNOWLEDGE" }, String(address));
  }
});
