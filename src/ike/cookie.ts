/**
 * Stateless cookies against IKE_SA_INIT floods (RFC 7296 §2.6):
 *   Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>)
 * The secret is regenerated periodically; cookies made with the previous secret stay valid for one
 * more period so an initiator mid-retry is not refused.
 */
import type { Clock } from "../io/clock.js";
import { hmacSha256 } from "./crypto/digest.js";
import { parseIp } from "./traffic-selector.js";
import { bytesEqual, concatBytes } from "../wire/hex.js";
import { wipe } from "./crypto/keymat.js";

export const COOKIE_SECRET_LIFETIME_MS = 60_000;

interface Secret {
  readonly version: number;
  readonly key: Uint8Array;
  readonly createdAt: number;
}

export class CookieJar {
  private current: Secret;
  private previous?: Secret;

  constructor(private readonly clock: Clock, private readonly random: (n: number) => Uint8Array) {
    this.current = { version: 1, key: random(32), createdAt: clock.now() };
  }

  private rotate(): void {
    if (this.clock.now() - this.current.createdAt < COOKIE_SECRET_LIFETIME_MS) return;
    if (this.previous) wipe(this.previous.key);
    this.previous = this.current;
    this.current = { version: (this.current.version + 1) >>> 0, key: this.random(32), createdAt: this.clock.now() };
  }

  private compute(s: Secret, Ni: Uint8Array, ipi: string, spiI: Uint8Array): Uint8Array {
    const v = new Uint8Array([s.version >>> 24, (s.version >>> 16) & 0xff, (s.version >>> 8) & 0xff, s.version & 0xff]);
    return concatBytes(v, hmacSha256(s.key, Ni, parseIp(ipi) ?? new Uint8Array(0), spiI));
  }

  make(Ni: Uint8Array, ipi: string, spiI: Uint8Array): Uint8Array {
    this.rotate();
    return this.compute(this.current, Ni, ipi, spiI);
  }

  verify(cookie: Uint8Array, Ni: Uint8Array, ipi: string, spiI: Uint8Array): boolean {
    this.rotate();
    return [this.current, this.previous].some((s) => s !== undefined && bytesEqual(cookie, this.compute(s, Ni, ipi, spiI)));
  }
}
