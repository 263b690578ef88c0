/**
 * Control API bodies (src/segw/control-api/json-schemas.ts, XwAP LWIP procedures as JSON): the
 * steps of readJsonBody after the HTTP layer (JSON.parse, zod safeParse, issue formatting), then
 * the provisioning store for a valid LWIP ADDITION REQUEST (TS 33.401 16.2.2, 16.2.3).
 * Oracles: the PSK of a refused request is zeroized; an accepted one never appears in the
 * listing; when the window ends the entry, its timer and its PSK are gone (state back to baseline).
 */
import { ueView } from "../../../src/segw/control-api/ue-registry.js";
import { describeIssues, formatIssues, schemaErrorMap } from "../../../src/segw/config-schema.js";
import { lwipAdditionRequestSchema, lwipReleaseConfirmSchema, lwipReleaseRequestSchema, ueJson } from "../../../src/segw/control-api/json-schemas.js";
import { ProvisioningStore } from "../../../src/segw/provisioning-store.js";
import { FakeClock } from "../../../src/sim/fake-clock.js";
import { toHex } from "../../../src/wire/hex.js";
import type { FuzzTarget } from "../campaign/target.js";
import { invariant } from "../campaign/target.js";
import type { Mutator } from "../campaign/mutators.js";
import type { Rng } from "../campaign/rng.js";

const SCHEMAS = [lwipAdditionRequestSchema, lwipReleaseRequestSchema, lwipReleaseConfirmSchema] as const;

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // readJsonBody answers 400 for any failure of JSON.parse.
    return { ok: false };
  }
}

/** Provisions a parsed LWIP ADDITION REQUEST on a fresh store and checks the PSK's life cycle. */
function provision(value: import("../../../src/segw/control-api/xwap.js").LwipAdditionRequest): void {
  const clock = new FakeClock();
  const store = new ProvisioningStore({ clock, defaultWindowSeconds: 30, maxWindowSeconds: 300, maxEntries: 10 });
  const pskHex = toHex(value.lwipPsk);
  const r = store.provision("alpha", value);
  if (!r.ok) {
    invariant(value.lwipPsk.every((b) => b === 0), "a refused LWIP ADDITION REQUEST left its PSK in memory");
    invariant(store.size === 0 && clock.pending === 0, "a refused LWIP ADDITION REQUEST left state behind");
    return;
  }
  // An IDi may hold the same octets as the PSK (the eNB chooses both); only other places count.
  const idiHex = toHex(r.entry.idi);
  const listing = JSON.stringify({ ...ueJson(ueView(r.entry, { gtpu: "127.0.0.1", ip: undefined }), clock.now()), ikeInitiatorIdentity: null });
  invariant(idiHex.includes(pskHex) || !listing.includes(pskHex), "the UE listing shows the PSK");
  const found = store.lookupPsk(r.entry.idi);
  invariant(found.ok, "a provisioned IDi has no PSK");
  clock.advance((value.windowSeconds ?? 30) * 1000);
  invariant(store.size === 0 && clock.pending === 0, "the window ended but the entry or its timer is still there");
  invariant(value.lwipPsk.every((b) => b === 0), "the window ended but the PSK was not zeroized");
}

/** One control-api input: [schema (mod 3)][JSON body as UTF-8]. */
export function runControlApi(input: Uint8Array): void {
  const schema = SCHEMAS[(input[0] ?? 0) % SCHEMAS.length];
  const json = parseJson(new TextDecoder().decode(input.subarray(1)));
  if (!schema || !json.ok) return;
  const parsed = schema.safeParse(json.value, { error: schemaErrorMap });
  if (!parsed.success) {
    formatIssues(describeIssues(parsed.error), 5);
    return;
  }
  if (schema === lwipAdditionRequestSchema) provision(parsed.data as import("../../../src/segw/control-api/xwap.js").LwipAdditionRequest);
}

const ADDITION = {
  enbUeXwapId: "000001",
  ueIdentity: "02:00:00:00:00:01",
  lwipSegwSecurityInformation: { lwipPsk: "07".repeat(32), ikeInitiatorIdentity: "4c5749502d55452d30303031" },
  enbGtpTunnelEndpoint: { transportLayerAddress: "127.0.0.5", gtpTeid: "0a0b0c0d" },
  windowSeconds: 30,
};

function seed(schema: number, body: unknown): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(body));
  const out = new Uint8Array(1 + text.length);
  out[0] = schema;
  out.set(text, 1);
  return out;
}

/** Values a JSON node may be replaced with: wrong types, edge numbers, odd strings, prototype keys. */
function oddValue(rng: Rng, depth = 0): unknown {
  const hexText = (n: number) => Array.from({ length: n }, () => "0123456789abcdefABCDEF:-zx"[rng.below(26)]).join("");
  const choices: (() => unknown)[] = [
    () => null, () => true, () => 0, () => -1, () => 1.5, () => 2 ** 53 + 1, () => 1e308, () => -0, () => 4294967296,
    () => "", () => hexText(rng.below(80)), () => hexText(64), () => hexText(6), () => hexText(8), () => "\u0000\ud800é",
    () => "::ffff:127.0.0.1", () => "fe80::1%eth0", () => "127.0.0.01", () => "1.2.3.4.5", () => "x".repeat(20000),
    () => [], () => ({}), () => JSON.parse('{"__proto__": {"polluted": 1}}') as unknown, () => ({ constructor: { prototype: 1 } }),
    () => (depth < 30 ? [oddValue(rng, depth + 1)] : 0),
  ];
  return rng.pick(choices)();
}

/** Structure-aware: parse the body, replace, delete or add one member somewhere, serialise again. */
const jsonMutator: Mutator = (input, { rng }) => {
  const parsed = parseJson(new TextDecoder().decode(input.subarray(1)));
  if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null) return input;
  let node = parsed.value as Record<string, unknown>;
  for (let i = 0; i < 4; i++) {
    const keys = Object.keys(node);
    const k = keys[rng.below(keys.length)];
    const child = k === undefined ? undefined : node[k];
    if (!child || typeof child !== "object" || rng.oneIn(2)) break;
    node = child as Record<string, unknown>;
  }
  const keys = Object.keys(node);
  const k = keys[rng.below(keys.length)] ?? "extra";
  const op = rng.below(4);
  if (op === 0) delete node[k];
  else if (op === 1) node[rng.pick(["extra", "__proto__", "toString", "windowSeconds", "lwipPsk", k + "x"])] = oddValue(rng);
  else node[k] = oddValue(rng);
  return seed(input[0] ?? 0, parsed.value);
};

export const controlApiTarget: FuzzTarget = {
  name: "control-api",
  inputFormat: "octet 0: schema (0 LWIP ADDITION REQUEST, 1 LWIP RELEASE REQUEST, 2 LWIP RELEASE CONFIRM, modulo); then the JSON body in UTF-8",
  async seeds() {
    const { enbGtpTunnelEndpoint: _tep, windowSeconds: _w, ...minimal } = ADDITION;
    return [
      seed(0, ADDITION),
      seed(0, minimal),
      seed(0, { ...ADDITION, ueIdentity: "020000000001", enbGtpTunnelEndpoint: { transportLayerAddress: "2001:db8::5", gtpTeid: "00000001" } }),
      seed(1, { wtUeXwapId: "000001", cause: { type: "radioNetwork", value: "unspecified" } }),
      seed(1, { ikeInitiatorIdentity: "4c57", enbUeXwapId: "000001" }),
      seed(2, { enbUeXwapId: "000001", wtUeXwapId: "000002" }),
    ];
  },
  run: runControlApi,
  maxLength: 16 * 1024,
  dictionary: ['"', "{", "}", "[", "]", ":", ",", "null", "true", "1e999", "-0", "\\u0000", "\\ud800", "__proto__"].map((t) => new TextEncoder().encode(t)),
  mutators: [jsonMutator, jsonMutator],
};
