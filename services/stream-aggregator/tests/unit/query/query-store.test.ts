import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, jest } from '@jest/globals';
import {
  DynamoQueryStore,
  decodeGroup,
  encodeGroup,
  MAX_GROUP_STATE_BYTES,
} from '../../../src/adapters/query-store.js';
import { idHashOf } from '../../../src/domain/event-id.js';
import { QueryStateTooLarge, type StoredGroup } from '../../../src/query/durable.js';

function group(events: number): StoredGroup {
  const dimensions: Record<string, string> = {};
  Object.defineProperty(dimensions, '__proto__', { value: 'x', enumerable: true });
  return {
    version: 3,
    values: ['eu-west-1'],
    events: Array.from({ length: events }, (_, i) => ({
      series: `cpu|host=h${i}`,
      kind: 'telemetry' as const,
      metric: '',
      dimensions,
      timeMs: 1_765_000_000_000 + i,
      value: (i * 7919) % 1000.37,
      idHash: idHashOf(`e-${i}`),
    })),
    emitted: [[1_765_000_000_000, { revision: 2, digest: 'abc', endMs: 1_765_000_060_000 }]],
    finalBefore: Number.NEGATIVE_INFINITY,
    settledToMs: Number.POSITIVE_INFINITY,
    changedFromMs: 1_765_000_000_005,
    openUntilMs: Number.POSITIVE_INFINITY,
    outbox: [],
  };
}

describe('DynamoQueryStore', () => {
  it('stores a group and reads it back as it was, infinities and an own __proto__ dimension included', () => {
    // Act
    const back = decodeGroup(encodeGroup(group(3)), 3);
    // Assess
    expect(back).toEqual(group(3));
    expect(Object.hasOwn(back.events[0]!.dimensions, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(back.events[0]!.dimensions)).toBe(Object.prototype);
  });

  it('refuses a group state over the item cap before sending anything', async () => {
    // Prepare
    const send = jest.fn(async () => ({}));
    const store = new DynamoQueryStore({ send } as unknown as DynamoDBDocumentClient, {
      stateTableName: 'state',
      stateTtlSeconds: 86_400,
    });
    const big = group(40_000);
    expect(encodeGroup(big).length).toBeGreaterThan(MAX_GROUP_STATE_BYTES);
    // Act / Assess
    await expect(store.putGroup('q', 'g', big, Date.now() + 10_000)).rejects.toBeInstanceOf(
      QueryStateTooLarge,
    );
    expect(send).not.toHaveBeenCalled();
  });
});
