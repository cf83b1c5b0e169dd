import { createHash } from 'node:crypto';

/** 2^128 − 1: the top of Kinesis' hash-key space. */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

/**
 * The hash key Kinesis routes a record by: the explicit hash key if given, else the MD5 of the
 * partition key's UTF-8 bytes read as a 128-bit big-endian unsigned integer.
 */
export function hashKeyOf(partitionKey: string, explicitHashKey?: string): bigint {
  if (explicitHashKey !== undefined) return BigInt(explicitHashKey);
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/**
 * `hashKeyOf` memoised per partition key: producers see the same keys over and over (hosts,
 * services), and an MD5 plus a BigInt per record is a tenth of the producer's CPU. Bounded: the
 * map is emptied when it reaches `capacity` keys.
 */
export class HashKeyCache {
  private readonly keys = new Map<string, bigint>();

  constructor(readonly capacity = 10_000) {}

  /** Same as `hashKeyOf(partitionKey, explicitHashKey)`. */
  of(partitionKey: string, explicitHashKey?: string): bigint {
    if (explicitHashKey !== undefined) return BigInt(explicitHashKey);
    let h = this.keys.get(partitionKey);
    if (h === undefined) {
      h = hashKeyOf(partitionKey);
      if (this.keys.size >= this.capacity) this.keys.clear();
      this.keys.set(partitionKey, h);
    }
    return h;
  }

  /** Keys held now. */
  get size(): number {
    return this.keys.size;
  }
}

/** True when `s` is a decimal integer within Kinesis' hash-key space. */
export function isValidExplicitHashKey(s: string): boolean {
  if (!/^\d{1,39}$/.test(s)) return false;
  return BigInt(s) <= MAX_HASH_KEY;
}

export interface ShardRange {
  shardId: string;
  start: bigint;
  end: bigint;
}

/** Open shards' hash-key ranges, sorted, with a binary-search lookup. */
export class ShardMap {
  readonly ranges: readonly ShardRange[];
  readonly loadedAt: number;

  constructor(ranges: readonly ShardRange[], loadedAt = Date.now()) {
    this.ranges = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this.loadedAt = loadedAt;
  }

  /** The shard whose range holds `hashKey`, or undefined if the map has a hole there. */
  shardOf(hashKey: bigint): string | undefined {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid] as ShardRange;
      if (hashKey < r.start) hi = mid - 1;
      else if (hashKey > r.end) lo = mid + 1;
      else return r.shardId;
    }
    return undefined;
  }

  get size(): number {
    return this.ranges.length;
  }
}

/** Shard as returned by ListShards (only the fields used here). */
export interface ListedShard {
  ShardId?: string | undefined;
  HashKeyRange?:
    | { StartingHashKey?: string | undefined; EndingHashKey?: string | undefined }
    | undefined;
  SequenceNumberRange?: { EndingSequenceNumber?: string | undefined } | undefined;
}

/**
 * Builds the map of the shards that accept writes: a shard closed by a split or merge keeps being
 * listed (with an EndingSequenceNumber) until its retention expires, but no longer takes records.
 */
export function shardMapFrom(shards: readonly ListedShard[], loadedAt = Date.now()): ShardMap {
  const ranges: ShardRange[] = [];
  for (const s of shards) {
    if (s.SequenceNumberRange?.EndingSequenceNumber !== undefined) continue;
    const start = s.HashKeyRange?.StartingHashKey;
    const end = s.HashKeyRange?.EndingHashKey;
    if (s.ShardId === undefined || start === undefined || end === undefined) continue;
    ranges.push({ shardId: s.ShardId, start: BigInt(start), end: BigInt(end) });
  }
  return new ShardMap(ranges, loadedAt);
}
