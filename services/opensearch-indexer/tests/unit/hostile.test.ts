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
import { kinesisEventOf } from '../helpers/kinesis.js';
import { runBatch } from '../helpers/run-batch.js';

const CODES = new Set<string>(Object.values(ErrorCode));

const run = (items: readonly unknown[]) => runBatch(kinesisEventOf(items));

describe('hostile records', () => {
  it('each one is dead-lettered with a documented code and the rest of its batch is indexed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileRecordBytes, { minLength: 1, maxLength: 6 }),
        async (hostile) => {
          // Prepare: valid events around every hostile record, all on one shard.
          const items = hostile.flatMap((h, i) => [
            telemetryReading({ id: `ok-${i}` }),
            Buffer.from(h),
          ]);
          // Act
          const { result, fake, letters } = await run(items);
          // Assess
          expect(result.response.batchItemFailures).toEqual([]);
          expect(fake.copies().size).toBe(hostile.length);
          expect(letters).toHaveLength(hostile.length);
          for (const l of letters) expect(CODES.has(String(l.reason.type))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('CloudWatch Logs records of any shape never fail the batch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cloudWatchRecordBytes, { maxLength: 5 }), async (payloads) => {
        // Act
        const { result, letters } = await run(payloads.map((p) => Buffer.from(p)));
        // Assess
        expect(result.response.batchItemFailures).toEqual([]);
        for (const l of letters) expect(CODES.has(String(l.reason.type))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('indexes each log line of a CloudWatch Logs record and dead-letters a bad line alone', async () => {
    // Act
    const { result, fake, letters } = await run([
      Buffer.from(cloudWatchControlMessage()),
      Buffer.from(cloudWatchDataMessage(['one', '\ud800', 'three'])),
    ]);
    // Assess
    expect(result.counts.controlMessages).toBe(1);
    expect(fake.copies().size).toBe(2);
    expect(letters).toEqual([
      expect.objectContaining({
        reason: expect.objectContaining({ type: 'INVALID_UNICODE', path: '$.logEvents[1]' }),
        subSequenceNumber: 1,
      }),
    ]);
  });
});

describe('daily index names', () => {
  it('have a four-digit year and the UTC day, whatever the fraction or offset', async () => {
    // Prepare: compact (scanned) and spaced (parsed) records.
    const early = telemetryReading({ id: 'early', time: '0999-03-04T05:06:07Z' });
    const long = telemetryReading({ id: 'long', time: '2026-01-01T23:59:59.9999999999Z' });
    const offset = telemetryReading({ id: 'offset', time: '2026-01-02T00:30:00.0008000000+01:00' });
    const items = [early, long, offset].flatMap((e) => [
      e,
      Buffer.from(JSON.stringify({ ...e, id: `${e.id}-spaced` }, null, 1)),
    ]);
    // Act
    const { fake } = await run(items);
    // Assess
    const indexOf = (id: string) => [...fake.store.entries()].find(([, docs]) => docs.has(id))?.[0];
    for (const suffix of ['', '-spaced']) {
      expect(indexOf(`early${suffix}`)).toBe('events-0999.03.04');
      expect(indexOf(`long${suffix}`)).toBe('events-2026.01.01');
      expect(indexOf(`offset${suffix}`)).toBe('events-2026.01.01');
    }
  });
});
