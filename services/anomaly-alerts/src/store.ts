import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
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
}

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
