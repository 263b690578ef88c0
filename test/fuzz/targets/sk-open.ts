/**
 * The SK decryption path (RFC 7296 §3.14, RFC 5282): openMessage from message-protection.ts with a
 * real SkCipher, on messages sealed with the same keys, so that mutations of the inner payloads,
 * the padding and the lengths get past the ICV. Oracle: when the inner chain decodes by itself,
 * the opened message must hold exactly those payloads.
 */
import { isDeepStrictEqual } from "node:util";
import { decodeMessage, decodePayloads } from "../../../src/ike/codec/message.js";
import { createSkCipher, type SkCipher } from "../../../src/ike/crypto/sk-cipher.js";
import { openMessage } from "../../../src/ike/message-protection.js";
import { EncrId, IntegId, PayloadType } from "../../../src/ike/registry.js";
import { concatBytes } from "../../../src/wire/hex.js";
import type { FuzzTarget } from "../campaign/target.js";
import { invariant } from "../campaign/target.js";
import { afterPrefix, IKE_CHAIN_MUTATORS, sealPlaintextForm, withSkTrailer } from "./ike-forms.js";
import { ikeMessageSeeds } from "./ike-codec.js";
import { IKE_DICTIONARY } from "./ike-engine.js";
import { rawSkCbc, rawSkGcm, type BodySealer } from "./raw-seal.js";

interface SkSuiteKeys {
  readonly name: string;
  readonly cipher: () => SkCipher | undefined;
  readonly raw: BodySealer;
}

const key = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** The suites of our IKE profile, each with fixed keys (the same for sealing and opening). */
const SUITES: readonly SkSuiteKeys[] = [
  { name: "AES-GCM-16-128", cipher: () => createSkCipher({ encrId: EncrId.ENCR_AES_GCM_16, encrKeyBits: 128, integId: IntegId.NONE }, key(20, 1), undefined), raw: rawSkGcm(key(20, 1)) },
  { name: "AES-GCM-16-256", cipher: () => createSkCipher({ encrId: EncrId.ENCR_AES_GCM_16, encrKeyBits: 256, integId: IntegId.NONE }, key(36, 2), undefined), raw: rawSkGcm(key(36, 2)) },
  { name: "AES-CBC-128/HMAC-SHA-256-128", cipher: () => createSkCipher({ encrId: EncrId.ENCR_AES_CBC, encrKeyBits: 128, integId: IntegId.AUTH_HMAC_SHA2_256_128 }, key(16, 3), key(32, 4)), raw: rawSkCbc(key(16, 3), key(32, 4), "sha256", 16) },
  { name: "AES-CBC-256/HMAC-SHA-512-256", cipher: () => createSkCipher({ encrId: EncrId.ENCR_AES_CBC, encrKeyBits: 256, integId: IntegId.AUTH_HMAC_SHA2_512_256 }, key(32, 5), key(64, 6)), raw: rawSkCbc(key(32, 5), key(64, 6), "sha512", 32) },
];

/** Octet 0, bits 2-3: how the input's plaintext form becomes the datagram. */
const Mode = { SEAL: 0, SEAL_KEEP_LENGTHS: 1, AS_IS: 2, RAW_TRAILER: 3 } as const;

/** The inner payloads the plaintext form's SK carries, if they decode on their own. */
function expectedInner(plaintextForm: Uint8Array) {
  const m = decodeMessage(plaintextForm);
  const sk = m.ok ? m.value.payloads.at(-1) : undefined;
  if (!sk || sk.type !== PayloadType.SK || !("innerFirst" in sk)) return undefined;
  const inner = decodePayloads(sk.innerFirst, sk.body);
  return inner.ok ? inner.value : undefined;
}

/** One sk-open input: [suite (bits 0-1) | mode (bits 2-3)][message in plaintext form]. */
export function runSkOpen(input: Uint8Array): void {
  const suite = SUITES[(input[0] ?? 0) & 3];
  const mode = ((input[0] ?? 0) >> 2) & 3;
  const plaintextForm = input.subarray(1);
  const sealer = suite?.cipher();
  const opener = suite?.cipher();
  if (!suite || !sealer || !opener) return;
  const sealed =
    mode === Mode.AS_IS ? undefined
    : mode === Mode.RAW_TRAILER ? sealPlaintextForm(plaintextForm, suite.raw)
    : sealPlaintextForm(plaintextForm, sealer, mode === Mode.SEAL);
  const datagram = sealed ?? plaintextForm;
  const msg = decodeMessage(datagram);
  if (!msg.ok) return;
  const opened = openMessage(datagram, msg.value, opener);
  const expected = mode === Mode.SEAL && sealed ? expectedInner(plaintextForm) : undefined;
  if (!expected) return;
  invariant(opened.ok, `a well-formed inner chain sealed with ${suite.name} did not open: ${opened.ok ? "" : opened.failure.kind}`);
  invariant(isDeepStrictEqual(opened.payloads.slice(opened.payloads.length - expected.length), expected), "openMessage changed the inner payloads");
}

export const skOpenTarget: FuzzTarget = {
  name: "sk-open",
  inputFormat: "octet 0: suite (bits 0-1: GCM-128, GCM-256, CBC-128/SHA-256, CBC-256/SHA-512) and mode (bits 2-3: seal, seal keeping lengths, as is, raw trailer); then the message in plaintext form",
  async seeds() {
    const messages = ikeMessageSeeds().filter((m) => m[16] === PayloadType.SK || m.length > 28);
    return messages.flatMap((m, i) => [concatBytes(Uint8Array.of(i & 3), m), concatBytes(Uint8Array.of((i & 3) | (Mode.RAW_TRAILER << 2)), withSkTrailer(m, i % 17))]);
  },
  run: runSkOpen,
  maxLength: 4096,
  dictionary: IKE_DICTIONARY,
  mutators: IKE_CHAIN_MUTATORS.map((m) => afterPrefix(1, m)),
};
