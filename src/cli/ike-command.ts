/** `lwip ike responder|initiator`: the IKEv2 peers as tools of their own. */
import { INITIATOR_HELP, runInitiator } from "./ike-initiator.js";
import { RESPONDER_HELP, runResponder } from "./ike-responder.js";
import { UsageError } from "./usage-error.js";

export async function runIke(args: string[]): Promise<number> {
  const [role, ...rest] = args;
  if (role === "responder") return runResponder(rest);
  if (role === "initiator") return runInitiator(rest);
  if (role === "--help" || role === "-h") {
    process.stdout.write(`${RESPONDER_HELP}\n\n${INITIATOR_HELP}\n`);
    return 0;
  }
  throw new UsageError(`lwip ike: expected "responder" or "initiator", got "${role ?? ""}"`);
}
