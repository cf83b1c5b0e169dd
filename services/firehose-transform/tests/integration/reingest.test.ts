import { randomUUID } from 'node:crypto';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clientConfig } from '@streamlens/lambda-kit';
import { connectLocalAws, type FaultProxy, startFaultProxy } from '@streamlens/local-aws';
import { DEFAULT_CONFIG, type TransformConfig } from '../../src/config.js';
import { ReingestionError } from '../../src/errors.js';
import { type FirehoseInputRecord, RecordResult } from '../../src/model.js';
import { processFirehoseEvent } from '../../src/processor.js';
import { createAwsReingest } from '../../src/reingest-aws.js';
import { RecordTransformer } from '../../src/transform.js';
import { firehoseEvent, firehoseRecord, telemetryEvent } from '../helpers/factories.js';

// The re-ingestion path against kinesalite, behind the fault proxy so that PutRecords answers
// partial failures that really drop the failed entries.
const aws = connectLocalAws();
const streamName = `fh-reingest-${randomUUID().slice(0, 8)}`;
const streamArn = `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`;
let proxy: FaultProxy;
let kinesis: KinesisClient;

beforeAll(async () => {
  await aws.createResources({ streams: [{ name: streamName, shardCount: 2 }] });
  proxy = await startFaultProxy({ target: aws.endpoints.kinesis!, seed: 7 });
  kinesis = new KinesisClient(clientConfig({ endpoint: proxy.endpoint, region: 'us-east-1' }));
});

afterAll(async () => {
  kinesis?.destroy();
  await proxy?.stop();
  aws.close();
});

function eventOf(records: FirehoseInputRecord[]) {
  const event = firehoseEvent(records, { kinesisSource: true });
  event.sourceKinesisStreamArn = streamArn;
  return event;
}

function deps(overrides: Partial<TransformConfig>) {
  const config = { ...DEFAULT_CONFIG, ...overrides };
  return {
    config,
    transformer: new RecordTransformer(config),
    reingest: createAwsReingest({ kinesis }),
  };
}

describe('re-ingestion into the source stream (kinesalite)', () => {
  it('puts every record without room back, once, with its partition key, despite partial failures', async () => {
    // Prepare
    proxy.setRules([
      {
        kind: 'putRecordsPartialFailure',
        operation: 'PutRecords',
        entryProbability: 0.4,
        times: 2,
      },
    ]);
    const records = Array.from({ length: 40 }, (_, i) =>
      firehoseRecord(telemetryEvent(1000 + i), { kinesis: { partitionKey: `host-${i}` } }),
    );
    const before = (await aws.readStream(streamName)).length;
    // Act
    const response = await processFirehoseEvent(
      eventOf(records),
      deps({ responseLimitBytes: 12_000 }),
    );
    // Assess
    const dropped = response.records
      .filter((r) => r.result === RecordResult.Dropped)
      .map((r) => r.recordId);
    expect(dropped.length).toBeGreaterThan(10);
    expect(response.records.filter((r) => r.result === RecordResult.Ok).length).toBe(
      40 - dropped.length,
    );
    expect(proxy.stats().failedEntries).toBeGreaterThan(0);
    const written = (await aws.readStream(streamName)).slice(before);
    const expected = records.filter((r) => dropped.includes(r.recordId));
    expect(
      written.map((w) => [w.partitionKey, Buffer.from(w.data).toString('base64')]).sort(),
    ).toEqual(expected.map((r) => [r.kinesisRecordMetadata!.partitionKey, r.data]).sort());
  });

  it('turns re-ingested records into Ok lines on their next pass', async () => {
    // Prepare
    proxy.setRules([]);
    const records = Array.from({ length: 12 }, (_, i) =>
      firehoseRecord(telemetryEvent(2000 + i), { kinesis: { partitionKey: `p-${i}` } }),
    );
    const before = (await aws.readStream(streamName)).length;
    await processFirehoseEvent(eventOf(records), deps({ responseLimitBytes: 4_000 }));
    const written = (await aws.readStream(streamName)).slice(before);
    const again = written.map((w) =>
      firehoseRecord(Buffer.from(w.data), {
        kinesis: { partitionKey: w.partitionKey, sequenceNumber: w.sequenceNumber },
      }),
    );
    // Act
    const second = await processFirehoseEvent(eventOf(again), deps({}));
    // Assess
    expect(written.length).toBeGreaterThan(0);
    expect(second.records.every((r) => r.result === RecordResult.Ok)).toBe(true);
  });

  it('fails the invocation when PutRecords keeps failing, so that Firehose retries it', async () => {
    // Prepare
    proxy.setRules([
      { kind: 'putRecordsPartialFailure', operation: 'PutRecords', entryProbability: 1 },
    ]);
    const records = Array.from({ length: 10 }, (_, i) =>
      firehoseRecord(telemetryEvent(3000 + i), { kinesis: {} }),
    );
    // Act
    const run = processFirehoseEvent(
      eventOf(records),
      deps({ responseLimitBytes: 3_000, reingestMaxAttempts: 2 }),
    );
    // Assess
    await expect(run).rejects.toBeInstanceOf(ReingestionError);
  });
});
