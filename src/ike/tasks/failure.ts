/** Ending an IKE SA that never came up, with an event the operator can read. */
import type { IkeContext } from "../context.js";
import type { IkeSa } from "../sa/ike-sa.js";
import { formatEndpoint } from "../endpoint.js";

/** The original initiator gives up: report why, count it, forget the SA. */
export function failInitiator(ctx: IkeContext, sa: IkeSa, reason: string, detail: string): void {
  reportFailure(ctx, sa, reason, detail);
  ctx.terminate(sa, "deleted");
}

export function reportFailure(ctx: IkeContext, sa: IkeSa, reason: string, detail: string): void {
  ctx.counters.add(`ike_sa_failed{role="${sa.role}",reason="${reason}"}`);
  ctx.log.warn("ike", "IKE SA failed", { sa: sa.name, role: sa.role, reason, detail, remote: formatEndpoint(sa.remote), idi: sa.idiHex });
  ctx.emit({ event: "ike-sa-failed", role: sa.role, reason, detail, remote: formatEndpoint(sa.remote), idi: sa.idiHex });
}
