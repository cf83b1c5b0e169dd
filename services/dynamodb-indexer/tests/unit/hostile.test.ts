import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@streamlens/schema';
import {
  cloudWatchControlMessage,
  cloudWatchDataMessage,
  cloudWatchRecordBytes,
  hostileRecordBytes,
  telemetryReading,
} from '@streamlens/schema/testing';
import fc from 'fast-check';
import { indexBatch } from '../../src/indexer.js';
import { eventItem, quarantinedFromItem } from '../../src/item.js';
import { FakeDocClient } from '../helpers/fake-doc.js';
import { kinesisEvent, kinesisRecord, nextSequenceNumber } from '../helpers/kinesis.js';
import { TEST_OPTIONS } from '../helpers/options.js';

const options = TEST_OPTIONS;
const FAR = Number.MAX_SAFE_INTEGER;
const CODES = new Set<string>(Object.values(ErrorCode));

describe('event keys are injective', () => {
  it('an id spelled h:<SHA-256 of another, long id> does not overwrite that event', () => {
    // Prepare
    const longId = 'x'.repeat(600);
    const forged = `h:${createHash('sha256').update(longId, 'utf8').digest('hex')}`;
    const opts = {
      typeShards: 4,
      retentionSeconds: 0,
      compressAboveBytes: 16_384,
      quarantineRetentionSeconds: 0,
    };
    // Act
    const a = eventItem(telemetryReading({ id: longId }), opts);
    const b = eventItem(telemetryReading({ id: forged }), opts);
    // Assess
    if (!a.ok || !b.ok) throw new Error('expected items');
    expect(a.item.pk).toBe(b.item.pk);
    expect(a.item.sk).not.toBe(b.item.sk);
  });

  it('ids differing only in invalid UTF-8 bytes are quarantined, not merged into one item', async () => {
    // Prepare
    const doc = new FakeDocClient();
    const text = JSON.stringify(telemetryReading({ id: 'id-X' }));
    const at = text.indexOf('id-X') + 3;
    const records = [0xff, 0xfe].map((byte) => {
      const b = Buffer.from(text, 'utf8');
      b[at] = byte;
      return kinesisRecord('shardId-0', nextSequenceNumber(), b);
    });
    // Act
    const { stats } = await indexBatch(kinesisEvent(records), doc.asDocClient(), options, FAR);
    // Assess
    const quarantined = [...doc.items.values()].map(quarantinedFromItem);
    expect(stats.indexed).toBe(0);
    expect(quarantined.map((q) => q.code)).toEqual(['INVALID_UNICODE', 'INVALID_UNICODE']);
  });
});

describe('hostile records', () => {
  it('each one is quarantined with a documented code and the rest of its batch is written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileRecordBytes, { minLength: 1, maxLength: 6 }),
        async (hostile) => {
          // Prepare: valid events around every hostile record, all on one shard.
          const doc = new FakeDocClient();
          const records = hostile.flatMap((h, i) => [
            kinesisRecord('shardId-0', nextSequenceNumber(), telemetryReading({ id: `ok-${i}` })),
            kinesisRecord('shardId-0', nextSequenceNumber(), Buffer.from(h)),
          ]);
          // Act
          const { response, stats, invalid } = await indexBatch(
            kinesisEvent(records),
            doc.asDocClient(),
            options,
            FAR,
          );
          // Assess
          expect(response.batchItemFailures).toEqual([]);
          expect(stats.indexed).toBe(hostile.length);
          expect(invalid).toHaveLength(hostile.length);
          for (const report of invalid) {
            expect(report.quarantined).toBe(true);
            expect(CODES.has(report.code)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('CloudWatch Logs records of any shape never fail the batch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cloudWatchRecordBytes, { maxLength: 5 }), async (payloads) => {
        // Prepare
        const doc = new FakeDocClient();
        const records = payloads.map((p) =>
          kinesisRecord('shardId-0', nextSequenceNumber(), Buffer.from(p)),
        );
        // Act
        const { response, invalid } = await indexBatch(
          kinesisEvent(records),
          doc.asDocClient(),
          options,
          FAR,
        );
        // Assess
        expect(response.batchItemFailures).toEqual([]);
        for (const report of invalid) expect(CODES.has(report.code)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('indexes each log line of a CloudWatch Logs record and quarantines a bad line alone', async () => {
    // Prepare
    const doc = new FakeDocClient();
    const event = kinesisEvent([
      kinesisRecord('shardId-0', nextSequenceNumber(), cloudWatchControlMessage()),
      kinesisRecord(
        'shardId-0',
        nextSequenceNumber(),
        cloudWatchDataMessage(['one', '\ud800', 'three']),
      ),
    ]);
    // Act
    const { stats, invalid } = await indexBatch(event, doc.asDocClient(), options, FAR);
    // Assess
    expect(stats.controlMessages).toBe(1);
    expect(stats.indexed).toBe(2);
    expect(invalid).toEqual([
      expect.objectContaining({ code: 'INVALID_UNICODE', subSequenceNumber: 1, quarantined: true }),
    ]);
  });
});
