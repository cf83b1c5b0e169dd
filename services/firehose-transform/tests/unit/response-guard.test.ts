import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@streamlens/schema';
import fc from 'fast-check';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { RecordResult } from '../../src/model.js';
import { planResponse } from '../../src/response-guard.js';
import { RecordTransformer } from '../../src/transform.js';
import {
  cloudWatchLogsData,
  DELIVERY_STREAM_ARN,
  firehoseRecord,
  telemetryEvent,
} from '../helpers/factories.js';

const source = { deliveryStreamArn: DELIVERY_STREAM_ARN };
const transformer = new RecordTransformer(DEFAULT_CONFIG);

function plan(records: ReturnType<typeof firehoseRecord>[], limit: number) {
  const outcomes = records.map((r) => transformer.transform(r, source));
  return planResponse(records, outcomes, limit);
}

describe('planResponse', () => {
  it('counts the response size exactly', () => {
    // Prepare
    const records = [
      firehoseRecord(telemetryEvent(1), { recordId: 'a"\\é' }),
      firehoseRecord('not json'),
      firehoseRecord(telemetryEvent(2)),
    ];
    // Act
    const result = plan(records, 6_000_000);
    // Assess
    const body = JSON.stringify({ records: result.records.map((r) => r.output) });
    expect(result.responseBytes).toBe(Buffer.byteLength(body));
    expect(result.reingest).toEqual([]);
  });

  it('counts the response size exactly for any record ids (escapes, control and non-ASCII characters)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 3 }),
        (ids, kind) => {
          // Prepare: Ok, failed and dropped entries alike
          const data = [telemetryEvent(1), 'not json', telemetryEvent(2), 'x'][kind];
          const records = ids.map((recordId) => firehoseRecord(data, { recordId }));
          // Act
          const result = plan(records, 6_000_000);
          // Assess
          const body = JSON.stringify({ records: result.records.map((r) => r.output) });
          expect(result.responseBytes).toBe(Buffer.byteLength(body));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('re-ingests the Ok records that do not fit, in order, and answers them Dropped', () => {
    // Prepare
    const records = Array.from({ length: 10 }, (_, i) =>
      firehoseRecord(telemetryEvent(i), { kinesis: { partitionKey: `pk-${i}` } }),
    );
    const one = plan(records.slice(0, 1), 6_000_000).responseBytes;
    const limit = 14 + 4 * (one - 14) + 6 * 60;
    // Act
    const result = plan(records, limit);
    // Assess
    const results = result.records.map((r) => r.output.result);
    expect(results.filter((r) => r === RecordResult.Ok).length).toBeGreaterThanOrEqual(3);
    expect(results.indexOf(RecordResult.Dropped)).toBeGreaterThan(0);
    expect(
      results.slice(results.indexOf(RecordResult.Dropped)).every((r) => r === RecordResult.Dropped),
    ).toBe(true);
    const dropped = result.records.filter((r) => r.guard === 'reingested');
    expect(result.reingest.map((r) => r.partitionKey)).toEqual(
      dropped.map((d) => `pk-${records.findIndex((r) => r.recordId === d.output.recordId)}`),
    );
    expect(result.reingest[0]!.data).toEqual(
      Buffer.from(records[results.indexOf(RecordResult.Dropped)]!.data, 'base64'),
    );
    expect(result.responseBytes).toBeLessThanOrEqual(limit);
    expect(
      Buffer.byteLength(JSON.stringify({ records: result.records.map((r) => r.output) })),
    ).toBe(result.responseBytes);
  });

  it('keeps ProcessingFailed records (with their original data) ahead of Ok records', () => {
    // Prepare
    const bad = firehoseRecord(`{"broken": "${'x'.repeat(1500)}`);
    const records = [firehoseRecord(telemetryEvent(1)), bad];
    const limit = plan([bad], 6_000_000).responseBytes + 200;
    // Act
    const result = plan(records, limit);
    // Assess
    expect(result.records.map((r) => r.output.result)).toEqual([
      RecordResult.Dropped,
      RecordResult.ProcessingFailed,
    ]);
    expect(result.records[1]!.output.data).toBe(bad.data);
    expect(result.records[1]!.issue?.code).toBe(ErrorCode.INVALID_JSON);
  });

  it('splits a CloudWatch Logs record too large alone into two re-ingested halves', () => {
    // Prepare
    const messages = Array.from({ length: 40 }, (_, i) => `INFO message ${i} ${'y'.repeat(100)}`);
    const record = firehoseRecord(cloudWatchLogsData(messages));
    // Act
    const result = plan([record], 4_000);
    // Assess
    expect(result.records[0]).toMatchObject({
      output: { result: RecordResult.Dropped, data: '' },
      guard: 'split',
    });
    expect(result.reingest).toHaveLength(2);
    const halves = result.reingest.map((r) =>
      transformer.transform(firehoseRecord(r.data), source),
    );
    expect(halves.map((h) => (h.kind === 'ok' ? h.events : 0))).toEqual([20, 20]);
  });

  it('fails a single-event record too large alone with OVERSIZE and its original data', () => {
    // Prepare
    const record = firehoseRecord(
      telemetryEvent(1, { data: { metric: 'm', value: 1, unit: 'u'.repeat(3_000) } }),
    );
    // Act
    const result = plan([record], 4_500);
    // Assess
    expect(result.records[0]).toMatchObject({
      output: { result: RecordResult.ProcessingFailed, data: record.data },
      guard: 'too-large',
      issue: { code: ErrorCode.OVERSIZE },
    });
    expect(result.reingest).toEqual([]);
  });
});
