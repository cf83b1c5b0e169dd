import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { DeliveryStreamConfig } from '../../src/firehose/config.js';
import { FirehoseEmulator } from '../../src/firehose/delivery.js';
import type { InvokeOutcome } from '../../src/runtime/container.js';
import { freshStream, put } from '../helpers/kinesis.js';

interface FirehoseRequest {
  invocationId: string;
  deliveryStreamArn: string;
  sourceKinesisStreamArn: string;
  region: string;
  records: {
    recordId: string;
    approximateArrivalTimestamp: number;
    data: string;
    kinesisRecordMetadata: Record<string, unknown>;
  }[];
}

const emulators: FirehoseEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});

async function setup(transform: (request: FirehoseRequest) => unknown, retries = 1) {
  const { aws, name, arn } = await freshStream(2);
  const bucket = `lake-${randomUUID()}`;
  await aws.createResources({ buckets: [bucket] });
  const config: DeliveryStreamConfig = {
    name: 'lake',
    arn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/lake',
    sourceStreamName: name,
    sourceStreamArn: arn,
    bucket,
    prefix: 'events/type=!{partitionKeyFromLambda:type}/dt=!{timestamp:yyyy-MM-dd}/',
    errorOutputPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
    bufferSizeMb: 64,
    bufferIntervalSeconds: 300,
    compression: 'GZIP',
    dynamicPartitioning: true,
    processor: {
      lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:transform',
      bufferSizeMb: 1,
      bufferIntervalSeconds: 60,
      retries,
    },
  };
  const requests: FirehoseRequest[] = [];
  const emulator = new FirehoseEmulator({
    config,
    kinesis: aws.clients().kinesis,
    s3: aws.clients().s3,
    pollIntervalMs: 50,
    processorIntervalSecondsOverride: 0.2,
    bufferIntervalSecondsOverride: 1,
    invoke: async (event): Promise<InvokeOutcome> => {
      requests.push(event as FirehoseRequest);
      try {
        return { ok: true, value: await transform(event as FirehoseRequest), durationMs: 0 };
      } catch (error) {
        return { ok: false, errorType: 'Error', errorMessage: String(error), durationMs: 0 };
      }
    },
  });
  emulators.push(emulator);
  return { aws, name, arn, bucket, emulator, requests };
}

const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');
const encode = (text: string) => Buffer.from(text).toString('base64');

describe('firehose emulator', () => {
  it('honours Ok, Dropped and ProcessingFailed, partitions dynamically and writes gzip objects with Firehose names', async () => {
    // Prepare
    const { aws, name, arn, bucket, emulator, requests } = await setup((request) => ({
      records: request.records.map((r) => {
        const body = decode(r.data);
        if (body.startsWith('drop'))
          return { recordId: r.recordId, result: 'Dropped', data: r.data };
        if (body.startsWith('bad'))
          return { recordId: r.recordId, result: 'ProcessingFailed', data: r.data };
        return {
          recordId: r.recordId,
          result: 'Ok',
          data: encode(`${body.toUpperCase()}\n`),
          metadata: { partitionKeys: { type: body.split('-')[0] } },
        };
      }),
    }));
    const bodies = [
      ...Array.from({ length: 6 }, (_, i) => `a-${i}`),
      ...Array.from({ length: 4 }, (_, i) => `b-${i}`),
      'drop-1',
      'bad-1',
    ];
    await put(
      aws,
      name,
      bodies.map((body, i) => ({ key: `k${i}`, body })),
    );
    // Act
    await emulator.start();
    await emulator.drain(30_000);
    // Assess
    const objects = await aws.getObjects(bucket);
    const byPrefix = new Map<string, string[]>();
    for (const o of objects) {
      const prefix = o.key.slice(0, o.key.lastIndexOf('/') + 1);
      const lines = gunzipSync(o.body).toString('utf8').split('\n').filter(Boolean);
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), ...lines]);
      expect(o.key.slice(prefix.length)).toMatch(
        /^lake-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$/,
      );
    }
    const today = new Date().toISOString().slice(0, 10);
    expect(byPrefix.get(`events/type=a/dt=${today}/`)?.sort()).toEqual([
      'A-0',
      'A-1',
      'A-2',
      'A-3',
      'A-4',
      'A-5',
    ]);
    expect(byPrefix.get(`events/type=b/dt=${today}/`)).toHaveLength(4);
    const errors = byPrefix.get(`errors/processing-failed/dt=${today}/`) ?? [];
    expect(errors).toHaveLength(1);
    const error = JSON.parse(errors[0] as string);
    expect(error).toMatchObject({
      attemptsMade: 1,
      errorCode: 'Lambda.ProcessingFailedStatus',
      rawData: encode('bad-1'),
      lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:transform',
    });
    expect(typeof error.arrivalTimestamp).toBe('number');
    expect(typeof error.attemptEndingTimestamp).toBe('number');
    expect(emulator.stats).toMatchObject({
      recordsIn: 12,
      ok: 10,
      dropped: 1,
      processingFailed: 1,
    });
    const request = requests[0] as FirehoseRequest;
    expect(request).toMatchObject({
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/lake',
      sourceKinesisStreamArn: arn,
      region: 'us-east-1',
    });
    const first = request.records[0];
    expect(Math.abs((first?.approximateArrivalTimestamp ?? 0) - Date.now())).toBeLessThan(120_000);
    expect(first?.kinesisRecordMetadata).toEqual({
      shardId: expect.stringMatching(/^shardId-/),
      partitionKey: expect.any(String),
      approximateArrivalTimestamp: first?.approximateArrivalTimestamp,
      sequenceNumber: expect.any(String),
      subsequenceNumber: 0,
    });
  });

  it('fails an invocation whose response misses a recordId, retries it, then sends the batch to processing-failed', async () => {
    // Prepare
    const { aws, name, bucket, emulator, requests } = await setup(
      (request) => ({
        records: request.records
          .slice(1)
          .map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })),
      }),
      2,
    );
    await put(aws, name, [
      { key: 'k', body: 'x' },
      { key: 'k', body: 'y' },
    ]);
    // Act
    await emulator.start();
    await emulator.drain(30_000);
    // Assess
    expect(requests).toHaveLength(3);
    const objects = await aws.getObjects(bucket, 'errors/processing-failed/');
    const lines = objects.flatMap((o) =>
      gunzipSync(o.body).toString('utf8').split('\n').filter(Boolean),
    );
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ attemptsMade: 3, errorCode: 'Lambda.MissingRecordId' }),
      expect.objectContaining({ attemptsMade: 3, errorCode: 'Lambda.MissingRecordId' }),
    ]);
    expect(emulator.stats.ok).toBe(0);
  });

  it('rejects duplicated recordIds and routes records without their partition key to partitioning-failed', async () => {
    // Prepare
    let call = 0;
    const { aws, name, bucket, emulator } = await setup((request) => {
      call++;
      const records = request.records.map((r) => ({
        recordId: r.recordId,
        result: 'Ok',
        data: r.data,
      }));
      return { records: call === 1 ? [...records, records[0]] : records };
    });
    await put(aws, name, [{ key: 'k', body: 'z' }]);
    // Act
    await emulator.start();
    await emulator.drain(30_000);
    // Assess
    expect(emulator.stats.invocationErrors).toBe(1);
    expect(emulator.stats.partitioningFailed).toBe(1);
    const keys = await aws.listObjectKeys(bucket);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^errors\/partitioning-failed\/dt=/);
  });
});
