import { describe, expect, it } from '@jest/globals';
import { ErrorCode, validateEvent } from '@streamlens/schema';
import {
  cloudWatchControlMessage,
  cloudWatchDataMessage,
  cloudWatchRecordBytes,
  hostileRecordBytes,
} from '@streamlens/schema/testing';
import fc from 'fast-check';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { FirehoseInputRecord } from '../../src/model.js';
import { processFirehoseEvent } from '../../src/processor.js';
import { RecordTransformer } from '../../src/transform.js';
import { firehoseEvent, firehoseRecord, telemetryEvent, textOf } from '../helpers/factories.js';
import { fakeReingest } from '../helpers/fakes.js';

const CODES = new Set<string>(Object.values(ErrorCode));

async function transform(records: FirehoseInputRecord[]) {
  const { reingest } = fakeReingest();
  return processFirehoseEvent(firehoseEvent(records), {
    config: DEFAULT_CONFIG,
    transformer: new RecordTransformer(DEFAULT_CONFIG),
    reingest,
  });
}

describe('hostile records in a Firehose batch', () => {
  it('each one fails alone with a documented code; every valid record beside it is Ok', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileRecordBytes, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (hostile, kinesis) => {
          // Prepare: a valid event before every hostile record.
          const opts = kinesis ? { kinesis: {} } : {};
          const records = hostile.flatMap((h, i) => [
            firehoseRecord(telemetryEvent(i), opts),
            firehoseRecord(Buffer.from(h), opts),
          ]);
          // Act
          const response = await transform(records);
          // Assess
          expect(response.records.map((r) => r.result)).toEqual(
            records.map((_r, i) => (i % 2 === 0 ? 'Ok' : 'ProcessingFailed')),
          );
          for (const code of Object.keys(response.summary.failuresByCode)) {
            expect(CODES.has(code)).toBe(true);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('CloudWatch Logs records of any shape get a result each, and every Ok line is a valid event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cloudWatchRecordBytes, { maxLength: 6 }), async (payloads) => {
        // Act
        const response = await transform(payloads.map((p) => firehoseRecord(Buffer.from(p))));
        // Assess
        expect(response.records).toHaveLength(payloads.length);
        for (const out of response.records) {
          if (out.result !== 'Ok') continue;
          for (const line of textOf(out.data).trimEnd().split('\n')) {
            expect(validateEvent(JSON.parse(line)).ok).toBe(true);
          }
        }
        for (const code of Object.keys(response.summary.failuresByCode)) {
          expect(CODES.has(code)).toBe(true);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('drops a control message exactly as AWS sends it and keeps the data message beside it', async () => {
    // Act
    const response = await transform([
      firehoseRecord(Buffer.from(cloudWatchControlMessage())),
      firehoseRecord(Buffer.from(cloudWatchDataMessage(['ERROR boom']))),
    ]);
    // Assess
    expect(response.records.map((r) => r.result)).toEqual(['Dropped', 'Ok']);
    expect(response.summary.dropsByReason).toEqual({ CONTROL_MESSAGE: 1 });
  });

  it('writes .0008000000Z as .000Z on both the scanned and the parsed path', async () => {
    // Prepare: compact (scanned) and spaced (parsed) spellings of one event.
    const event = telemetryEvent(1, { time: '2026-11-25T10:00:00.0008000000+01:00' });
    const compact = JSON.stringify(event);
    const spaced = JSON.stringify(event, null, 1);
    // Act
    const response = await transform([firehoseRecord(compact), firehoseRecord(spaced)]);
    // Assess
    for (const out of response.records) {
      expect(JSON.parse(textOf(out.data)).time).toBe('2026-11-25T09:00:00.000Z');
    }
  });
});
