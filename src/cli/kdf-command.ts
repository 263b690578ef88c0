/** `lwip kdf lwip-psk --kenb <64 hex> --counter <0..65535>`: prints the LWIP-PSK (TS 33.401 A.16) as 64 hex digits. */
import { parseArgs } from "node:util";
import { deriveLwipPsk, KENB_LENGTH, LWIP_COUNTER_MAX } from "../kdf/lwip-psk.js";
import { fromHex, toHex } from "../wire/hex.js";
import { UsageError } from "./usage-error.js";

const HELP = `usage: lwip kdf lwip-psk --kenb <64 hex digits> --counter <0..${LWIP_COUNTER_MAX}>
Prints LWIP-PSK = KDF(KeNB, FC=0x1E || LWIP Counter || 0x0002) (TS 33.401 Annex A.16) in hex.`;

export async function runKdf(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  if (what === "--help" || what === "-h") {
    process.stdout.write(HELP + "\n");
    return 0;
  }
  if (what !== "lwip-psk") throw new UsageError(`unknown derivation "${what ?? ""}" (only lwip-psk)`);
  const { values } = parseArgs({ args: rest, options: { kenb: { type: "string" }, counter: { type: "string" }, help: { type: "boolean" } }, strict: true });
  if (values.help) {
    process.stdout.write(HELP + "\n");
    return 0;
  }
  const kenb = values.kenb === undefined ? undefined : fromHex(values.kenb);
  if (!kenb || kenb.length !== KENB_LENGTH) throw new UsageError(`--kenb must be ${KENB_LENGTH * 2} hex digits`);
  const counterText = values.counter ?? "";
  const counter = /^\d{1,5}$/.test(counterText) ? Number(counterText) : NaN;
  if (!(counter >= 0 && counter <= LWIP_COUNTER_MAX)) throw new UsageError(`--counter must be an integer in 0..${LWIP_COUNTER_MAX}`);
  process.stdout.write(toHex(deriveLwipPsk(kenb, counter)) + "\n");
  return 0;
}
