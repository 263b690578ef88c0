/**
 * Token buckets for the SeGW's rate limits: TS 33.401 clause 16.1 asks the LWIP-SeGW to rate
 * limit for DoS protection of the eNB and its backhaul. Used for IKE_SA_INIT per source address
 * and overall, and for uplink traffic per UE and per eNB (packets and bytes per second).
 *
 * Time is passed in (`now`, milliseconds on a monotonic scale, e.g. Clock.now()); nothing here
 * reads a clock or sets a timer. A bucket starts full, refills continuously at `perSecond` up to
 * `burst`, and admits a packet only if every configured dimension has the tokens for it, so over
 * any window of w ms the admitted amount is at most perSecond * w / 1000 + burst.
 */

/**
 * One dimension of a limit: a refill rate and a bucket depth, in packets or in octets. A byte
 * burst below the largest packet never admits that packet.
 */
export interface BucketRate {
  readonly perSecond: number;
  readonly burst: number;
}

/** A limit on packets, on octets, or both. An absent dimension does not limit. */
export interface RateLimit {
  readonly packets?: BucketRate;
  readonly bytes?: BucketRate;
}

/**
 * Credit is kept in thousandths of a token, so that refilling perSecond * elapsed-ms is exact
 * integer arithmetic whenever rates and times are integers (float rounding could otherwise
 * admit one packet more than the bound).
 */
const CREDIT_PER_TOKEN = 1000;

function checkRate(r: BucketRate | undefined, what: string): void {
  if (r === undefined) return;
  if (!Number.isFinite(r.perSecond) || r.perSecond < 0 || !Number.isFinite(r.burst) || r.burst < 0) {
    throw new RangeError(`${what} limit needs finite perSecond >= 0 and burst >= 0`);
  }
}

/** A token bucket over packets and octets. */
export class TokenBucket {
  private packetCredit: number;
  private byteCredit: number;
  private last: number;

  /** @throws RangeError for a negative or non-finite rate or burst (a configuration error). */
  constructor(private readonly limit: RateLimit, now: number) {
    checkRate(limit.packets, "packet");
    checkRate(limit.bytes, "byte");
    this.packetCredit = (limit.packets?.burst ?? 0) * CREDIT_PER_TOKEN;
    this.byteCredit = (limit.bytes?.burst ?? 0) * CREDIT_PER_TOKEN;
    this.last = now;
  }

  private refill(now: number): void {
    // A clock that steps back refills nothing rather than draining the bucket.
    const elapsedMs = now - this.last;
    if (!(elapsedMs > 0)) return;
    this.last = now;
    const { packets, bytes } = this.limit;
    if (packets) this.packetCredit = Math.min(packets.burst * CREDIT_PER_TOKEN, this.packetCredit + packets.perSecond * elapsedMs);
    if (bytes) this.byteCredit = Math.min(bytes.burst * CREDIT_PER_TOKEN, this.byteCredit + bytes.perSecond * elapsedMs);
  }

  /** Admits one packet of `bytes` octets at time `now` (ms) and takes its tokens, or refuses it and takes none. */
  allow(bytes: number, now: number): boolean {
    this.refill(now);
    const byteCost = bytes * CREDIT_PER_TOKEN;
    if (this.limit.packets && this.packetCredit < CREDIT_PER_TOKEN) return false;
    if (this.limit.bytes && this.byteCredit < byteCost) return false;
    if (this.limit.packets) this.packetCredit -= CREDIT_PER_TOKEN;
    if (this.limit.bytes) this.byteCredit -= byteCost;
    return true;
  }
}

/** A bucket of a KeyedRateLimiter: its key and its neighbours in the limiter's recency list. */
class KeyedBucket<K> extends TokenBucket {
  /** The bucket used just after this one (towards the most recent end). */
  newer: KeyedBucket<K> | undefined = undefined;
  /** The bucket used just before this one (towards the least recent end). */
  older: KeyedBucket<K> | undefined = undefined;

  constructor(readonly key: K, limit: RateLimit, now: number) {
    super(limit, now);
  }
}

/**
 * One token bucket per key (source address, UE, eNB) with at most `maxKeys` buckets, so a flood
 * from many sources cannot grow memory without bound. Buckets are kept in least-recently-used
 * order; a new key beyond the bound evicts the bucket idle longest. An evicted key comes back
 * with a full bucket, which changes nothing once it has been idle for burst / perSecond seconds
 * (its bucket was full again); `evictions` counts the cases for the operator.
 *
 * The order is a doubly linked list through the buckets: a packet moves its bucket to the front by
 * relinking (nothing when it is there already, as in a flood from one key). Moving it by deleting
 * and re-inserting its Map key instead cost 2 to 3 µs per uplink packet (tombstones and rehashes).
 */
export class KeyedRateLimiter<K> {
  private readonly buckets = new Map<K, KeyedBucket<K>>();
  private newest: KeyedBucket<K> | undefined;
  private oldest: KeyedBucket<K> | undefined;
  /** Buckets dropped to make room for new keys. */
  evictions = 0;

  /** @throws RangeError for maxKeys < 1 or an invalid limit (configuration errors). */
  constructor(private readonly limit: RateLimit, private readonly maxKeys: number) {
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys ${maxKeys} must be a positive integer`);
    checkRate(limit.packets, "packet");
    checkRate(limit.bytes, "byte");
  }

  /** Admits one packet of `bytes` octets for `key` at time `now` (ms), or refuses it. */
  allow(key: K, bytes: number, now: number): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.evictLeastRecent();
      bucket = new KeyedBucket(key, this.limit, now);
      this.buckets.set(key, bucket);
      this.pushNewest(bucket);
    } else if (bucket !== this.newest) {
      this.unlink(bucket);
      this.pushNewest(bucket);
    }
    return bucket.allow(bytes, now);
  }

  private pushNewest(b: KeyedBucket<K>): void {
    b.older = this.newest;
    b.newer = undefined;
    if (this.newest) this.newest.newer = b;
    else this.oldest = b;
    this.newest = b;
  }

  private unlink(b: KeyedBucket<K>): void {
    if (b.newer) b.newer.older = b.older;
    else this.newest = b.older;
    if (b.older) b.older.newer = b.newer;
    else this.oldest = b.newer;
    b.newer = b.older = undefined;
  }

  private evictLeastRecent(): void {
    const oldest = this.oldest;
    if (!oldest) return;
    this.unlink(oldest);
    this.buckets.delete(oldest.key);
    this.evictions++;
  }

  /** Drops the bucket of a key that is gone (a released UE, a removed eNB). */
  forget(key: K): void {
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    this.unlink(bucket);
    this.buckets.delete(key);
  }

  /** Number of buckets held; never above maxKeys. */
  get size(): number {
    return this.buckets.size;
  }
}

/** The IKE_SA_INIT limits (TS 33.401 16.1), from the daemon's configuration. */
export interface IkeSaInitLimits {
  /** Per source IP address. */
  readonly perSource: RateLimit;
  /** All sources together. */
  readonly overall: RateLimit;
  /** Bound on the number of source addresses tracked. */
  readonly maxSources: number;
}

/**
 * The IKE_SA_INIT front line: a request passes if its source is within its own limit and then
 * all requests together are within the overall one. The per-source check comes first so that one
 * flooding source spends only its own tokens, not everyone's.
 */
export class IkeSaInitLimiter<K = string> {
  private readonly perSource: KeyedRateLimiter<K>;
  private readonly overall: TokenBucket;

  /** @throws RangeError for invalid limits (configuration errors). */
  constructor(limits: IkeSaInitLimits, now: number) {
    this.perSource = new KeyedRateLimiter<K>(limits.perSource, limits.maxSources);
    this.overall = new TokenBucket(limits.overall, now);
  }

  /** Admits one IKE_SA_INIT request of `bytes` octets from `source` at `now` (ms), or refuses it. */
  allow(source: K, bytes: number, now: number): boolean {
    return this.perSource.allow(source, bytes, now) && this.overall.allow(bytes, now);
  }

  /**
   * Requests that cost no state and no DH (answered with a cookie, RFC 7296 §2.6) and retries that
   * echo a cookie are charged to their source only: spoofed floods never return cookies, so they
   * must not use up the overall budget that legitimate UEs need.
   */
  allowPerSourceOnly(source: K, bytes: number, now: number): boolean {
    return this.perSource.allow(source, bytes, now);
  }

  /** Source buckets evicted so far (see KeyedRateLimiter). */
  get evictions(): number {
    return this.perSource.evictions;
  }
}
