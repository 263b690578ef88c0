// RFC 7383 §2.5-§2.6: sealing a message as SKF fragments, opening each on its own, and reassembly.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeMessage } from "../../../src/ike/codec/message.js";
import type { Payload } from "../../../src/ike/codec/payloads.js";
import { createSkCipher, type SkCipher } from "../../../src/ike/crypto/sk-cipher.js";
import { collectFragment, MAX_FRAGMENTS, MAX_REASSEMBLED_OCTETS, type Reassembly } from "../../../src/ike/fragment-reassembly.js";
import { openFragment, sealFragments, type HeaderFields, type OpenedFragment } from "../../../src/ike/message-protection.js";
import { notify } from "../../../src/ike/payload-builders.js";
import { EncrId, IntegId, PayloadType } from "../../../src/ike/registry.js";

const SUITES: ReadonlyArray<[string, () => SkCipher | undefined]> = [
  ["AES-GCM-16-128", () => createSkCipher({ encrId: EncrId.ENCR_AES_GCM_16, encrKeyBits: 128, integId: IntegId.NONE }, new Uint8Array(20).fill(1), undefined)],
  ["AES-CBC-128/HMAC-SHA-256-128", () => createSkCipher({ encrId: EncrId.ENCR_AES_CBC, encrKeyBits: 128, integId: IntegId.AUTH_HMAC_SHA2_256_128 }, new Uint8Array(16).fill(3), new Uint8Array(32).fill(4))],
];
const HEADER: HeaderFields = { spiI: new Uint8Array(8).fill(0xa1), spiR: new Uint8Array(8).fill(0xb2), exchangeType: 35, flags: 0x08, messageId: 1 };

function cipher(make: () => SkCipher | undefined): SkCipher {
  const c = make();
  assert.ok(c);
  return c;
}

/** Opens every datagram with `opener` and files it; the reassembled payloads, or undefined. */
function reassemble(datagrams: readonly Uint8Array[], opener: SkCipher): Payload[] | undefined {
  let keep: Reassembly | undefined;
  for (const d of datagrams) {
    const m = decodeMessage(d);
    assert.ok(m.ok);
    const f = openFragment(d, m.value, opener);
    assert.ok(f.ok, "each fragment verifies on its own");
    const r = collectFragment(keep, m.value.header.messageId, f.fragment);
    keep = r.keep;
    if (r.result.kind === "complete") return r.result.payloads;
  }
  return undefined;
}

for (const [name, make] of SUITES) {
  test(`§2.5: a message larger than the limit goes as SKF fragments within it and reassembles to the same payloads (${name})`, () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 900 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 150, max: 1500 }), (datas, max) => {
      const payloads = datas.map((d) => notify(40000 + d.length, d));
      const datagrams = sealFragments(HEADER, payloads, cipher(make), max);
      const first = decodeMessage(datagrams[0] ?? new Uint8Array(0));
      assert.ok(first.ok);
      if (datagrams.length === 1 && first.value.header.nextPayload === PayloadType.SK) return;
      datagrams.forEach((d, i) => {
        assert.ok(d.length <= max, `fragment of ${d.length} > ${max}`);
        const m = decodeMessage(d);
        assert.ok(m.ok);
        assert.equal(m.value.header.nextPayload, PayloadType.SKF);
        assert.equal(m.value.header.messageId, HEADER.messageId);
        const skf = m.value.payloads.at(-1);
        assert.ok(skf && "fragmentNumber" in skf);
        assert.equal(skf.fragmentNumber, i + 1);
        assert.equal(skf.totalFragments, datagrams.length);
        assert.equal(skf.innerFirst, i === 0 ? PayloadType.NOTIFY : PayloadType.NONE, "Next Payload: the first inner type in fragment 1, 0 after");
      });
      assert.deepEqual(reassemble(datagrams, cipher(make)), payloads);
    }), { numRuns: 60 });
  });

  test(`§2.5: Fragment Number and Total Fragments are authenticated: changing either fails the ICV (${name})`, () => {
    const datagrams = sealFragments(HEADER, [notify(40000, new Uint8Array(600).fill(9))], cipher(make), 300);
    assert.ok(datagrams.length >= 3);
    const second = datagrams[1] ?? new Uint8Array(0);
    // IKE header (28) + SKF generic header (4): Fragment Number at 32, Total Fragments at 34.
    let checked = 0;
    for (const at of [33, 35]) {
      const forged = second.slice();
      forged[at] = (forged[at] ?? 0) ^ 0x01;
      const m = decodeMessage(forged);
      if (!m.ok) continue; // a Fragment Number above Total Fragments is refused by the codec already
      const f = openFragment(forged, m.value, cipher(make));
      assert.deepEqual(f, { ok: false, failure: { kind: "icv" } });
      checked++;
    }
    assert.ok(checked >= 1, "at least one forged fragment reached the ICV check");
  });
}

test("§2.5: a message that fits goes whole, as one SK message", () => {
  const c = cipher(SUITES[0]?.[1] ?? (() => undefined));
  const datagrams = sealFragments(HEADER, [notify(40000, new Uint8Array(10))], c, 1280);
  assert.equal(datagrams.length, 1);
  const m = decodeMessage(datagrams[0] ?? new Uint8Array(0));
  assert.ok(m.ok);
  assert.equal(m.value.header.nextPayload, PayloadType.SK);
});

/** A fragment as openFragment returns it, without crypto. */
const frag = (number: number, total: number, inner: Uint8Array, innerFirst = number === 1 ? PayloadType.NOTIFY : 0): OpenedFragment => ({ number, total, innerFirst, inner, outer: [] });
const notifyOctets = (data: Uint8Array): Uint8Array => {
  const n = new Uint8Array(8 + data.length);
  n.set([0, 0, 0, 8 + data.length, 0, 0, 0x9c, 0x40], 0);
  n.set(data, 8);
  return n;
};

test("§2.6: fragments arriving in any order reassemble once all are there; fragment 1 names the first payload", () => {
  const whole = notifyOctets(new Uint8Array(50).fill(5));
  const parts = [whole.subarray(0, 20), whole.subarray(20, 40), whole.subarray(40)];
  let keep: Reassembly | undefined;
  const results = [3, 1, 2].map((n) => {
    const r = collectFragment(keep, 7, frag(n, 3, parts[n - 1] ?? new Uint8Array(0)));
    keep = r.keep;
    return r.result;
  });
  assert.deepEqual(results.slice(0, 2), [{ kind: "pending" }, { kind: "pending" }]);
  const last = results[2];
  assert.equal(last?.kind, "complete");
  assert.equal(keep, undefined, "nothing kept once complete");
  if (last?.kind === "complete") assert.deepEqual(last.payloads, [notify(40000, new Uint8Array(50).fill(5))]);
});

test("§2.6: more Total Fragments than stored starts anew; fewer is discarded; duplicates are ignored", () => {
  const data = new Uint8Array(4);
  let r = collectFragment(undefined, 1, frag(1, 2, data));
  const stored = r.keep;
  r = collectFragment(stored, 1, frag(1, 2, data));
  assert.deepEqual(r.result, { kind: "dropped", reason: "duplicate-fragment" });
  r = collectFragment(stored, 1, frag(2, 1, data));
  assert.deepEqual(r.result, { kind: "dropped", reason: "fewer-total-fragments" });
  assert.equal(r.keep, stored, "the stored fragments stay");
  r = collectFragment(stored, 1, frag(3, 3, data));
  assert.deepEqual(r.result, { kind: "pending" });
  assert.notEqual(r.keep, stored, "the sender fragmented again, smaller: start anew");
  assert.equal(r.keep?.total, 3);
  r = collectFragment(r.keep, 2, frag(1, 2, data));
  assert.equal(r.keep?.messageId, 2, "a fragment of the next message replaces the old reassembly");
});

test("§2.6 limits of ours: too many fragments, too many octets", () => {
  assert.deepEqual(collectFragment(undefined, 1, frag(1, MAX_FRAGMENTS + 1, new Uint8Array(1))).result, { kind: "dropped", reason: "too-many-fragments" });
  const big = new Uint8Array(Math.ceil(MAX_REASSEMBLED_OCTETS / 2) + 1);
  const first = collectFragment(undefined, 1, frag(1, 3, big));
  const r = collectFragment(first.keep, 1, frag(2, 3, big));
  assert.deepEqual(r.result, { kind: "dropped", reason: "reassembly-too-large" });
  assert.equal(r.keep, undefined, "the reassembly is given up");
});

test("§2.6: a reassembled message whose payload chain does not decode is a codec error, not a crash", () => {
  const r = collectFragment(undefined, 1, frag(1, 1, new Uint8Array([0, 0, 0, 200])));
  assert.equal(r.result.kind, "codec");
});

test("§2.6: any sequence of fragments (numbers, totals, message IDs, sizes) neither throws nor keeps more than the limits", () => {
  const fragment = fc.record({
    messageId: fc.integer({ min: 0, max: 3 }),
    total: fc.integer({ min: 1, max: MAX_FRAGMENTS + 2 }),
    pick: fc.nat(),
    size: fc.integer({ min: 0, max: 20_000 }),
  });
  fc.assert(fc.property(fc.array(fragment, { maxLength: 40 }), (seq) => {
    let keep: Reassembly | undefined;
    for (const f of seq) {
      const number = 1 + (f.pick % f.total);
      const r = collectFragment(keep, f.messageId, frag(number, f.total, new Uint8Array(f.size)));
      keep = r.keep;
      assert.ok(keep === undefined || keep.total <= MAX_FRAGMENTS);
    }
  }), { numRuns: 200 });
});
