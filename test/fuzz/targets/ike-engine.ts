/**
 * Whole-engine target: IkeNode.receive with a fuzz message in place of a live one, at any step of
 * a real in-memory session (engine-session.ts). The invariants: no exception escapes, and once
 * the session is torn down and every timer has run, nothing is left — no IKE SA, no half-open
 * entry, no pool lease, no CHILD SA in either data plane, no pending timer (FakeClock.pending).
 */
import { concatBytes } from "../../../src/wire/hex.js";
import { DhGroup, ExchangeType, NotifyType, PayloadType } from "../../../src/ike/registry.js";
import type { FuzzTarget } from "../campaign/target.js";
import { invariant } from "../campaign/target.js";
import { tokens } from "../campaign/mutators.js";
import { ENGINE_STEPS, EngineSession, type Replacement } from "./engine-session.js";
import { afterPrefix, IKE_CHAIN_MUTATORS, sealPlaintextForm, toPlaintextForm } from "./ike-forms.js";
import type { Datagram } from "../../support/ike-pair.js";

/** Bits of the input's second octet. */
export const EngineFlag = {
  CBC_SUITE: 0x01,
  COOKIES: 0x02,
  KEEP_SPIS: 0x04,
  KEEP_MESSAGE_ID: 0x08,
  UNSEALED: 0x10,
  KEEP_LENGTHS: 0x20,
  /** Deliver the replacement twice (a replay right behind it). */
  TWICE: 0x40,
} as const;

function replacementOf(flags: number): Replacement {
  return {
    keepSpis: (flags & EngineFlag.KEEP_SPIS) !== 0,
    keepMessageId: (flags & EngineFlag.KEEP_MESSAGE_ID) !== 0,
    unsealed: (flags & EngineFlag.UNSEALED) !== 0,
    keepLengths: (flags & EngineFlag.KEEP_LENGTHS) !== 0,
  };
}

/** The datagram to deliver instead of `live`. */
function replacementBytes(s: EngineSession, live: Datagram, message: Uint8Array, r: Replacement): Uint8Array {
  const m = message.slice();
  if (m.length >= 28 && !r.keepSpis) m.set(live.bytes.subarray(0, 16), 0);
  if (m.length >= 28 && !r.keepMessageId) m.set(live.bytes.subarray(20, 24), 20);
  if (r.unsealed) return m;
  const cipher = s.senderCipher(live);
  return (cipher && sealPlaintextForm(m, cipher, !r.keepLengths)) ?? m;
}

/** Runs one engine input: [step][flags][message in plaintext form]; throws on a broken invariant. */
export function runEngineInput(input: Uint8Array): void {
  const step = ENGINE_STEPS[(input[0] ?? 0) % ENGINE_STEPS.length];
  const flags = input[1] ?? 0;
  if (!step) return;
  const s = new EngineSession(flags & EngineFlag.CBC_SUITE, (flags & EngineFlag.COOKIES) !== 0);
  const live = s.reach(step);
  if (live) {
    const bytes = replacementBytes(s, live, input.subarray(2), replacementOf(flags));
    for (let i = flags & EngineFlag.TWICE ? 2 : 1; i > 0; i--) s.receiverOf(live).receive(bytes, live.from, live.to);
  }
  s.tearDown();
  const left = s.leftovers();
  invariant(left.length === 0, `state left behind after "${step.name}": ${left.join("; ")}`);
}

export interface CapturedMessage {
  readonly step: number;
  readonly flags: number;
  /** The live message in plaintext form (SK opened with the receiver's keys). */
  readonly plaintext: Uint8Array;
}

let captured: CapturedMessage[] | undefined;

/** Every step's live message, for both suites: the seeds of the IKE targets (our own handshakes). */
export function captureEngineMessages(): CapturedMessage[] {
  if (captured) return captured;
  captured = [];
  for (const flags of [0, EngineFlag.CBC_SUITE, EngineFlag.COOKIES]) {
    ENGINE_STEPS.forEach((step, index) => {
      const s = new EngineSession(flags & EngineFlag.CBC_SUITE, (flags & EngineFlag.COOKIES) !== 0);
      const live = s.reach(step);
      const receiverSa = live && s.receiverOf(live).sas.find((sa) => sa.crypto && live.bytes.subarray(0, 8).every((b, i) => b === sa.spiI[i]));
      const plaintext = live && (receiverSa?.crypto ? toPlaintextForm(live.bytes, receiverSa.crypto.in) : live.bytes.slice());
      if (plaintext) captured?.push({ step: index, flags, plaintext });
      s.tearDown();
    });
  }
  return captured;
}

/** Protocol constants worth inserting whole (RFC 7296 §3 registries). */
export const IKE_DICTIONARY: readonly Uint8Array[] = [
  ...tokens(Object.values(PayloadType), 1),
  ...tokens(Object.values(ExchangeType), 1),
  ...tokens(Object.values(NotifyType), 2),
  ...tokens(Object.values(DhGroup), 2),
  ...tokens([0x0000, 0x800e, 0x0080, 0x0100, 0x00c0], 2),
  ...tokens([0x20, 0x08, 0x28, 0x00], 1),
];

export const ikeEngineTarget: FuzzTarget = {
  name: "ike-engine",
  inputFormat: "octet 0: step (engine-session.ts ENGINE_STEPS, modulo), octet 1: EngineFlag bits, then the message in plaintext form",
  async seeds() {
    return captureEngineMessages().map((c) => concatBytes(Uint8Array.of(c.step, c.flags), c.plaintext));
  },
  run: runEngineInput,
  maxLength: 4096,
  dictionary: IKE_DICTIONARY,
  mutators: IKE_CHAIN_MUTATORS.map((m) => afterPrefix(2, m)),
  weight: 3,
};
