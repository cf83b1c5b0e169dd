import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
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

/** The DynamoDB state table: partition key `series`, one item per series. */
export class DynamoSeriesStore implements SeriesStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(series: string): Promise<SeriesItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { series }, ConsistentRead: true }),
    );
    return out.Item as SeriesItem | undefined;
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
          for (const item of res.Responses?.[this.tableName] ?? [])
            out.set((item as SeriesItem).series, item as SeriesItem);
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
          Item: item,
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
