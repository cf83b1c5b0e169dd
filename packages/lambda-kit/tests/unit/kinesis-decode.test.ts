import { describe, expect, it } from '@jest/globals';
import { aggregate } from '@streamlens/schema';
import fc from 'fast-check';
import { decodeKinesisEvent, decodeKinesisRecord, shardIdOf } from '../../src/kinesis/index.js';
import { kinesisEvent, kinesisRecord, STREAM_ARN, seq } from '../helpers/kinesis.js';

describe('decodeKinesisEvent', () => {
  it('decodes base64 data and converts the arrival time from seconds to milliseconds', () => {
    // Prepare
    const event = kinesisEvent([
      kinesisRecord('shardId-000000000001', seq(1), '{"a":1}', {
        partitionKey: 'k',
        arrivalSeconds: 1_764_097_200.5,
      }),
    ]);
    // Act
    const { records, failures } = decodeKinesisEvent(event);
    // Assess
    expect(failures).toEqual([]);
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(Buffer.from(record!.data).toString('utf8')).toBe('{"a":1}');
    expect(record).toMatchObject({
      sequenceNumber: seq(1),
      shardId: 'shardId-000000000001',
      partitionKey: 'k',
      eventSourceArn: STREAM_ARN,
      arrivalTimeMs: 1_764_097_200_500,
    });
    expect(record!.subSequenceNumber).toBeUndefined();
  });

  it('de-aggregates KPL records into user records with their parent sequence number', () => {
    // Prepare
    const bytes = aggregate([
      { partitionKey: 'p1', data: Buffer.from('one') },
      { partitionKey: 'p2', explicitHashKey: '12345', data: Buffer.from('two') },
    ]);
    const event = kinesisEvent([
      kinesisRecord('s-0', seq(5), bytes),
      kinesisRecord('s-0', seq(6), 'plain'),
    ]);
    // Act
    const { records } = decodeKinesisEvent(event);
    // Assess
    expect(
      records.map((r) => [
        Buffer.from(r.data).toString(),
        r.sequenceNumber,
        r.subSequenceNumber,
        r.partitionKey,
      ]),
    ).toEqual([
      ['one', seq(5), 0, 'p1'],
      ['two', seq(5), 1, 'p2'],
      ['plain', seq(6), undefined, 'pk-1'],
    ]);
    expect(records[1]!.explicitHashKey).toBe('12345');
    expect(records[0]!.explicitHashKey).toBeUndefined();
  });

  it('returns a malformed aggregate as a failure instead of throwing', () => {
    // Prepare
    const truncated = aggregate([{ partitionKey: 'p', data: Buffer.from('x'.repeat(40)) }]).slice(
      0,
      20,
    );
    const event = kinesisEvent([
      kinesisRecord('s-0', seq(1), truncated),
      kinesisRecord('s-0', seq(2), 'ok'),
    ]);
    // Act
    const { records, failures } = decodeKinesisEvent(event);
    // Assess
    expect(records).toHaveLength(1);
    expect(failures).toEqual([
      expect.objectContaining({
        sequenceNumber: seq(1),
        shardId: 's-0',
        code: expect.stringMatching(/^KPL_/),
      }),
    ]);
  });

  it('never throws on random bytes behind the KPL magic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        const bytes = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2, ...tail);
        const decoded = decodeKinesisRecord(kinesisRecord('s-0', seq(1), bytes));
        expect(typeof decoded.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});

describe('shardIdOf', () => {
  it('takes the part of eventID before the colon', () => {
    expect(shardIdOf({ eventID: 'shardId-000000000003:4959' })).toBe('shardId-000000000003');
    expect(shardIdOf({ eventID: 'no-colon' })).toBe('no-colon');
  });
});
