/** The events that tell the application an SA came up, in the CLI's JSON shape (identifiers, no keys). */
import type { IkeContext } from "../context.js";
import { dhName, encrName, integName, prfName } from "../crypto/suites.js";
import { formatEndpoint } from "../endpoint.js";
import { spiHex, type ChildSa } from "../sa/child-sa.js";
import type { IkeSa } from "../sa/ike-sa.js";
import { formatIp, formatSelector } from "../traffic-selector.js";
import { toHex } from "../../wire/hex.js";

export function announceIkeUp(ctx: IkeContext, sa: IkeSa): void {
  const s = sa.suite;
  if (!s) return;
  ctx.counters.add(`ike_sa_established{role="${sa.role}"}`);
  const remote = formatEndpoint(sa.remote);
  const idi = sa.idiHex;
  ctx.log.info("ike", "IKE SA established", { sa: sa.name, remote, idi });
  ctx.emit({
    event: "ike-sa-up",
    role: sa.role,
    spiI: toHex(sa.spiI),
    spiR: toHex(sa.spiR),
    local: formatEndpoint(sa.local),
    remote,
    idi: idi ?? "",
    encr: encrName(s.encrId, s.encrKeyBits),
    integ: s.integId === 0 ? null : integName(s.integId),
    prf: prfName(s.prfId),
    dh: dhName(s.dhGroup),
    natDetected: sa.natDetected,
    fragmentation: sa.fragmentation,
  });
}

export function announceChildUp(ctx: IkeContext, sa: IkeSa, c: ChildSa): void {
  ctx.counters.add("child_sa_established");
  ctx.log.info("ike", "CHILD SA established", { sa: sa.name, spiIn: spiHex(c.spiIn), spiOut: spiHex(c.spiOut) });
  ctx.emit({
    event: "child-sa-up",
    spiI: toHex(sa.spiI),
    spiIn: spiHex(c.spiIn),
    spiOut: spiHex(c.spiOut),
    encr: encrName(c.suite.encrId, c.suite.encrKeyBits),
    integ: c.suite.integId === 0 ? null : integName(c.suite.integId),
    dh: c.suite.dhGroup === 0 ? null : dhName(c.suite.dhGroup),
    esn: c.suite.esn,
    tsLocal: c.tsLocal.map(formatSelector),
    tsRemote: c.tsRemote.map(formatSelector),
    virtualIp: sa.virtualIp ? formatIp(sa.virtualIp) : null,
  });
}

export function announceChildDown(ctx: IkeContext, sa: IkeSa, c: ChildSa, reason: string): void {
  ctx.log.info("ike", "CHILD SA deleted", { sa: sa.name, spiIn: spiHex(c.spiIn), reason });
  ctx.emit({ event: "child-sa-down", spiI: toHex(sa.spiI), spiIn: spiHex(c.spiIn), spiOut: spiHex(c.spiOut), reason });
}
