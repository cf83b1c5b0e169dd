import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StreamlensEvent } from '@streamlens/schema';
import { QueryArgumentError } from './errors.js';
import { eventFromItem, type QuarantinedRecord, quarantinedFromItem } from './item.js';
import {
  ATTR,
  compareUtf8,
  DEFAULT_TYPE_SHARDS,
  entityPk,
  MAX_TYPE_SHARDS,
  quarantinePk,
  TYPE_INDEX_NAME,
  typeShardPk,
} from './keys.js';

/** A time range, half-open: `from` ≤ time < `to` (either side optional). */
export interface TimeRange {
  /** Inclusive lower bound: RFC 3339 or anything `Date.parse` reads. */
  from?: string | undefined;
  /** Exclusive upper bound. */
  to?: string | undefined;
}

/** Options shared by the queries. */
export interface QueryOptions extends TimeRange {
  tableName: string;
  /** At most this many events (default 100). */
  limit?: number | undefined;
  /** Oldest first instead of newest first. */
  ascending?: boolean | undefined;
  /** Keep items whose TTL has passed but DynamoDB has not deleted yet (default false). */
  includeExpired?: boolean | undefined;
  /** Clock (ms), for the TTL filter; tests inject it. */
  now?: (() => number) | undefined;
  /** Items per DynamoDB page (default min(limit, 1000)). */
  pageSize?: number | undefined;
}

/** Options of the by-type query. */
export interface TypeQueryOptions extends QueryOptions {
  /** Shards to fan out over: the largest TYPE_SHARDS ever used by the writer (default 8). */
  shards?: number | undefined;
  indexName?: string | undefined;
}

const DEFAULT_LIMIT = 100;

function isoOrThrow(value: string, what: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new QueryArgumentError(`--${what} ${JSON.stringify(value)} is not a time`);
  // Same form as the writer's normalised time (UTC, milliseconds), so bounds compare with sort keys.
  return new Date(ms).toISOString();
}

/**
 * The sort-key condition of a half-open time range. Sort keys are `<time>#<id>`: a key of time t
 * sorts after the bare string t, so `BETWEEN from AND to` selects exactly from ≤ time < to.
 */
export function sortKeyCondition(
  attribute: string,
  range: TimeRange,
): { expression: string; values: Record<string, string> } | undefined {
  const from = range.from === undefined ? undefined : isoOrThrow(range.from, 'from');
  const to = range.to === undefined ? undefined : isoOrThrow(range.to, 'to');
  if (from !== undefined && to !== undefined) {
    if (compareUtf8(from, to) >= 0) return { expression: '', values: {} };
    return {
      expression: `${attribute} BETWEEN :from AND :to`,
      values: { ':from': from, ':to': to },
    };
  }
  if (from !== undefined) return { expression: `${attribute} >= :from`, values: { ':from': from } };
  if (to !== undefined) return { expression: `${attribute} < :to`, values: { ':to': to } };
  return undefined;
}

function checkLimit(limit: number | undefined): number {
  const value = limit ?? DEFAULT_LIMIT;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new QueryArgumentError(`limit must be a positive integer, got ${limit}`);
  }
  return value;
}

type RawItem = Record<string, unknown>;

/** Pages of one partition (table or index), lazily, in sort-key order. */
async function* partitionItems(
  doc: DynamoDBDocumentClient,
  params: {
    tableName: string;
    indexName?: string;
    pkAttribute: string;
    pk: string;
    skAttribute: string;
    range: TimeRange;
    ascending: boolean;
    pageSize: number;
  },
): AsyncGenerator<RawItem> {
  const sk = sortKeyCondition('#sk', params.range);
  if (sk?.expression === '') return; // empty range
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new QueryCommand({
        TableName: params.tableName,
        ...(params.indexName ? { IndexName: params.indexName } : {}),
        KeyConditionExpression: `#pk = :pk${sk ? ` AND ${sk.expression}` : ''}`,
        ExpressionAttributeNames: {
          '#pk': params.pkAttribute,
          ...(sk ? { '#sk': params.skAttribute } : {}),
        },
        ExpressionAttributeValues: { ':pk': params.pk, ...(sk?.values ?? {}) },
        ScanIndexForward: params.ascending,
        Limit: params.pageSize,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of out.Items ?? []) yield item;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
}

function notExpired(opts: QueryOptions): (item: RawItem) => boolean {
  if (opts.includeExpired) return () => true;
  const nowSeconds = Math.floor((opts.now ?? Date.now)() / 1000);
  // DynamoDB deletes expired items within days, not at once: hide them as AWS recommends.
  return (item) => {
    const ttl = item[ATTR.ttl];
    return typeof ttl !== 'number' || ttl > nowSeconds;
  };
}

/**
 * Events of one entity (its `subject`, or `source` when events have none) in a time range,
 * newest first (or oldest first with `ascending`), at most `limit`. One Query on the table.
 *
 * @example const events = await queryByEntity(doc, 'web-1', { tableName, from: '2026-01-01T00:00:00Z', limit: 50 });
 */
export async function queryByEntity(
  doc: DynamoDBDocumentClient,
  entity: string,
  opts: QueryOptions,
): Promise<StreamlensEvent[]> {
  const limit = checkLimit(opts.limit);
  const keep = notExpired(opts);
  const out: StreamlensEvent[] = [];
  for await (const item of partitionItems(doc, {
    tableName: opts.tableName,
    pkAttribute: ATTR.pk,
    pk: entityPk(entity),
    skAttribute: ATTR.sk,
    range: opts,
    ascending: opts.ascending ?? false,
    pageSize: opts.pageSize ?? Math.min(limit, 1000),
  })) {
    if (!keep(item)) continue;
    out.push(eventFromItem(item));
    if (out.length >= limit) break;
  }
  return out;
}

/** One shard's cursor in the k-way merge. */
interface Cursor {
  iterator: AsyncGenerator<RawItem>;
  head: RawItem | undefined;
}

/**
 * Events of one type in a time range, newest first (or oldest first), at most `limit`: one Query
 * per shard of the by-type index, in parallel, merged k-way by sort key (time, then id). Each
 * shard reads at most `limit` items, lazily, page by page.
 *
 * @example const logs = await queryByType(doc, 'app.log', { tableName, from, to, limit: 100 });
 */
export async function queryByType(
  doc: DynamoDBDocumentClient,
  type: string,
  opts: TypeQueryOptions,
): Promise<StreamlensEvent[]> {
  const limit = checkLimit(opts.limit);
  const shards = opts.shards ?? DEFAULT_TYPE_SHARDS;
  if (!Number.isSafeInteger(shards) || shards < 1 || shards > MAX_TYPE_SHARDS) {
    throw new QueryArgumentError(
      `shards must be an integer in 1..${MAX_TYPE_SHARDS}, got ${shards}`,
    );
  }
  const ascending = opts.ascending ?? false;
  const keep = notExpired(opts);
  const pageSize = opts.pageSize ?? Math.min(limit, 1000);
  const cursors: Cursor[] = Array.from({ length: shards }, (_, shard) => ({
    iterator: partitionItems(doc, {
      tableName: opts.tableName,
      indexName: opts.indexName ?? TYPE_INDEX_NAME,
      pkAttribute: ATTR.gsi1pk,
      pk: typeShardPk(type, shard),
      skAttribute: ATTR.gsi1sk,
      range: opts,
      ascending,
      pageSize,
    }),
    head: undefined,
  }));
  const advance = async (c: Cursor): Promise<void> => {
    // Skip expired items here so that they never take a place in the merge.
    for (;;) {
      const next = await c.iterator.next();
      c.head = next.done ? undefined : next.value;
      if (c.head === undefined || keep(c.head)) return;
    }
  };
  await Promise.all(cursors.map(advance));
  const out: StreamlensEvent[] = [];
  const sign = ascending ? 1 : -1;
  while (out.length < limit) {
    let best: Cursor | undefined;
    for (const c of cursors) {
      if (c.head === undefined) continue;
      if (
        best === undefined ||
        sign * compareUtf8(String(c.head[ATTR.gsi1sk]), String(best.head![ATTR.gsi1sk])) < 0
      ) {
        best = c;
      }
    }
    if (best === undefined) break;
    out.push(eventFromItem(best.head!));
    if (out.length < limit) await advance(best);
  }
  // Stop the shard readers that still hold pages (no more requests are made).
  await Promise.all(cursors.map((c) => c.iterator.return(undefined)));
  return out;
}

/**
 * Quarantined (invalid) records that arrived on the UTC days of a range (default: today), oldest
 * day first, at most `limit`.
 */
export async function queryQuarantine(
  doc: DynamoDBDocumentClient,
  opts: QueryOptions,
): Promise<QuarantinedRecord[]> {
  const limit = checkLimit(opts.limit);
  const now = (opts.now ?? Date.now)();
  const fromMs = opts.from === undefined ? now : Date.parse(isoOrThrow(opts.from, 'from'));
  const toMs = opts.to === undefined ? now + 1 : Date.parse(isoOrThrow(opts.to, 'to'));
  const out: QuarantinedRecord[] = [];
  const keep = notExpired(opts);
  const firstDay = Math.floor(fromMs / 86_400_000);
  const lastDay = Math.floor((toMs - 1) / 86_400_000);
  if (lastDay - firstDay > 366) throw new QueryArgumentError('quarantine range over 366 days');
  for (let day = firstDay; day <= lastDay && out.length < limit; day++) {
    const dayIso = new Date(day * 86_400_000).toISOString().slice(0, 10);
    for await (const item of partitionItems(doc, {
      tableName: opts.tableName,
      pkAttribute: ATTR.pk,
      pk: quarantinePk(dayIso),
      skAttribute: ATTR.sk,
      range: {},
      ascending: true,
      pageSize: opts.pageSize ?? Math.min(limit, 1000),
    })) {
      if (!keep(item)) continue;
      out.push(quarantinedFromItem(item));
      if (out.length >= limit) break;
    }
  }
  return out;
}
