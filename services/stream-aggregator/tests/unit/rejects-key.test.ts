import { describe, expect, it } from '@jest/globals';
import { rejectsKey } from '../../src/domain/engine.js';
import type { RejectedRecord } from '../../src/domain/types.js';

function rejectedAt(seq: string, sub = 0): RejectedRecord {
  return {
    reason: 'invalid',
    shardId: 'shardId-000',
    sequenceNumber: seq,
    subSequenceNumber: sub,
    partitionKey: 'k',
    arrivalTime: '2026-12-07T10:00:00.000Z',
    data: '{',
    dataEncoding: 'utf8',
  };
}

describe('rejectsKey (the object key of a plan rejected records)', () => {
  it('is the same for the same records, so a retry overwrites its own object', () => {
    // Act
    const keys = [0, 1].map(() => rejectsKey('shardId-000', [rejectedAt('1'), rejectedAt('9')]));
    // Assess
    expect(keys[0]).toBe(keys[1]);
  });

  it('differs for two sets of records over the same range, so neither overwrites the other', () => {
    // Prepare: concurrent invocations of one shard plan the same first and last position
    const a = [rejectedAt('1'), rejectedAt('4'), rejectedAt('9')];
    const b = [rejectedAt('1'), rejectedAt('5'), rejectedAt('9')];
    // Act
    const keys = [rejectsKey('shardId-000', a), rejectsKey('shardId-000', b)];
    // Assess
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[0]).toMatch(/^shardId-000\/1-0_9-0_3-[0-9a-f]{8}$/);
  });
});
