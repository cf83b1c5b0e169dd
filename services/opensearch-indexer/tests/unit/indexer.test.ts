import { describe, expect, it } from '@jest/globals';
import { appLog, INVALID_SAMPLES, telemetryReading } from '@streamlens/schema/testing';
import type { DeadLetter } from '../../src/dead-letter.js';
import { type IndexerOptions, indexBatch } from '../../src/indexer.js';
import { fakeBulk } from '../helpers/fake-bulk.js';
import { kinesisEventOf } from '../helpers/kinesis.js';

const opts: IndexerOptions = {
  indexPrefix: 'events',
  maxEventBytes: 1_048_576,
  bulk: { maxAttempts: 3, sleep: async () => undefined },
};
const far = Date.now() + 60_000;

function sink() {
  const letters: DeadLetter[] = [];
  return { letters, write: async (e: readonly DeadLetter[]) => void letters.push(...e) };
}

describe('indexBatch', () => {
  it('indexes every valid event by id and answers full success', async () => {
    // Prepare
    const fake = fakeBulk();
    const events = [appLog({ id: 'a' }), telemetryReading({ id: 'b' }), appLog({ id: 'c' })];
    // Act
    const r = await indexBatch(kinesisEventOf(events, 2), { send: fake.send }, opts, far);
    // Assess
    expect(r.response).toEqual({ batchItemFailures: [] });
    expect([...fake.copies().keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(r.counts).toMatchObject({ records: 3, events: 3, indexed: 3, rejected: 0 });
  });

  it('dead-letters a mapping error with its reason while the rest succeed', async () => {
    // Prepare
    const fake = fakeBulk((id) => (id === 'b' ? 400 : undefined));
    const dl = sink();
    const events = [appLog({ id: 'a' }), appLog({ id: 'b' }), appLog({ id: 'c' })];
    // Act
    const r = await indexBatch(
      kinesisEventOf(events),
      { send: fake.send, deadLetter: dl.write },
      opts,
      far,
    );
    // Assess
    expect(r.response.batchItemFailures).toEqual([]);
    expect([...fake.copies().keys()].sort()).toEqual(['a', 'c']);
    expect(dl.letters).toEqual([
      expect.objectContaining({
        id: 'b',
        index: 'events-2026.01.01',
        reason: { status: 400, type: 'mapper_parsing_exception', message: 'injected 400' },
        event: events[1],
        document: expect.objectContaining({ id: 'b' }),
        arrivalTimeMs: expect.any(Number),
      }),
    ]);
  });

  it('dead-letters invalid events with the validation error and raw bytes', async () => {
    // Prepare
    const fake = fakeBulk();
    const dl = sink();
    // Act
    const r = await indexBatch(
      kinesisEventOf([appLog({ id: 'a' }), INVALID_SAMPLES.MISSING_FIELD]),
      { send: fake.send, deadLetter: dl.write },
      opts,
      far,
    );
    // Assess
    expect(r.response.batchItemFailures).toEqual([]);
    expect(dl.letters).toHaveLength(1);
    expect(dl.letters[0]!.reason.type).toBe('MISSING_FIELD');
    expect(Buffer.from(dl.letters[0]!.raw!, 'base64').toString()).toBe(
      INVALID_SAMPLES.MISSING_FIELD,
    );
    expect(r.counts.invalid).toBe(1);
  });

  it('without a dead-letter sink, reports the rejected record and the rest of its shard only', async () => {
    // Prepare: shard 0 gets a, c, e; shard 1 gets b, d.
    const fake = fakeBulk((id) => (id === 'c' ? 400 : undefined));
    const events = ['a', 'b', 'c', 'd', 'e'].map((id) => appLog({ id }));
    const event = kinesisEventOf(events, 2);
    // Act
    const r = await indexBatch(event, { send: fake.send }, opts, far);
    // Assess
    const seq = (i: number) => event.Records[i]!.kinesis.sequenceNumber;
    expect(r.response.batchItemFailures).toEqual([
      { itemIdentifier: seq(2) },
      { itemIdentifier: seq(4) },
    ]);
  });

  it('reports records whose events stay throttled, and records whose dead letters could not be stored', async () => {
    // Prepare
    const fake = fakeBulk((id) => (id === 'a' ? 429 : id === 'b' ? 400 : undefined));
    const event = kinesisEventOf(
      [appLog({ id: 'x' }), appLog({ id: 'a' }), appLog({ id: 'b' })],
      3,
    );
    const failing = async () => {
      throw new Error('S3 down');
    };
    // Act
    const r = await indexBatch(event, { send: fake.send, deadLetter: failing }, opts, far);
    // Assess
    const seq = (i: number) => event.Records[i]!.kinesis.sequenceNumber;
    expect(r.response.batchItemFailures).toEqual([
      { itemIdentifier: seq(1) },
      { itemIdentifier: seq(2) },
    ]);
    expect(r.unfinished.map((u) => u.doc.id)).toEqual(['a']);
    expect(r.deadLetterError).toBeInstanceOf(Error);
  });
});
