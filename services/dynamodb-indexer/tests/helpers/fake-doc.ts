import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { ATTR, compareUtf8, keyString, TYPE_INDEX_NAME } from '../../src/keys.js';

type Item = Record<string, unknown> & { pk: string; sk: string };

/** What the fault plan decides for one BatchWriteItem call. */
export type BatchFault =
  | { kind: 'ok' }
  | { kind: 'unprocessed'; positions: readonly number[] }
  | { kind: 'throttle' };

class FakeAwsError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

/**
 * An in-memory document client with DynamoDB's BatchWriteItem semantics: ≤ 25 requests, duplicate
 * keys rejected (ValidationException), UnprocessedItems not written, all-unprocessed answered as
 * a throttle; PutItem; Query on the table and the by-type index (key conditions as query.ts
 * builds them, ScanIndexForward, Limit, pagination). Counts writes per key.
 */
export class FakeDocClient {
  readonly items = new Map<string, Item>();
  readonly writes = new Map<string, number>();
  readonly batchSizes: number[] = [];
  queries = 0;
  private call = 0;

  constructor(
    private readonly fault: (call: number, size: number) => BatchFault = () => ({ kind: 'ok' }),
    private readonly reject: (item: Item) => boolean = () => false,
  ) {}

  asDocClient(): DynamoDBDocumentClient {
    return this as unknown as DynamoDBDocumentClient;
  }

  private put(item: Item): void {
    const key = keyString(item);
    this.items.set(key, structuredClone(item));
    this.writes.set(key, (this.writes.get(key) ?? 0) + 1);
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof BatchWriteCommand) return this.batchWrite(command);
    if (command instanceof PutCommand) {
      const item = command.input.Item as Item;
      if (this.reject(item)) throw new FakeAwsError('ValidationException', 'rejected', 400);
      this.put(item);
      return {};
    }
    if (command instanceof QueryCommand) return this.query(command);
    throw new Error(`FakeDocClient: unsupported command ${(command as object).constructor.name}`);
  }

  private batchWrite(command: BatchWriteCommand): unknown {
    const tables = Object.entries(command.input.RequestItems ?? {});
    if (tables.length !== 1) throw new Error('one table per call expected');
    const [table, requests] = tables[0]!;
    if (requests.length === 0 || requests.length > 25) {
      throw new FakeAwsError('ValidationException', `${requests.length} requests`, 400);
    }
    const seen = new Set<string>();
    for (const r of requests) {
      const key = keyString(r.PutRequest!.Item as Item);
      if (seen.has(key)) {
        throw new FakeAwsError(
          'ValidationException',
          'Provided list of item keys contains duplicates',
          400,
        );
      }
      seen.add(key);
      if (this.reject(r.PutRequest!.Item as Item)) {
        throw new FakeAwsError('ValidationException', 'item rejected', 400);
      }
    }
    this.batchSizes.push(requests.length);
    const decision = this.fault(this.call++, requests.length);
    if (decision.kind === 'throttle') {
      throw new FakeAwsError('ProvisionedThroughputExceededException', 'throttled', 400);
    }
    const skip = new Set(
      decision.kind === 'unprocessed' ? decision.positions.map((p) => p % requests.length) : [],
    );
    if (skip.size === requests.length) {
      throw new FakeAwsError('ProvisionedThroughputExceededException', 'all unprocessed', 400);
    }
    const unprocessed = requests.filter((_, i) => skip.has(i));
    requests.forEach((r, i) => {
      if (!skip.has(i)) this.put(r.PutRequest!.Item as Item);
    });
    return unprocessed.length > 0 ? { UnprocessedItems: { [table]: unprocessed } } : {};
  }

  private query(command: QueryCommand): unknown {
    this.queries++;
    const input = command.input;
    const names = input.ExpressionAttributeNames ?? {};
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, string>;
    const pkAttr = names['#pk']!;
    const skAttr = names['#sk'] ?? (input.IndexName === TYPE_INDEX_NAME ? ATTR.gsi1sk : ATTR.sk);
    const cond = input.KeyConditionExpression ?? '';
    const inRange = (sk: string): boolean => {
      if (cond.includes('BETWEEN'))
        return compareUtf8(sk, values[':from']!) >= 0 && compareUtf8(sk, values[':to']!) <= 0;
      if (cond.includes('>= :from')) return compareUtf8(sk, values[':from']!) >= 0;
      if (cond.includes('< :to')) return compareUtf8(sk, values[':to']!) < 0;
      return true;
    };
    const sign = input.ScanIndexForward === false ? -1 : 1;
    let rows = [...this.items.values()]
      .filter(
        (it) =>
          it[pkAttr] === values[':pk'] &&
          typeof it[skAttr] === 'string' &&
          inRange(it[skAttr] as string),
      )
      .sort((a, b) => sign * compareUtf8(a[skAttr] as string, b[skAttr] as string));
    const start = input.ExclusiveStartKey as Item | undefined;
    if (start) {
      const at = rows.findIndex((r) => keyString(r) === keyString(start));
      rows = rows.slice(at + 1);
    }
    const limit = input.Limit ?? rows.length;
    const page = rows.slice(0, limit);
    const last = rows.length > limit ? page[page.length - 1] : undefined;
    return {
      Items: page.map((r) => structuredClone(r)),
      ...(last ? { LastEvaluatedKey: { pk: last.pk, sk: last.sk } } : {}),
    };
  }
}
