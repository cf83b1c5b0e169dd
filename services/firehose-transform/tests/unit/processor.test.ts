import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@streamlens/schema';
import { DEFAULT_CONFIG, type TransformConfig } from '../../src/config.js';
import { InvalidInvocationError, ReingestionError } from '../../src/errors.js';
import { RecordResult } from '../../src/model.js';
import { processFirehoseEvent } from '../../src/processor.js';
import { RecordTransformer } from '../../src/transform.js';
import {
  appLogEvent,
  firehoseEvent,
  firehoseRecord,
  SOURCE_STREAM_ARN,
  telemetryEvent,
} from '../helpers/factories.js';
import { fakeLogger, fakeMetrics, fakeReingest } from '../helpers/fakes.js';

function deps(overrides: Partial<TransformConfig> = {}, failCount = 0) {
  const config = { ...DEFAULT_CONFIG, ...overrides };
  const { reingest, calls } = fakeReingest(failCount);
  const logger = fakeLogger();
  const { metrics, recorded } = fakeMetrics();
  return {
    deps: {
      config,
      transformer: new RecordTransformer(config),
      reingest,
      logger,
      metrics,
      deadline: 123,
    },
    calls,
    logger,
    recorded,
  };
}

describe('processFirehoseEvent', () => {
  it('answers every record exactly once, in order, whatever its fate', async () => {
    // Prepare
    const records = [
      firehoseRecord(telemetryEvent(1)),
      firehoseRecord('{bad'),
      firehoseRecord(appLogEvent(2, 'DEBUG')),
      firehoseRecord(appLogEvent(3, 'ERROR')),
    ];
    const { deps: d } = deps({ minLogLevel: 'INFO' });
    // Act
    const response = await processFirehoseEvent(firehoseEvent(records), d);
    // Assess
    expect(response.records.map((r) => [r.recordId, r.result])).toEqual([
      [records[0]!.recordId, RecordResult.Ok],
      [records[1]!.recordId, RecordResult.ProcessingFailed],
      [records[2]!.recordId, RecordResult.Dropped],
      [records[3]!.recordId, RecordResult.Ok],
    ]);
    expect(response.records[1]!.data).toBe(records[1]!.data);
    expect(response.summary).toMatchObject({
      ok: 2,
      failed: 1,
      dropped: 1,
      events: 2,
      reingested: 0,
    });
  });

  it('logs each failure with what finds it in the error prefix, and counts it per error code', async () => {
    // Prepare
    const bad = firehoseRecord('{bad', { kinesis: { sequenceNumber: '42', partitionKey: 'pk' } });
    const unknown = firehoseRecord(telemetryEvent(1, { type: 'nope' }));
    const { deps: d, logger, recorded } = deps();
    // Act
    await processFirehoseEvent(firehoseEvent([bad, unknown], { kinesisSource: true }), d);
    // Assess
    expect(logger.warn).toHaveBeenCalledWith(
      'record failed',
      expect.objectContaining({
        recordId: bad.recordId,
        errorCode: ErrorCode.INVALID_JSON,
        sequenceNumber: '42',
        arrivalTimestamp: bad.approximateArrivalTimestamp,
        rawDataSha256: createHash('sha256').update(bad.data).digest('hex'),
      }),
    );
    expect(logger.warn).toHaveBeenCalledWith(
      'record failed',
      expect.objectContaining({ errorCode: ErrorCode.UNKNOWN_TYPE }),
    );
    expect(recorded).toContainEqual({
      name: 'ProcessingFailed',
      value: 1,
      dimensions: { errorCode: ErrorCode.INVALID_JSON },
    });
    expect(recorded).toContainEqual({
      name: 'ProcessingFailed',
      value: 1,
      dimensions: { errorCode: ErrorCode.UNKNOWN_TYPE },
    });
    expect(recorded).toContainEqual({ name: 'RecordsFailed', value: 2, dimensions: {} });
  });

  it('stops logging failures past the limit but still counts them all', async () => {
    // Prepare
    const records = Array.from({ length: 5 }, () => firehoseRecord('nope'));
    const { deps: d, logger, recorded } = deps({ failureLogLimit: 2 });
    // Act
    await processFirehoseEvent(firehoseEvent(records), d);
    // Assess
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(recorded).toContainEqual({
      name: 'ProcessingFailed',
      value: 5,
      dimensions: { errorCode: ErrorCode.INVALID_JSON },
    });
  });

  it('re-ingests what does not fit into the source stream with the original partition keys', async () => {
    // Prepare
    const records = Array.from({ length: 6 }, (_, i) =>
      firehoseRecord(telemetryEvent(i), { kinesis: { partitionKey: `pk-${i}` } }),
    );
    const { deps: d, calls } = deps({ responseLimitBytes: 2_500 });
    // Act
    const response = await processFirehoseEvent(firehoseEvent(records, { kinesisSource: true }), d);
    // Assess
    const dropped = response.records.filter((r) => r.result === RecordResult.Dropped);
    expect(dropped.length).toBeGreaterThan(0);
    expect(calls).toHaveLength(1);
    const [target, items, opts] = calls[0]!;
    expect(target).toEqual({
      kind: 'kinesis',
      streamName: 'streamlens-dev-events',
      streamArn: SOURCE_STREAM_ARN,
    });
    expect(items.map((i) => i.recordId)).toEqual(dropped.map((r) => r.recordId));
    expect(
      items.every(
        (i, k) =>
          i.partitionKey ===
          records.find((r) => r.recordId === dropped[k]!.recordId)!.kinesisRecordMetadata!
            .partitionKey,
      ),
    ).toBe(true);
    expect(opts).toEqual({ deadline: 123, maxAttempts: DEFAULT_CONFIG.reingestMaxAttempts });
    expect(Buffer.byteLength(JSON.stringify({ records: response.records }))).toBeLessThanOrEqual(
      2_500,
    );
    expect(response.summary.dropsByReason).toEqual({ REINGESTED: dropped.length });
  });

  it('re-ingests into the delivery stream when there is no source stream', async () => {
    // Prepare
    const records = Array.from({ length: 6 }, (_, i) => firehoseRecord(telemetryEvent(i)));
    const { deps: d, calls } = deps({ responseLimitBytes: 2_500 });
    // Act
    await processFirehoseEvent(firehoseEvent(records), d);
    // Assess
    expect(calls[0]![0]).toMatchObject({
      kind: 'firehose',
      deliveryStreamName: 'streamlens-dev-lake',
    });
  });

  it('throws ReingestionError when re-ingestion fails for good, so that Firehose retries the batch', async () => {
    // Prepare
    const records = Array.from({ length: 6 }, (_, i) => firehoseRecord(telemetryEvent(i)));
    const { deps: d, logger } = deps({ responseLimitBytes: 2_500 }, 1);
    // Act
    const run = processFirehoseEvent(firehoseEvent(records, { kinesisSource: true }), d);
    // Assess
    await expect(run).rejects.toBeInstanceOf(ReingestionError);
    await expect(run).rejects.toMatchObject({ failedCount: 1 });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('re-ingestion failed'),
      expect.objectContaining({ firstErrorCode: 'InternalFailure' }),
    );
  });

  it('does not call re-ingestion when everything fits', async () => {
    // Prepare
    const { deps: d, calls } = deps();
    // Act
    await processFirehoseEvent(firehoseEvent([firehoseRecord(telemetryEvent())]), d);
    // Assess
    expect(calls).toEqual([]);
  });

  it('rejects an invocation that is not a transformation request', async () => {
    // Prepare
    const { deps: d } = deps();
    // Act
    const run = processFirehoseEvent({ invocationId: 'x' } as never, d);
    // Assess
    await expect(run).rejects.toBeInstanceOf(InvalidInvocationError);
  });
});
