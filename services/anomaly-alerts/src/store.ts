import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { AnomalyAlertsError } from './errors.js';
import type { SeriesItem } from './scoring.js';

/** Where series items live; swapped for an in-memory one in unit tests. */
export interface SeriesStore {
  /** Strongly consistent read of a series' item. */
  get(series: string): Promise<SeriesItem | undefined>;
  /**
   * Writes `item` if the stored version is still `expectedVersion` (0: no item yet). Returns
   * false when another writer got there first (ConditionalCheckFailed).
   */
  put(item: SeriesItem, expectedVersion: number): Promise<boolean>;
  /**
   * Strongly consistent read of several series at once (a batch's series up front); a series
   * without an item is absent from the map. Optional: without it each series is read with `get`.
   */
  getMany?(series: readonly string[]): Promise<Map<string, SeriesItem>>;
}

/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_MAX = 100;
/** Rounds of UnprocessedKeys retries before falling back to single reads. */
const BATCH_GET_ROUNDS = 5;

/**
 * The stored form of a series item: the key and the version (the write condition) as attributes,
 * everything else as one deflated JSON document in `z`. DynamoDB bills a write per KB of the item;
 * the plain item (the detector's numbers as JSON text, the episode and alert references) is
 * ≈ 1.3–2 KB, 2 write units at every window, and deflates to ≈ 0.5–0.7 KB, 1 unit
 * (docs/cost-model.md). An item without `z` (written before this form) is read as it is.
 */
export function toStoredSeriesItem(item: SeriesItem): Record<string, unknown> {
  const { series, version, state, ...rest } = item;
  // The state is JSON text already: nested as a value rather than as an escaped string (≈ 10%
  // fewer bytes after deflate). JSON.stringify ∘ JSON.parse gives back the same text.
  const doc = { ...rest, st: JSON.parse(state) as unknown };
  return { series, version, z: deflateRawSync(JSON.stringify(doc), { level: 9 }) };
}

/** The series item of a stored one; throws CorruptSeriesItemError when `z` does not decode. */
export function fromStoredSeriesItem(stored: Record<string, unknown>): SeriesItem {
  const z = stored.z;
  if (z === undefined) return stored as unknown as SeriesItem;
  let rest: unknown;
  try {
    if (!(z instanceof Uint8Array)) throw new TypeError('z is not binary');
    rest = JSON.parse(inflateRawSync(z).toString('utf8'));
  } catch (cause) {
    throw new CorruptSeriesItemError(`series item ${String(stored.series)} does not decode`, {
      cause,
    });
  }
  if (typeof rest !== 'object' || rest === null || Array.isArray(rest)) {
    throw new CorruptSeriesItemError(`series item ${String(stored.series)} is not an object`);
  }
  const { st, ...fields } = rest as Record<string, unknown>;
  // series and version come from the key attributes, whatever the document says.
  return {
    ...fields,
    series: stored.series,
    version: stored.version,
    state: JSON.stringify(st),
  } as SeriesItem;
}

/** A stored series item that cannot be decoded: its records fail (redelivered, then on-failure). */
export class CorruptSeriesItemError extends AnomalyAlertsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CorruptSeriesItemError';
  }
}

/** The DynamoDB state table: partition key `series`, one item per series (`toStoredSeriesItem`). */
export class DynamoSeriesStore implements SeriesStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(series: string): Promise<SeriesItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { series }, ConsistentRead: true }),
    );
    return out.Item ? fromStoredSeriesItem(out.Item) : undefined;
  }

  async getMany(series: readonly string[]): Promise<Map<string, SeriesItem>> {
    const out = new Map<string, SeriesItem>();
    const unique = [...new Set(series)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX)
      chunks.push(unique.slice(i, i + BATCH_GET_MAX));
    await Promise.all(
      chunks.map(async (chunk) => {
        let keys: Record<string, unknown>[] = chunk.map((s) => ({ series: s }));
        for (let round = 0; round < BATCH_GET_ROUNDS && keys.length > 0; round++) {
          if (round > 0) await sleep(Math.random() * 25 * 2 ** round);
          const res = await this.doc.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
            }),
          );
          for (const stored of res.Responses?.[this.tableName] ?? []) {
            const item = fromStoredSeriesItem(stored);
            out.set(item.series, item);
          }
          keys = (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
        }
        // Still unprocessed (throttled): read those one by one rather than fail the batch.
        for (const key of keys) {
          const item = await this.get(key.series as string);
          if (item) out.set(item.series, item);
        }
      }),
    );
    return out;
  }

  async put(item: SeriesItem, expectedVersion: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toStoredSeriesItem(item),
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(series)' }
            : {
                ConditionExpression: '#v = :v',
                ExpressionAttributeNames: { '#v': 'version' },
                ExpressionAttributeValues: { ':v': expectedVersion },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as { name?: string }).name === 'ConditionalCheckFailedException'
      ) {
        return false;
      }
      throw error;
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
