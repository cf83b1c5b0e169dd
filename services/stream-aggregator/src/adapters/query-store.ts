import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RetryOptions } from '@streamlens/lambda-kit';
import { idHashOf } from '../domain/event-id.js';
import {
  type DueGroup,
  QueryStateTooLarge,
  type QueryStore,
  type StoredGroup,
} from '../query/durable.js';
import { isConditionFailure, retryDynamo } from './dynamo-store.js';

export type DynamoQueryStoreOptions = {
  stateTableName: string;
  stateTtlSeconds: number;
  retry?: Omit<RetryOptions, 'deadline' | 'retryable'>;
  now?: () => number;
};

/** A group item's deflated state at most (DynamoDB's item limit is 400 KB). */
export const MAX_GROUP_STATE_BYTES = 350_000;

/** Keys longer than this (UTF-8 bytes) are replaced by their hash in item keys. */
const MAX_KEY_BYTES = 900;

/**
 * The durable query state in the aggregator's state table (docs/queries.md, "Durable state"):
 * - group `Q#<query>#<group>`, sk `g`: version `v`, `ttl`, and in `z` (deflated JSON) the group's
 *   events, emitted windows, forgetting horizon and outbox;
 * - due listing `QD#<query>`, sk `<group>`: `due` (event time), `at` (processing time of the
 *   change), `v` (the group version it reflects), `key` (the group key).
 * Groups are spread over partitions; a query's listings share one (small items, read by a
 * filtered Query per flush).
 */
export class DynamoQueryStore implements QueryStore {
  private readonly now: () => number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly opts: DynamoQueryStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  private retry<T>(fn: () => Promise<T>, deadlineMs: number): Promise<T> {
    return retryDynamo(fn, deadlineMs, this.opts.retry);
  }

  private ttl(): number {
    return Math.floor(this.now() / 1000) + this.opts.stateTtlSeconds;
  }

  async getGroup(query: string, key: string, deadlineMs: number): Promise<StoredGroup | undefined> {
    const res = await this.retry(
      () =>
        this.doc.send(
          new GetCommand({
            TableName: this.opts.stateTableName,
            Key: { pk: groupPk(query, key), sk: 'g' },
            ConsistentRead: true,
          }),
        ),
      deadlineMs,
    );
    const item = res.Item;
    if (item === undefined) return undefined;
    return decodeGroup(item.z as Uint8Array, item.v as number);
  }

  async putGroup(
    query: string,
    key: string,
    g: StoredGroup,
    deadlineMs: number,
  ): Promise<'ok' | 'conflict'> {
    const z = encodeGroup(g);
    if (z.length > MAX_GROUP_STATE_BYTES) {
      throw new QueryStateTooLarge(
        `query ${query}: group state is ${z.length} bytes deflated (at most ${MAX_GROUP_STATE_BYTES}); see docs/queries.md, limits`,
      );
    }
    const first = g.version === 1;
    try {
      await this.retry(
        () =>
          this.doc.send(
            new PutCommand({
              TableName: this.opts.stateTableName,
              Item: { pk: groupPk(query, key), sk: 'g', v: g.version, z, ttl: this.ttl() },
              ConditionExpression: first ? 'attribute_not_exists(pk)' : 'v = :prev',
              ExpressionAttributeValues: first ? undefined : { ':prev': g.version - 1 },
            }),
          ),
        deadlineMs,
      );
      return 'ok';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  async markDue(
    query: string,
    key: string,
    due: DueGroup & { version: number },
    deadlineMs: number,
  ): Promise<void> {
    await this.ignoringConditions(
      () =>
        this.doc.send(
          new PutCommand({
            TableName: this.opts.stateTableName,
            Item: {
              pk: `QD#${query}`,
              sk: itemKey(key),
              key,
              due: due.dueMs,
              at: due.at,
              v: due.version,
              ttl: this.ttl(),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR v < :v',
            ExpressionAttributeValues: { ':v': due.version },
          }),
        ),
      deadlineMs,
    );
  }

  async clearDue(query: string, key: string, version: number, deadlineMs: number): Promise<void> {
    await this.ignoringConditions(
      () =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.opts.stateTableName,
            Key: { pk: `QD#${query}`, sk: itemKey(key) },
            ...(version > 0
              ? { ConditionExpression: 'v <= :v', ExpressionAttributeValues: { ':v': version } }
              : {}),
          }),
        ),
      deadlineMs,
    );
  }

  async dueGroups(
    query: string,
    watermarkMs: number,
    limit: number,
    deadlineMs: number,
  ): Promise<DueGroup[]> {
    const out: DueGroup[] = [];
    let start: Record<string, unknown> | undefined;
    // +∞ (the idle rule) is every listing; DynamoDB numbers are finite.
    const filter = Number.isFinite(watermarkMs);
    do {
      const res = await this.retry(
        () =>
          this.doc.send(
            new QueryCommand({
              TableName: this.opts.stateTableName,
              KeyConditionExpression: 'pk = :pk',
              ...(filter ? { FilterExpression: 'due <= :wm' } : {}),
              ExpressionAttributeValues: filter
                ? { ':pk': `QD#${query}`, ':wm': watermarkMs }
                : { ':pk': `QD#${query}` },
              ConsistentRead: true,
              ExclusiveStartKey: start,
            }),
          ),
        deadlineMs,
      );
      for (const item of res.Items ?? []) {
        out.push({ key: item.key as string, dueMs: item.due as number, at: item.at as number });
        if (out.length >= limit) return out;
      }
      start = res.LastEvaluatedKey;
    } while (start !== undefined);
    return out;
  }

  private async ignoringConditions(fn: () => Promise<unknown>, deadlineMs: number): Promise<void> {
    try {
      await this.retry(fn, deadlineMs);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** A group key as an item key: as is when short, else its 52-bit hash (see docs/queries.md). */
function itemKey(key: string): string {
  return Buffer.byteLength(key) <= MAX_KEY_BYTES ? `=${key}` : `#${idHashOf(key).toString(36)}`;
}

function groupPk(query: string, key: string): string {
  return `Q#${query}#${itemKey(key)}`;
}

// JSON has no ±Infinity: the group's times are stored as null for −∞ and "inf" for +∞.
function time(ms: number): number | string | null {
  if (ms === Number.POSITIVE_INFINITY) return 'inf';
  if (ms === Number.NEGATIVE_INFINITY) return null;
  return ms;
}

function untime(v: unknown): number {
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === null || v === undefined) return Number.NEGATIVE_INFINITY;
  return v as number;
}

export function encodeGroup(g: StoredGroup): Uint8Array {
  const body = {
    values: g.values,
    events: g.events,
    emitted: g.emitted,
    finalBefore: time(g.finalBefore),
    settledToMs: time(g.settledToMs),
    changedFromMs: time(g.changedFromMs),
    openUntilMs: time(g.openUntilMs),
    outbox: g.outbox,
  };
  return deflateRawSync(Buffer.from(JSON.stringify(body)));
}

export function decodeGroup(z: Uint8Array, version: number): StoredGroup {
  const body = JSON.parse(inflateRawSync(z).toString('utf8'));
  return {
    version,
    values: body.values,
    events: body.events,
    emitted: body.emitted,
    finalBefore: untime(body.finalBefore),
    settledToMs: untime(body.settledToMs),
    changedFromMs: untime(body.changedFromMs),
    openUntilMs: untime(body.openUntilMs),
    outbox: body.outbox,
  };
}
