import { createHash } from 'node:crypto';

/**
 * Key design of the events table (README: "Key design"). One place builds every key so that the
 * writer and the query module can never disagree.
 *
 * | attribute | value                                  | serves                                   |
 * | --------- | -------------------------------------- | ---------------------------------------- |
 * | `pk`      | `E#<entity>` (subject, else source)    | all events of an entity                  |
 * | `sk`      | `<time UTC, ms>#<id>`                  | time range, newest first; equal times keep distinct ids |
 * | `gsi1pk`  | `T#<type>#<shard>` (shard from the id) | events of a type, spread over N partitions |
 * | `gsi1sk`  | same as `sk`                           | time range inside each type shard        |
 * | `expiresAt` | event time (s) + retention           | TTL                                      |
 */

/** Attribute names, shared by the writer, the query module and the table definition. */
export const ATTR = {
  pk: 'pk',
  sk: 'sk',
  gsi1pk: 'gsi1pk',
  gsi1sk: 'gsi1sk',
  ttl: 'expiresAt',
} as const;

/** Name of the by-type global secondary index. */
export const TYPE_INDEX_NAME = 'byType';

/** Fewest shards of the by-type index (README: "Hot partitions"); also the default. */
export const DEFAULT_TYPE_SHARDS = 8;

/**
 * Upper bound of `TYPE_SHARDS`: a query fans out to every shard (one Query each, in parallel).
 * 512 shards carry 256,000 write units/s of one type at the target utilisation below.
 */
export const MAX_TYPE_SHARDS = 512;

/** DynamoDB's write throughput per partition (write units per second). */
export const PARTITION_WRITE_UNITS = 1000;

/**
 * Share of a partition's write throughput a type shard is sized for: room for bursts (on-demand
 * absorbs up to twice the previous peak, not more) and for the hash spreading ids unevenly.
 */
export const TYPE_SHARD_TARGET_UTILISATION = 0.5;

/**
 * Shards of the by-type index for an expected rate (README: "Hot partitions"):
 *
 *     shards = max(8, ⌈rate × ⌈itemBytes / 1 KB⌉ / (1,000 × 0.5)⌉), at most 512
 *
 * `rate` is the events per second of the busiest type (all events, when unsure); `itemBytes` an
 * item's size (event plus keys). Each shard then takes at most half a partition's 1,000 write
 * units/s. The floor of 8 keeps every deployment's query fan-out covering the shards a writer
 * with the default used: shards may grow, never shrink. Throws when the rate needs more than
 * `MAX_TYPE_SHARDS`.
 */
export function typeShardsFor(rate: number, itemBytes: number): number {
  if (!(rate >= 0) || !(itemBytes > 0)) {
    throw new RangeError(`typeShardsFor: rate ≥ 0 and itemBytes > 0 (got ${rate}, ${itemBytes})`);
  }
  const units = rate * Math.ceil(itemBytes / 1024);
  const shards = Math.max(
    DEFAULT_TYPE_SHARDS,
    Math.ceil(units / (PARTITION_WRITE_UNITS * TYPE_SHARD_TARGET_UTILISATION)),
  );
  if (shards > MAX_TYPE_SHARDS) {
    throw new RangeError(
      `${rate} events/s of ${itemBytes} B need ${shards} type shards, more than ${MAX_TYPE_SHARDS}`,
    );
  }
  return shards;
}

// DynamoDB limits: partition key ≤ 2048 bytes, sort key ≤ 1024 bytes (UTF-8). Components longer
// than these budgets are replaced by a hash, deterministically, on both the write and query side.
const MAX_ENTITY_BYTES = 1024;
const MAX_ID_BYTES = 512;
const MAX_TYPE_BYTES = 1024;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * A key component that fits its budget: itself, or `h:` + its SHA-256 when too long. A value that
 * itself starts with `h:` is hashed too, so the two forms never meet: `bounded` is injective (up to
 * SHA-256 collisions), and an id spelled like another id's hash cannot overwrite that event.
 */
function bounded(value: string, maxBytes: number): string {
  if (value.charCodeAt(0) === 104 /* h */ && value.charCodeAt(1) === 58 /* : */) {
    return `h:${sha256(value)}`;
  }
  // Fast path: at most 3 bytes per UTF-16 unit, so short strings never need the exact count.
  if (value.length * 3 <= maxBytes || utf8(value) <= maxBytes) return value;
  return `h:${sha256(value)}`;
}

/** The entity an event belongs to: its `subject`, or its `source` when it has none. */
export function entityOf(event: { subject?: string | undefined; source: string }): string {
  return event.subject !== undefined && event.subject !== '' ? event.subject : event.source;
}

/** Partition key of an entity. */
export function entityPk(entity: string): string {
  return `E#${bounded(entity, MAX_ENTITY_BYTES)}`;
}

/**
 * Sort key: normalised UTC time (fixed width, so lexicographic = chronological) then the id, so
 * two events of one entity at the same millisecond are two items.
 */
export function timeSk(timeIso: string, id: string): string {
  return `${timeIso}#${bounded(id, MAX_ID_BYTES)}`;
}

/**
 * FNV-1a (32-bit) of the id's UTF-16 units: deterministic, cheap, and spreads sequential ids
 * (`tr-000001`, `tr-000002`, ...) evenly.
 */
export function fnv1a(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The by-type shard of an event id, in [0, shards). */
export function shardOf(id: string, shards: number): number {
  return fnv1a(id) % shards;
}

/**
 * The by-type shard count a deployment uses: `TYPE_SHARDS` when set, else derived from the
 * expected rate (`EXPECTED_EVENTS_PER_SECOND`, `EXPECTED_ITEM_BYTES`, default 1 KB), else 8. The
 * writer and the query side both resolve it here, so they fan out over the same shards.
 */
export function resolveTypeShards(setting: {
  typeShards?: number | undefined;
  expectedRate?: number | undefined;
  expectedItemBytes?: number | undefined;
}): number {
  if (setting.typeShards !== undefined) return setting.typeShards;
  return typeShardsFor(setting.expectedRate ?? 0, setting.expectedItemBytes ?? 1024);
}

/** Partition key of the by-type index for one shard. */
export function typeShardPk(type: string, shard: number): string {
  return `T#${bounded(type, MAX_TYPE_BYTES)}#${shard}`;
}

/** Partition key of quarantined (invalid) records of one UTC day. */
export function quarantinePk(dayIso: string): string {
  return `Q#${dayIso}`;
}

/**
 * Sort key of a quarantined record: where it sits in the stream, which is the same on every
 * delivery, so a redelivered invalid record overwrites its quarantine item.
 */
export function quarantineSk(
  shardId: string,
  sequenceNumber: string,
  subSequenceNumber?: number,
): string {
  return `${shardId}#${sequenceNumber}#${subSequenceNumber ?? 0}`;
}

/** The item key of any item of the table. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** A stable string form of a key, for de-duplication and bookkeeping. */
export function keyString(key: ItemKey): string {
  return `${key.pk}\u0000${key.sk}`;
}

/**
 * Compares two key strings the way DynamoDB orders sort keys: by UTF-8 bytes (JavaScript's `<`
 * compares UTF-16 units, which differs for characters above U+FFFF versus U+E000–U+FFFF).
 */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
