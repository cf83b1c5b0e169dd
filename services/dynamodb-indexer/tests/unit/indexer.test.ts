import { describe, expect, it } from '@jest/globals';
import { aggregate } from '@streamlens/schema';
import { appLog, INVALID_SAMPLES, telemetryReading } from '@streamlens/schema/testing';
import { type IndexerOptions, indexBatch } from '../../src/indexer.js';
import { eventItem, quarantinedFromItem } from '../../src/item.js';
import { keyString } from '../../src/keys.js';
import { FakeDocClient } from '../helpers/fake-doc.js';
import { kinesisEvent, kinesisRecord, nextSequenceNumber } from '../helpers/kinesis.js';

const options = (over: Partial<IndexerOptions> = {}): IndexerOptions => ({
  tableName: 'events',
  typeShards: 4,
  retentionSeconds: 86_400,
  quarantineRetentionSeconds: 86_400,
  compressAboveBytes: 16_384,
  maxEventBytes: 1_048_576,
  writeConcurrency: 2,
  backoff: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 2, sleep: async () => {} },
  ...over,
});
const FAR = Number.MAX_SAFE_INTEGER;

describe('indexBatch', () => {
  it('writes 60 events in BatchWriteItem groups of at most 25', async () => {
    // Prepare
    const doc = new FakeDocClient();
    const events = Array.from({ length: 60 }, (_, i) => telemetryReading({ id: `e${i}` }));
    const event = kinesisEvent(
      events.map((e) => kinesisRecord('shardId-0', nextSequenceNumber(), e)),
    );
    // Act
    const { response, stats } = await indexBatch(event, doc.asDocClient(), options(), FAR);
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(doc.batchSizes.sort((a, b) => b - a)).toEqual([25, 25, 10]);
    expect(doc.items.size).toBe(60);
    expect(stats.indexed).toBe(60);
  });

  it('de-duplicates keys within a batch (BatchWriteItem rejects duplicates) and counts them', async () => {
    // Prepare
    const doc = new FakeDocClient();
    const e = appLog({ id: 'dup' });
    const event = kinesisEvent([
      kinesisRecord('shardId-0', nextSequenceNumber(), e),
      kinesisRecord('shardId-0', nextSequenceNumber(), e),
      kinesisRecord('shardId-1', nextSequenceNumber(), e),
    ]);
    // Act
    const { response, stats } = await indexBatch(event, doc.asDocClient(), options(), FAR);
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(doc.items.size).toBe(1);
    expect([...doc.writes.values()]).toEqual([1]);
    expect(stats.duplicateKeys).toBe(2);
    expect(stats.indexed).toBe(3);
  });

  it('quarantines every kind of invalid record with its reason and keeps the shard moving', async () => {
    // Prepare
    const doc = new FakeDocClient();
    const samples = Object.entries(INVALID_SAMPLES).map(([code, s]) => ({
      code,
      text: typeof s === 'string' ? s : JSON.stringify(s),
    }));
    const good = telemetryReading({ id: 'good' });
    const records = samples.map((s) => kinesisRecord('shardId-0', nextSequenceNumber(), s.text));
    records.push(kinesisRecord('shardId-0', nextSequenceNumber(), good));
    // Act
    const { response, stats, invalid } = await indexBatch(
      kinesisEvent(records),
      doc.asDocClient(),
      options(),
      FAR,
    );
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(stats.quarantined).toBe(samples.length);
    expect(stats.indexed).toBe(1);
    const stored = [...doc.items.values()]
      .filter((i) => i.pk.startsWith('Q#'))
      .map(quarantinedFromItem);
    // JSON.stringify turns the non-finite sample into null, which is WRONG_TYPE
    expect(stored.map((q) => q.raw).sort()).toEqual(samples.map((s) => s.text).sort());
    expect(invalid.map((r) => r.code)).toEqual(
      samples.map((s) => (s.code === 'NON_FINITE_NUMBER' ? 'WRONG_TYPE' : s.code)),
    );
    expect(invalid.every((r) => r.quarantined)).toBe(true);
  });

  it('quarantines a malformed KPL aggregate (bad checksum) instead of failing the shard', async () => {
    // Prepare
    const doc = new FakeDocClient();
    const agg = aggregate([
      { partitionKey: 'a', data: Buffer.from(JSON.stringify(appLog({ id: 'k1' }))) },
    ]);
    const corrupt = Buffer.from(agg);
    corrupt[corrupt.length - 1] = (corrupt.at(-1)! + 1) & 0xff;
    const event = kinesisEvent([
      kinesisRecord('shardId-0', nextSequenceNumber(), corrupt),
      kinesisRecord('shardId-0', nextSequenceNumber(), agg),
    ]);
    // Act
    const { response, invalid, stats } = await indexBatch(event, doc.asDocClient(), options(), FAR);
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(invalid.map((r) => r.code)).toEqual(['KPL_CHECKSUM_MISMATCH']);
    expect(stats.indexed).toBe(1);
  });

  it('retries UnprocessedItems until written', async () => {
    // Prepare: the first two calls leave items 0 and 3 unprocessed
    const doc = new FakeDocClient((call) =>
      call < 2 ? { kind: 'unprocessed', positions: [0, 3] } : { kind: 'ok' },
    );
    const event = kinesisEvent(
      Array.from({ length: 10 }, (_, i) =>
        kinesisRecord('shardId-0', nextSequenceNumber(), appLog({ id: `u${i}` })),
      ),
    );
    // Act
    const { response } = await indexBatch(
      event,
      doc.asDocClient(),
      options({ writeConcurrency: 1 }),
      FAR,
    );
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(doc.items.size).toBe(10);
    expect(doc.batchSizes).toEqual([10, 2, 2]);
  });

  it('reports the first unwritten record of a shard and every later one when time runs out', async () => {
    // Prepare: item 2 stays unprocessed forever; a clock that moves 1 s per sleep
    let clock = 0;
    const doc = new FakeDocClient(() => ({ kind: 'unprocessed', positions: [2] }));
    const shard0 = Array.from({ length: 5 }, (_, i) =>
      kinesisRecord('shardId-0', nextSequenceNumber(), appLog({ id: `s0-${i}` })),
    );
    const shard1 = [kinesisRecord('shardId-1', nextSequenceNumber(), appLog({ id: 's1-0' }))];
    const event = kinesisEvent([shard0[0]!, shard1[0]!, ...shard0.slice(1)]);
    const opts = options({
      writeConcurrency: 1,
      backoff: {
        maxAttempts: 100,
        baseDelayMs: 1000,
        maxDelayMs: 1000,
        random: () => 0.999,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      },
    });
    // Act
    const { response, stats } = await indexBatch(event, doc.asDocClient(), opts, 5_000);
    // Assess: event order is s0-0, s1-0, s0-1, s0-2...; position 2 of the request list is s0-1
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      shard0.slice(1).map((r) => r.kinesis.sequenceNumber),
    );
    expect(stats.unwritten).toBe(1);
    expect(clock).toBeLessThanOrEqual(5_000);
  });

  it('isolates an item DynamoDB rejects: the rest of its group is written, it is quarantined', async () => {
    // Prepare
    const doc = new FakeDocClient(undefined, (item) => item.pk === 'E#poison');
    const records = Array.from({ length: 5 }, (_, i) =>
      kinesisRecord(
        'shardId-0',
        nextSequenceNumber(),
        appLog({ id: `v${i}`, ...(i === 2 ? { subject: 'poison' } : {}) }),
      ),
    );
    // Act
    const { response, stats, invalid } = await indexBatch(
      kinesisEvent(records),
      doc.asDocClient(),
      options(),
      FAR,
    );
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(stats.indexed).toBe(4);
    expect(stats.quarantined).toBe(1);
    expect(invalid.map((r) => r.code)).toEqual(['DYNAMODB_REJECTED']);
    expect([...doc.items.values()].filter((i) => i.pk.startsWith('E#')).length).toBe(4);
  });

  it('writes the exact item of eventItem (the same one any redelivery writes)', async () => {
    // Prepare
    const doc = new FakeDocClient();
    const e = telemetryReading({ id: 'exact', subject: 'host-9' });
    const opts = options();
    const event = kinesisEvent([kinesisRecord('shardId-0', nextSequenceNumber(), e)]);
    // Act
    await indexBatch(event, doc.asDocClient(), opts, FAR);
    await indexBatch(event, doc.asDocClient(), opts, FAR);
    // Assess
    const expected = eventItem(e, opts);
    expect(expected.ok).toBe(true);
    if (!expected.ok) return;
    expect(doc.items.get(keyString(expected.item))).toEqual(expected.item);
    expect(doc.items.size).toBe(1);
  });
});
