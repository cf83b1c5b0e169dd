import type { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, jest } from '@jest/globals';
import { aggregate } from '@streamlens/schema';
import type { KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import {
  batchResponseFrom,
  type DecodedKinesisRecord,
  processKinesisBatch,
  shardKeyOf,
  stopAtFirstFailure,
} from '../../src/kinesis/index.js';
import { kinesisEvent, kinesisRecord, seq } from '../helpers/kinesis.js';

const text = (r: DecodedKinesisRecord) => Buffer.from(r.data).toString('utf8');

function failingOn(bad: ReadonlySet<string>) {
  return jest.fn(async (r: DecodedKinesisRecord) => {
    if (bad.has(text(r))) throw new Error(`poison ${text(r)}`);
  });
}

const ids = (r: { batchItemFailures: { itemIdentifier: string }[] }) =>
  r.batchItemFailures.map((f) => f.itemIdentifier);

describe('processKinesisBatch', () => {
  it('returns an empty list when every record succeeds', async () => {
    // Prepare
    const event = kinesisEvent([
      kinesisRecord('shard-0', seq(1), 'a'),
      kinesisRecord('shard-0', seq(2), 'b'),
    ]);
    const handler = failingOn(new Set());
    // Act
    const response = await processKinesisBatch(event, handler);
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(handler.mock.calls.map(([r]) => text(r))).toEqual(['a', 'b']);
  });

  it('stops at the first failure and reports it and every later record of its shard', async () => {
    // Prepare
    const event = kinesisEvent([
      kinesisRecord('shard-0', seq(1), 'ok1'),
      kinesisRecord('shard-0', seq(2), 'bad'),
      kinesisRecord('shard-0', seq(3), 'ok2'),
      kinesisRecord('shard-0', seq(4), 'ok3'),
    ]);
    const handler = failingOn(new Set(['bad']));
    // Act
    const response = await processKinesisBatch(event, handler);
    // Assess
    expect(ids(response)).toEqual([seq(2), seq(3), seq(4)]);
    expect(handler.mock.calls.map(([r]) => text(r))).toEqual(['ok1', 'bad']);
  });

  it('reports only the failed records when stopAtFirstFailure is false', async () => {
    // Prepare
    const event = kinesisEvent([
      kinesisRecord('shard-0', seq(1), 'bad1'),
      kinesisRecord('shard-0', seq(2), 'ok'),
      kinesisRecord('shard-0', seq(3), 'bad2'),
    ]);
    const handler = failingOn(new Set(['bad1', 'bad2']));
    // Act
    const response = await processKinesisBatch(event, handler, { stopAtFirstFailure: false });
    // Assess
    expect(ids(response)).toEqual([seq(1), seq(3)]);
    expect(handler).toHaveBeenCalledTimes(3);
  });

  it('leaves the records of other shards unaffected', async () => {
    // Prepare
    const event = kinesisEvent([
      kinesisRecord('shard-0', seq(1), 'bad'),
      kinesisRecord('shard-1', seq(2), 'other1'),
      kinesisRecord('shard-0', seq(3), 'after'),
      kinesisRecord('shard-1', seq(4), 'other2'),
    ]);
    const handler = failingOn(new Set(['bad']));
    // Act
    const response = await processKinesisBatch(event, handler);
    // Assess
    expect(ids(response)).toEqual([seq(1), seq(3)]);
    expect(handler.mock.calls.map(([r]) => text(r)).sort()).toEqual(['bad', 'other1', 'other2']);
  });

  it('never returns an empty list when every record throws', async () => {
    // Prepare
    const event = kinesisEvent([
      kinesisRecord('shard-0', seq(1), 'x'),
      kinesisRecord('shard-0', seq(2), 'y'),
    ]);
    const handler = jest.fn(() => {
      throw new Error('down');
    });
    // Act
    const stopping = await processKinesisBatch(event, handler);
    const all = await processKinesisBatch(event, handler, { stopAtFirstFailure: false });
    // Assess
    expect(ids(stopping)).toEqual([seq(1), seq(2)]);
    expect(ids(all)).toEqual([seq(1), seq(2)]);
  });

  it('reports the parent sequence number once for failed KPL user records', async () => {
    // Prepare
    const bytes = aggregate([
      { partitionKey: 'a', data: Buffer.from('u0') },
      { partitionKey: 'b', data: Buffer.from('bad') },
      { partitionKey: 'c', data: Buffer.from('u2') },
    ]);
    const event = kinesisEvent([
      kinesisRecord('shard-0', seq(7), bytes),
      kinesisRecord('shard-0', seq(8), 'later'),
    ]);
    const handler = failingOn(new Set(['bad']));
    // Act
    const stopping = await processKinesisBatch(event, handler);
    const all = await processKinesisBatch(event, handler, { stopAtFirstFailure: false });
    // Assess
    expect(ids(stopping)).toEqual([seq(7), seq(8)]);
    expect(ids(all)).toEqual([seq(7)]);
    const seen = handler.mock.calls.map(([r]) => [text(r), r.subSequenceNumber, r.sequenceNumber]);
    expect(seen.slice(0, 2)).toEqual([
      ['u0', 0, seq(7)],
      ['bad', 1, seq(7)],
    ]);
  });

  it('treats a KPL record with a bad checksum as a failure, or skips it when asked', async () => {
    // Prepare
    const bytes = aggregate([{ partitionKey: 'a', data: Buffer.from('u0') }]);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1]! + 1) % 256;
    const event = kinesisEvent([
      kinesisRecord('shard-0', seq(1), bytes),
      kinesisRecord('shard-0', seq(2), 'ok'),
    ]);
    const logger = { error: jest.fn(), warn: jest.fn() };
    // Act
    const failing = await processKinesisBatch(event, async () => {}, { logger });
    const skipping = await processKinesisBatch(event, async () => {}, {
      logger,
      onDecodeFailure: 'skip',
    });
    // Assess
    expect(ids(failing)).toEqual([seq(1), seq(2)]);
    expect(ids(skipping)).toEqual([]);
    expect(logger.error).toHaveBeenCalledWith(
      'Kinesis record could not be decoded',
      expect.objectContaining({ sequenceNumber: seq(1), code: 'KPL_CHECKSUM_MISMATCH' }),
    );
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('logs each failure with its record context and counts outcomes in metrics', async () => {
    // Prepare
    const event = kinesisEvent([
      kinesisRecord('shard-0', seq(1), 'ok'),
      kinesisRecord('shard-0', seq(2), 'bad'),
      kinesisRecord('shard-0', seq(3), 'after'),
    ]);
    const logger = { error: jest.fn(), warn: jest.fn() };
    const metrics = { addMetric: jest.fn<Metrics['addMetric']>() };
    // Act
    await processKinesisBatch(event, failingOn(new Set(['bad'])), { logger, metrics });
    // Assess
    expect(logger.error).toHaveBeenCalledWith(
      'Kinesis record failed',
      expect.objectContaining({ shardId: 'shard-0', sequenceNumber: seq(2) }),
    );
    expect(metrics.addMetric.mock.calls).toEqual([
      ['KinesisRecordsProcessed', 'Count', 1],
      ['KinesisRecordsFailed', 'Count', 1],
      ['KinesisRecordsDecodeFailed', 'Count', 0],
      ['KinesisRecordsNotAttempted', 'Count', 1],
    ]);
  });

  it('processes records of one shard strictly in order, one at a time', async () => {
    // Prepare
    const event = kinesisEvent(
      [1, 2, 3, 4].map((n) => kinesisRecord('shard-0', seq(n), String(n))),
    );
    const order: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const handler = async (r: DecodedKinesisRecord) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5 - Number(text(r))));
      order.push(text(r));
      inFlight--;
    };
    // Act
    await processKinesisBatch(event, handler);
    // Assess
    expect(order).toEqual(['1', '2', '3', '4']);
    expect(maxInFlight).toBe(1);
  });
});

describe('batchResponseFrom', () => {
  it('removes duplicates and keeps order', () => {
    expect(batchResponseFrom(['2', '1', '2'])).toEqual({
      batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '1' }],
    });
    expect(batchResponseFrom([])).toEqual({ batchItemFailures: [] });
  });
});

// A layout: records spread over up to 4 shards; some plain, some KPL aggregates of 1–3 user
// records; each user record fails or not.
const layoutArb = fc.array(
  fc.record({
    shard: fc.integer({ min: 0, max: 3 }),
    users: fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
    kpl: fc.boolean(),
  }),
  { minLength: 0, maxLength: 30 },
);

function build(layout: { shard: number; users: boolean[]; kpl: boolean }[]) {
  const records: KinesisStreamRecord[] = [];
  const bad = new Set<string>();
  layout.forEach((spec, i) => {
    const users = spec.kpl ? spec.users : spec.users.slice(0, 1);
    const payloads = users.map((fails, u) => {
      const payload = `r${i}u${u}`;
      if (fails) bad.add(payload);
      return payload;
    });
    const data = spec.kpl
      ? aggregate(payloads.map((p) => ({ partitionKey: `pk${i}`, data: Buffer.from(p) })))
      : payloads[0]!;
    records.push(kinesisRecord(`shard-${spec.shard}`, seq(i), data));
  });
  return { records, bad };
}

describe('processKinesisBatch properties', () => {
  it('with stopAtFirstFailure reports, per shard, exactly everything from the first failed record on', async () => {
    await fc.assert(
      fc.asyncProperty(layoutArb, async (layout) => {
        // Prepare
        const { records, bad } = build(layout);
        const expected: string[] = [];
        for (let shard = 0; shard < 4; shard++) {
          const own = layout.map((s, i) => ({ ...s, i })).filter((s) => s.shard === shard);
          const first = own.findIndex((s) => (s.kpl ? s.users : s.users.slice(0, 1)).some(Boolean));
          if (first !== -1) expected.push(...own.slice(first).map((s) => seq(s.i)));
        }
        // Act
        const response = await processKinesisBatch(kinesisEvent(records), failingOn(bad));
        // Assess
        const reported = ids(response);
        expect([...reported].sort()).toEqual([...expected].sort());
        expect(new Set(reported).size).toBe(reported.length);
        if (bad.size > 0) expect(reported.length).toBeGreaterThan(0);
        // Lambda checkpoints at the lowest reported number: nothing before it in a shard failed.
        for (const id of reported)
          expect(records.some((r) => r.kinesis.sequenceNumber === id)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('without stopAtFirstFailure reports exactly the records with a failed user record', async () => {
    await fc.assert(
      fc.asyncProperty(layoutArb, async (layout) => {
        // Prepare
        const { records, bad } = build(layout);
        const expected = layout
          .map((s, i) => ({ fails: (s.kpl ? s.users : s.users.slice(0, 1)).some(Boolean), i }))
          .filter((s) => s.fails)
          .map((s) => seq(s.i));
        const handler = failingOn(bad);
        // Act
        const response = await processKinesisBatch(kinesisEvent(records), handler, {
          stopAtFirstFailure: false,
        });
        // Assess
        expect(ids(response)).toEqual(expected);
        const userCount = layout.reduce((n, s) => n + (s.kpl ? s.users.length : 1), 0);
        expect(handler).toHaveBeenCalledTimes(userCount);
      }),
      { numRuns: 300 },
    );
  });
});

describe('stopAtFirstFailure', () => {
  it('reports nothing when nothing failed and, per shard, the first failure and what follows', () => {
    // Prepare: two shards interleaved.
    const records = kinesisEvent([
      kinesisRecord('a', '1', 'x'),
      kinesisRecord('b', '2', 'x'),
      kinesisRecord('a', '3', 'x'),
      kinesisRecord('b', '4', 'x'),
      kinesisRecord('a', '5', 'x'),
    ]).Records;
    const failing = (indexes: number[]) => (_r: unknown, i: number) => indexes.includes(i);
    // Act / Assess
    expect(stopAtFirstFailure(records, failing([]))).toEqual({ batchItemFailures: [] });
    expect(stopAtFirstFailure(records, failing([2])).batchItemFailures).toEqual([
      { itemIdentifier: '3' },
      { itemIdentifier: '5' },
    ]);
    expect(stopAtFirstFailure(records, failing([3, 4])).batchItemFailures).toEqual([
      { itemIdentifier: '4' },
      { itemIdentifier: '5' },
    ]);
  });

  it('keeps shards of two streams apart (the shard key is stream and shard)', () => {
    // Prepare: the same shard id on two streams.
    const [one, two] = kinesisEvent([kinesisRecord('a', '1', 'x'), kinesisRecord('a', '2', 'x')])
      .Records as [KinesisStreamRecord, KinesisStreamRecord];
    const other = { ...two, eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/other' };
    // Act
    const response = stopAtFirstFailure([one, other], (r) => r === one);
    // Assess
    expect(shardKeyOf(one)).not.toBe(shardKeyOf(other));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '1' }]);
  });
});
