import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { batchWriteReliably, type DocWriteRequest, itemSizeBytes } from '../../src/dynamodb.js';
import { recordingSleep } from '../helpers/kinesis.js';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddbMock = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddbMock.reset();
});

const put = (i: number): DocWriteRequest => ({ PutRequest: { Item: { pk: `e#${i}`, n: i } } });
const sent = (call: number) =>
  ddbMock.commandCalls(BatchWriteCommand)[call]!.args[0].input.RequestItems!.events!;

describe('batchWriteReliably', () => {
  it('writes in groups of 25', async () => {
    // Prepare
    ddbMock.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    const requests = Array.from({ length: 60 }, (_, i) => put(i));
    // Act
    const result = await batchWriteReliably(doc, 'events', requests, { concurrency: 1 });
    // Assess
    expect(result.unprocessed).toEqual([]);
    expect([0, 1, 2].map((c) => sent(c).length)).toEqual([25, 25, 10]);
    expect([0, 1, 2].flatMap((c) => sent(c))).toEqual(requests);
  });

  it('retries UnprocessedItems with full-jitter backoff until they are written', async () => {
    // Prepare
    ddbMock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { events: [put(1), put(2)] } })
      .resolvesOnce({ UnprocessedItems: { events: [put(2)] } })
      .resolves({});
    const { sleep, delays } = recordingSleep();
    // Act
    const result = await batchWriteReliably(doc, 'events', [put(0), put(1), put(2)], {
      sleep,
      random: () => 0.5,
      baseDelayMs: 40,
    });
    // Assess
    expect(result.unprocessed).toEqual([]);
    expect(sent(1)).toEqual([put(1), put(2)]);
    expect(sent(2)).toEqual([put(2)]);
    expect(delays).toEqual([20, 40]);
  });

  it('returns what is still unprocessed at the deadline instead of dropping it', async () => {
    // Prepare
    ddbMock.on(BatchWriteCommand).resolves({ UnprocessedItems: { events: [put(3)] } });
    let clock = 0;
    // Act
    const result = await batchWriteReliably(doc, 'events', [put(1), put(3)], {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      random: () => 0.99,
      baseDelayMs: 100,
      maxAttempts: 100,
      deadline: 1_000,
    });
    // Assess
    expect(result.unprocessed).toEqual([put(3)]);
    expect(result.failures[0]!.code).toBe('UnprocessedItems');
    expect(clock).toBeLessThan(1_000);
    expect(ddbMock.commandCalls(BatchWriteCommand).length).toBeGreaterThan(1);
  });

  it('retries a throttled call and returns the whole group after a validation error', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({
      message: 'slow',
      $metadata: {},
    });
    const invalid = Object.assign(new Error('duplicate keys'), {
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    ddbMock.on(BatchWriteCommand).rejectsOnce(throttled).resolvesOnce({}).rejects(invalid);
    const { sleep } = recordingSleep();
    // Act
    const ok = await batchWriteReliably(doc, 'events', [put(1)], { sleep });
    const bad = await batchWriteReliably(doc, 'events', [put(2), put(3)], { sleep });
    // Assess
    expect(ok.unprocessed).toEqual([]);
    expect(bad.unprocessed).toEqual([put(2), put(3)]);
    expect(bad.failures.map((f) => f.code)).toEqual(['ValidationException', 'ValidationException']);
    expect(ddbMock.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });

  it('gives up after maxAttempts', async () => {
    // Prepare
    ddbMock.on(BatchWriteCommand).resolves({ UnprocessedItems: { events: [put(1)] } });
    const { sleep } = recordingSleep();
    // Act
    const result = await batchWriteReliably(doc, 'events', [put(1)], { sleep, maxAttempts: 4 });
    // Assess
    expect(result.unprocessed).toEqual([put(1)]);
    expect(ddbMock.commandCalls(BatchWriteCommand)).toHaveLength(4);
  });
});

describe('itemSizeBytes (the size DynamoDB bills an item at)', () => {
  it('adds attribute names to UTF-8 strings, binary bytes and numbers by significant digits', () => {
    // Prepare: "pk" 2 + "abc" 3; "é" 1 + 2 bytes; "b" 1 + 5 bytes; "n" 1 + (6 digits / 2 + 1)
    const item = { pk: 'abc', é: 'x', b: new Uint8Array(5), n: 123.456 };
    // Act
    const size = itemSizeBytes(item);
    // Assess
    expect(size).toBe(2 + 3 + 2 + 1 + 1 + 5 + 1 + 4);
  });

  it('counts a number by its significant digits, without leading or trailing zeros', () => {
    // Prepare: "n" 1 + (1 digit / 2 + 1); "m" 1 + (2 digits "12" / 2 + 1); "f" 1 + ("15" 1 + 1)
    const item = { n: 1_000_000, m: 0.0012, f: 1.5 };
    // Act
    const size = itemSizeBytes(item);
    // Assess
    expect(size).toBe(1 + 2 + 1 + 2 + 1 + 2);
  });

  it('charges 3 bytes per list or map and 1 per element, and reads marshalled values alike', () => {
    // Prepare: "l" 1 + 3 + 2 × (1 + 1 + 1); "m" 1 + 3 + (1 + "k" 1 + true 1)
    const plain = { l: [1, 2], m: { k: true } };
    const marshalled = { l: { L: [{ N: '1' }, { N: '2' }] }, m: { M: { k: { BOOL: true } } } };
    // Act
    const sizes = [itemSizeBytes(plain), itemSizeBytes(marshalled)];
    // Assess
    expect(sizes).toEqual([1 + 3 + 6 + 1 + 3 + 3, 1 + 3 + 6 + 1 + 3 + 3]);
  });
});
