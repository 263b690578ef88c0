/**
 * ESP data-plane micro-benchmark: encapsulate and decapsulate with AES-GCM-16-128 and
 * AES-128-CBC + HMAC-SHA-256-128, next to the bare node:crypto work they cannot avoid (one GCM
 * cipher call; one CBC encryption plus one HMAC), at 64, 512 and 1400 octets.
 *
 * The three rows of one suite and size are measured in interleaved slices and each row reports
 * its median slice, so a noisy neighbour or a GC pause skews all three alike. Rates are per CPU
 * second of this process (GC threads included), not per wall-clock second.
 */
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import { isEspDrop } from "../src/esp/constants.js";
import { createInboundSa, createOutboundSa, type EspSaParams } from "../src/esp/sa.js";
import type { BenchRow } from "./types.js";
import { measureInterleaved } from "./interleaved.js";

const SIZES = [64, 512, 1400] as const;
const SLICE_MS = 50;
const SLICES = 10; // 3 rows x 10 x 50 ms: about 0.5 s per row
const DECAP_BATCH = 512;

interface Suite {
  readonly name: string;
  /** The bare call encrypts whole blocks of this size (CBC runs without padding). */
  readonly blockBytes: number;
  params(): EspSaParams;
  /** The unavoidable node:crypto work for one packet of `payload`. */
  bare(payload: Uint8Array): void;
}

function suites(): Suite[] {
  const gcmKey = randomBytes(20);
  const cbcKey = randomBytes(16);
  const integKey = randomBytes(32);
  const nonce = randomBytes(12);
  const aad = randomBytes(8);
  const iv = randomBytes(16);
  return [
    {
      name: "gcm-128",
      blockBytes: 1,
      params: () => ({ spi: 0x1001, encrId: 20, encrKeyBits: 128, integId: 0, encrKey: gcmKey, esn: false }),
      bare: (payload) => {
        const c = createCipheriv("aes-128-gcm", gcmKey.subarray(0, 16), nonce);
        c.setAAD(aad);
        c.update(payload);
        c.final();
        c.getAuthTag();
      },
    },
    {
      name: "cbc-128-hmac-sha256",
      blockBytes: 16,
      params: () => ({ spi: 0x1002, encrId: 12, encrKeyBits: 128, integId: 12, encrKey: cbcKey, integKey, esn: false }),
      bare: (payload) => {
        const c = createCipheriv("aes-128-cbc", cbcKey, iv).setAutoPadding(false);
        const ct = c.update(payload);
        c.final();
        createHmac("sha256", integKey).update(ct).digest();
      },
    },
  ];
}

/** Encapsulate, decapsulate and bare operations for one suite and payload size. */
function operations(suite: Suite, size: number): Array<[string, () => void]> {
  const inner = randomBytes(size);
  const out = createOutboundSa(suite.params());
  const encapsulate = (): void => {
    if (isEspDrop(out.encapsulate(inner, 4))) throw new Error("encapsulate refused");
  };
  // Decapsulation needs fresh sequence numbers: replay a batch through a new inbound SA each time.
  const sender = createOutboundSa(suite.params());
  const batch: Uint8Array[] = [];
  for (let i = 0; i < DECAP_BATCH; i++) {
    const p = sender.encapsulate(inner, 4);
    if (isEspDrop(p)) throw new Error("encapsulate refused");
    batch.push(p);
  }
  let inSa = createInboundSa(suite.params());
  let next = 0;
  const decapsulate = (): void => {
    if (next === DECAP_BATCH) {
      inSa = createInboundSa(suite.params());
      next = 0;
    }
    if (isEspDrop(inSa.decapsulate(batch[next++] ?? inner))) throw new Error("decapsulate refused");
  };
  const plaintext = randomBytes(Math.ceil(size / suite.blockBytes) * suite.blockBytes);
  return [
    [`esp ${suite.name} encapsulate`, encapsulate],
    [`esp ${suite.name} decapsulate`, decapsulate],
    [`node:crypto ${suite.name} bare`, () => suite.bare(plaintext)],
  ];
}

/** Measures every row: 18 rows, about 10 seconds in all. */
export async function benchEspMicro(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const suite of suites()) {
    for (const size of SIZES) rows.push(...await measureInterleaved(operations(suite, size), size, SLICE_MS, SLICES));
  }
  return rows;
}
