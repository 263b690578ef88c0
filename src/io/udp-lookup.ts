/**
 * The address lookup of our UDP sockets. node:dgram resolves the destination of every send() with
 * dns.lookup, which for an IP literal (all our peers are) answers on the next tick: a queue round
 * trip and an async-hooks scope per datagram, IKE and ESP alike. This lookup answers a literal at
 * once, exactly as dns.lookup would (the literal and its family), and leaves names to dns.lookup.
 */
import { lookup as dnsLookup, type LookupOneOptions } from "node:dns";
import { isIP } from "node:net";

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** For createSocket's `lookup` option. */
export function literalLookup(hostname: string, options: LookupOneOptions, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family !== 0) return callback(null, hostname, family);
  dnsLookup(hostname, options, callback);
}
