// The TS 36.331 LWIP information elements as the simulated air interface carries them: field names
// of the ASN.1 (spec brief §2.1, from TS 36.331 V17.4.0), ranges and sizes enforced on decoding,
// and a property test on the decoders (any JSON value gives a message or a CodecError, never a
// throw; valid messages re-encode to the same JSON).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeRrcDownlink, decodeRrcUplink, encodeRrc } from "../../../src/lwip/rrc-codec.js";
import {
  DRB_TYPE_LWIP_R13,
  lwipDownlink,
  lwipUplink,
  REESTABLISHMENT_CAUSE,
  T304,
  usesLwip,
  WLAN_STATUS_R13,
  type RrcDownlinkMessage,
  type RrcUplinkMessage,
} from "../../../src/lwip/rrc.js";
import { hex } from "../../../src/wire/hex.js";

const SETUP: RrcDownlinkMessage = {
  rrcConnectionReconfiguration: {
    "rrc-TransactionIdentifier": 2,
    radioResourceConfigDedicated: { "drb-ToAddModList": [{ "drb-Identity": 1, "drb-TypeLWIP-r13": "lwip" }, { "drb-Identity": 3, "drb-TypeLWIP-r13": "lwip-UL-only" }] },
    "lwip-Configuration-r13": {
      setup: {
        "lwip-Config-r13": {
          "lwip-MobilityConfig-r13": { "successReportRequested-r13": "true" },
          "tunnelConfigLWIP-r13": { "ip-Address-r13": { "ipv4-r13": hex("c6120001") }, "ike-Identity-r13": { "idI-r13": hex("00112233445566778899aabbccddeeff") }, "lwip-Counter-r13": 65535 },
        },
      },
    },
  },
};

test("TS 36.331: an LWIP set-up is carried with the ASN.1 field names, octet strings in hex", () => {
  assert.deepEqual(encodeRrc(SETUP), {
    rrcConnectionReconfiguration: {
      "rrc-TransactionIdentifier": 2,
      radioResourceConfigDedicated: { "drb-ToAddModList": [{ "drb-Identity": 1, "drb-TypeLWIP-r13": "lwip" }, { "drb-Identity": 3, "drb-TypeLWIP-r13": "lwip-UL-only" }] },
      "lwip-Configuration-r13": {
        setup: {
          "lwip-Config-r13": {
            "lwip-MobilityConfig-r13": { "successReportRequested-r13": "true" },
            "tunnelConfigLWIP-r13": { "ip-Address-r13": { "ipv4-r13": "c6120001" }, "ike-Identity-r13": { "idI-r13": "00112233445566778899aabbccddeeff" }, "lwip-Counter-r13": 65535 },
          },
        },
      },
    },
  });
  const back = decodeRrcDownlink(JSON.parse(JSON.stringify(encodeRrc(SETUP))));
  assert.ok(back.ok);
  assert.deepEqual(back.value, SETUP);
});

test("TS 36.331: LWIP-Configuration-r13 release is the NULL choice", () => {
  const m: RrcDownlinkMessage = { rrcConnectionReconfiguration: { "rrc-TransactionIdentifier": 0, "lwip-Configuration-r13": { release: null } } };
  assert.deepEqual(encodeRrc(m), { rrcConnectionReconfiguration: { "rrc-TransactionIdentifier": 0, "lwip-Configuration-r13": { release: null } } });
  const back = decodeRrcDownlink(encodeRrc(m));
  assert.ok(back.ok);
  assert.deepEqual(back.value, m);
});

/** The set-up message with one value replaced at a path. */
function withValue(path: readonly string[], value: unknown): unknown {
  const json = structuredClone(encodeRrc(SETUP)) as Record<string, unknown>;
  let at: Record<string, unknown> = json;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path.at(-1) ?? ""] = value;
  return json;
}

const TUNNEL = ["rrcConnectionReconfiguration", "lwip-Configuration-r13", "setup", "lwip-Config-r13", "tunnelConfigLWIP-r13"];

test("TS 36.331 ranges and sizes are enforced: counter, DRB identity, IP address, transaction id, unknown keys", () => {
  const refused = (json: unknown, why: string) => {
    const r = decodeRrcDownlink(json);
    assert.equal(r.ok, false, why);
    if (!r.ok) assert.equal(r.error.code, "bad-value");
  };
  refused(withValue([...TUNNEL, "lwip-Counter-r13"], 65536), "lwip-Counter-r13 is INTEGER (0..65535)");
  refused(withValue([...TUNNEL, "lwip-Counter-r13"], -1), "no negative counter");
  refused(withValue([...TUNNEL, "lwip-Counter-r13"], 1.5), "the counter is an integer");
  refused(withValue([...TUNNEL, "ip-Address-r13"], { "ipv4-r13": "c61200" }), "ipv4-r13 is BIT STRING (SIZE (32))");
  refused(withValue([...TUNNEL, "ip-Address-r13"], { "ipv6-r13": "c6120001" }), "ipv6-r13 is BIT STRING (SIZE (128))");
  refused(withValue([...TUNNEL, "ike-Identity-r13"], { "idI-r13": "" }), "an IDi has octets");
  refused(withValue([...TUNNEL, "ike-Identity-r13"], { "idI-r13": "0g" }), "hex only");
  refused(withValue(["rrcConnectionReconfiguration", "radioResourceConfigDedicated"], { "drb-ToAddModList": [{ "drb-Identity": 33 }] }), "DRB-Identity is 1..32");
  refused(withValue(["rrcConnectionReconfiguration", "radioResourceConfigDedicated"], { "drb-ToAddModList": [{ "drb-Identity": 1, "drb-TypeLWIP-r13": "wlan" }] }), "drb-TypeLWIP-r13 is an ENUMERATED");
  refused(withValue(["rrcConnectionReconfiguration", "rrc-TransactionIdentifier"], 4), "RRC-TransactionIdentifier is 0..3");
  refused(withValue([...TUNNEL, "lwip-Psk"], "00"), "unknown keys are refused");
  refused(withValue(["rrcConnectionReconfiguration", "lwip-Configuration-r13"], { release: null, setup: {} }), "a CHOICE has one alternative");
  refused({ "wlanConnectionStatusReport-r13": { "wlan-Status-r13": "failureWlanRadioLink" } }, "an uplink message is not a downlink one");
});

test("TS 36.331 uplink: WLANConnectionStatusReport-r13, UE capability with the WLAN MAC, re-establishment request", () => {
  const ok = (m: RrcUplinkMessage) => {
    const r = decodeRrcUplink(JSON.parse(JSON.stringify(encodeRrc(m))));
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.deepEqual(r.value, m);
  };
  for (const s of WLAN_STATUS_R13) ok({ "wlanConnectionStatusReport-r13": { "wlan-Status-r13": s } });
  ok({ ueCapabilityInformation: { "rrc-TransactionIdentifier": 0, "lwip-Parameters-r13": { "lwip-r13": "supported" }, "wlan-MAC-Address-r13": hex("020000000001") } });
  ok({ rrcConnectionReestablishmentRequest: { "ue-Identity": { "c-RNTI": hex("1234"), physCellId: 503 }, reestablishmentCause: "otherFailure" } });
  assert.equal(decodeRrcUplink({ "wlanConnectionStatusReport-r13": { "wlan-Status-r13": "suspended" } }).ok, false, "the Rel-14 WLAN-Status-v1430 values are not WLAN-Status-r13");
  assert.equal(decodeRrcUplink({ ueCapabilityInformation: { "rrc-TransactionIdentifier": 0, "lwip-Parameters-r13": {}, "wlan-MAC-Address-r13": "0200000000" } }).ok, false, "a MAC address is 6 octets");
});

test("drb-TypeLWIP-r13: which directions use LWIP (TS 36.331 §5.3.10.3a3)", () => {
  const table = DRB_TYPE_LWIP_R13.map((t) => [t, usesLwip(t), lwipUplink(t), lwipDownlink(t)]);
  assert.deepEqual(table, [
    ["lwip", true, true, true],
    ["lwip-DL-only", true, false, true],
    ["lwip-UL-only", true, true, false],
    ["eutran", false, false, false],
  ]);
});

const octets = (min: number, max = min) => fc.uint8Array({ minLength: min, maxLength: max });
const drbId = fc.integer({ min: 1, max: 32 });
const transaction = fc.integer({ min: 0, max: 3 });
const wlanIds = fc.array(fc.record({ "ssid-r12": octets(1, 32), "bssid-r12": octets(6), "hessid-r12": octets(6) }, { requiredKeys: [] }), { minLength: 1, maxLength: 3 });

const downlink: fc.Arbitrary<RrcDownlinkMessage> = fc.oneof(
  fc.record({
    rrcConnectionReconfiguration: fc.record(
      {
        "rrc-TransactionIdentifier": transaction,
        mobilityControlInfo: fc.record(
          { targetPhysCellId: fc.integer({ min: 0, max: 503 }), carrierFreq: fc.record({ "dl-CarrierFreq": fc.integer({ min: 0, max: 65535 }) }), t304: fc.constantFrom(...T304), "newUE-Identity": octets(2) },
          { requiredKeys: ["targetPhysCellId", "t304", "newUE-Identity"] },
        ),
        radioResourceConfigDedicated: fc.record(
          { "drb-ToAddModList": fc.array(fc.record({ "drb-Identity": drbId, "drb-TypeLWIP-r13": fc.constantFrom(...DRB_TYPE_LWIP_R13) }, { requiredKeys: ["drb-Identity"] }), { minLength: 1, maxLength: 4 }), "drb-ToReleaseList": fc.array(drbId, { minLength: 1, maxLength: 4 }) },
          { requiredKeys: [] },
        ),
        securityConfigHO: fc.record({ handoverType: fc.record({ intraLTE: fc.record({ keyChangeIndicator: fc.boolean(), nextHopChainingCount: fc.integer({ min: 0, max: 7 }) }) }) }),
        "lwip-Configuration-r13": fc.oneof(
          fc.constant({ release: null }),
          fc.record({
            setup: fc.record({
              "lwip-Config-r13": fc.record(
                {
                  "lwip-MobilityConfig-r13": fc.record(
                    { "wlan-ToReleaseList-r13": wlanIds, "wlan-ToAddList-r13": wlanIds, "associationTimer-r13": fc.constantFrom("s10", "s30", "s60", "s120", "s240"), "successReportRequested-r13": fc.constant("true") },
                    { requiredKeys: [] },
                  ),
                  "tunnelConfigLWIP-r13": fc.record(
                    {
                      "ip-Address-r13": fc.oneof(fc.record({ "ipv4-r13": octets(4) }), fc.record({ "ipv6-r13": octets(16) })),
                      "ike-Identity-r13": fc.record({ "idI-r13": octets(1, 64) }),
                      "lwip-Counter-r13": fc.integer({ min: 0, max: 65535 }),
                    },
                    { requiredKeys: ["ip-Address-r13", "ike-Identity-r13"] },
                  ),
                },
                { requiredKeys: [] },
              ),
            }),
          }),
        ),
      },
      { requiredKeys: ["rrc-TransactionIdentifier"] },
    ),
  }),
  fc.record({ rrcConnectionReestablishment: fc.record({ "rrc-TransactionIdentifier": transaction, nextHopChainingCount: fc.integer({ min: 0, max: 7 }) }) }),
) as fc.Arbitrary<RrcDownlinkMessage>;

const uplink: fc.Arbitrary<RrcUplinkMessage> = fc.oneof(
  fc.record({ rrcConnectionReconfigurationComplete: fc.record({ "rrc-TransactionIdentifier": transaction }) }),
  fc.record({ "wlanConnectionStatusReport-r13": fc.record({ "wlan-Status-r13": fc.constantFrom(...WLAN_STATUS_R13) }) }),
  fc.record({ ueCapabilityInformation: fc.record({ "rrc-TransactionIdentifier": transaction, "lwip-Parameters-r13": fc.record({ "lwip-r13": fc.constant("supported") }, { requiredKeys: [] }), "wlan-MAC-Address-r13": octets(6) }, { requiredKeys: ["rrc-TransactionIdentifier", "lwip-Parameters-r13"] }) }),
  fc.record({ rrcConnectionReestablishmentRequest: fc.record({ "ue-Identity": fc.record({ "c-RNTI": octets(2), physCellId: fc.integer({ min: 0, max: 503 }) }), reestablishmentCause: fc.constantFrom(...REESTABLISHMENT_CAUSE) }) }),
) as fc.Arbitrary<RrcUplinkMessage>;

test("property: every valid RRC message survives encode -> JSON text -> decode and re-encodes to the same JSON", () => {
  fc.assert(
    fc.property(downlink, (m) => {
      const json = JSON.stringify(encodeRrc(m));
      const back = decodeRrcDownlink(JSON.parse(json));
      return back.ok && JSON.stringify(encodeRrc(back.value)) === json;
    }),
  );
  fc.assert(
    fc.property(uplink, (m) => {
      const json = JSON.stringify(encodeRrc(m));
      const back = decodeRrcUplink(JSON.parse(json));
      return back.ok && JSON.stringify(encodeRrc(back.value)) === json;
    }),
  );
});

test("property: any JSON value decodes to a message or a CodecError, never a throw", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      for (const r of [decodeRrcDownlink(v), decodeRrcUplink(v)]) if (!r.ok) assert.equal(typeof r.error.message, "string");
    }),
  );
  // Mutations of a valid message: any one field or element replaced by an arbitrary JSON value.
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (v !== null && typeof v === "object") for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(encodeRrc(SETUP), []);
  fc.assert(
    fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue(), (path, v) => {
      const json = structuredClone(encodeRrc(SETUP)) as Record<string | number, unknown>;
      let at = json;
      for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
      at[path.at(-1) ?? 0] = v;
      const r = decodeRrcDownlink(json);
      if (r.ok) assert.deepEqual(encodeRrc(r.value), json, "what decodes re-encodes to the same JSON");
    }),
  );
});
