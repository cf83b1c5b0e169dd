import { randomUUID } from 'node:crypto';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { connectLocalAws, type LocalAwsConnection } from '@streamlens/local-aws';
import type { StreamEventSettings } from '../../src/config/functions.js';
import type { InvokeOutcome } from '../../src/runtime/container.js';

/** A fresh stream on the shared kinesalite, and a way to put records on it in order. */
export async function freshStream(
  shardCount = 1,
): Promise<{ aws: LocalAwsConnection; name: string; arn: string }> {
  const aws = connectLocalAws();
  const name = `esm-${randomUUID()}`;
  await aws.createResources({ streams: [{ name, shardCount }] });
  return { aws, name, arn: `arn:aws:kinesis:us-east-1:000000000000:stream/${name}` };
}

/** Put records one PutRecords call at a time (≤ 500 each), keeping their order per shard. */
export async function put(
  aws: LocalAwsConnection,
  stream: string,
  records: readonly { key: string; body: string }[],
): Promise<void> {
  for (let i = 0; i < records.length; i += 500) {
    const chunk = records.slice(i, i + 500);
    const result = await aws.clients().kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: chunk.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.body) })),
      }),
    );
    if (result.FailedRecordCount) throw new Error(`${result.FailedRecordCount} records failed`);
  }
}

/** Settings as a serverless.yml `stream` event with everything explicit. */
export function settings(
  name: string,
  arn: string,
  overrides: Partial<StreamEventSettings> = {},
): StreamEventSettings {
  return {
    streamArn: arn,
    streamName: name,
    batchSize: 10,
    batchWindowSeconds: 0,
    parallelizationFactor: 1,
    startingPosition: 'TRIM_HORIZON',
    maximumRetryAttempts: 2,
    maximumRecordAgeInSeconds: -1,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: true,
    tumblingWindowInSeconds: 0,
    onFailureArn: 'arn:aws:sqs:us-east-1:000000000000:failures',
    enabled: true,
    ...overrides,
  };
}

/** A Lambda Kinesis event as the fake handlers see it. */
export interface FakeEvent {
  Records: {
    eventID: string;
    kinesis: { sequenceNumber: string; partitionKey: string; data: string };
  }[];
}

/** Decode a record's body. */
export const bodyOf = (record: FakeEvent['Records'][number]) =>
  Buffer.from(record.kinesis.data, 'base64').toString('utf8');

/** Wrap an in-process fake handler as a container's invoke (errors become function errors). */
export function fakeFunction(
  handler: (event: FakeEvent) => unknown | Promise<unknown>,
): (event: unknown) => Promise<InvokeOutcome> {
  return async (event) => {
    try {
      const value = await handler(event as FakeEvent);
      return { ok: true, value: value ?? null, durationMs: 0 };
    } catch (error) {
      return { ok: false, errorType: 'Error', errorMessage: String(error), durationMs: 0 };
    }
  };
}
