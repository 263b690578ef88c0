/**
 * Inner (virtual) addresses handed out through the configuration payload (RFC 7296 §3.15).
 * A lease is keyed by the peer identity, so a peer that re-authenticates keeps its address.
 */
import { cidrRange, formatIp, type Cidr } from "./traffic-selector.js";

export class AddressPool {
  private readonly base: Uint8Array;
  private readonly size: number;
  private readonly byOwner = new Map<string, number>();
  /**
   * One bit per offset in use, grown as the offsets handed out grow: a SeGW leases one address
   * per UE, and a Set would cost about 30 octets per lease.
   */
  private used = new Uint32Array(0);
  private hint = 0;

  /** The network and broadcast addresses of an IPv4 prefix shorter than /31 are never leased. */
  constructor(readonly cidr: Cidr) {
    const hostBits = cidr.address.length * 8 - cidr.prefixLength;
    const { start } = cidrRange(cidr);
    this.base = start;
    const total = hostBits >= 31 ? 2 ** 31 : 2 ** hostBits;
    const skipEdges = cidr.address.length === 4 && hostBits > 1;
    this.firstOffset = skipEdges ? 1 : 0;
    this.size = skipEdges ? total - 2 : total;
  }

  private readonly firstOffset: number;

  get family(): 4 | 6 {
    return this.cidr.address.length === 4 ? 4 : 6;
  }

  get leased(): number {
    return this.byOwner.size;
  }

  private isUsed(offset: number): boolean {
    return (((this.used[offset >>> 5] ?? 0) >>> (offset & 31)) & 1) === 1;
  }

  private mark(offset: number, inUse: boolean): void {
    const word = offset >>> 5;
    if (word >= this.used.length) {
      const grown = new Uint32Array(Math.max(word + 1, this.used.length * 2));
      grown.set(this.used);
      this.used = grown;
    }
    const bit = 1 << (offset & 31);
    this.used[word] = inUse ? (this.used[word] ?? 0) | bit : (this.used[word] ?? 0) & ~bit;
  }

  /** The owner's address, leasing a free one if it has none; undefined when the pool is exhausted. */
  acquire(owner: string): Uint8Array | undefined {
    const held = this.byOwner.get(owner);
    if (held !== undefined) return this.addressAt(held);
    if (this.byOwner.size >= this.size) return undefined;
    while (this.isUsed(this.hint)) this.hint = (this.hint + 1) % this.size;
    const offset = this.hint;
    this.mark(offset, true);
    this.byOwner.set(owner, offset);
    this.hint = (offset + 1) % this.size;
    return this.addressAt(offset);
  }

  release(owner: string): void {
    const offset = this.byOwner.get(owner);
    if (offset === undefined) return;
    this.byOwner.delete(owner);
    this.mark(offset, false);
  }

  private addressAt(offset: number): Uint8Array {
    const out = this.base.slice();
    let carry = offset + this.firstOffset;
    for (let i = out.length - 1; i >= 0 && carry > 0; i--) {
      const v = (out[i] ?? 0) + (carry % 256);
      out[i] = v & 0xff;
      carry = Math.floor(carry / 256) + (v >> 8);
    }
    return out;
  }

  describe(): string {
    return `${formatIp(this.cidr.address)}/${this.cidr.prefixLength}`;
  }
}
