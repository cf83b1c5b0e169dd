import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from '@jest/globals';
import { startFaultProxy } from '@streamlens/local-aws';
import { KinesisProducer } from '@streamlens/producer';
import { localJsonShardReader } from '../../src/esm/reader.js';
import { SharedShardSource } from '../../src/esm/source.js';
import { localJsonPutClient } from '../../src/feed-client.js';
import { freshStream } from '../helpers/kinesis.js';

/** Every record on the stream (both shards), as base64 data → partition key. */
async function recordsOn(
  endpoint: string,
  aws: Awaited<ReturnType<typeof freshStream>>['aws'],
  name: string,
) {
  const source = new SharedShardSource({
    kinesis: aws.clients().kinesis,
    reader: localJsonShardReader(endpoint),
    minFetchIntervalMs: 0,
  });
  const out: { data: string; partitionKey: string }[] = [];
  for (const shardId of ['shardId-000000000000', 'shardId-000000000001']) {
    const cursor = await source.open(name, shardId, { type: 'TRIM_HORIZON' });
    for (;;) {
      const page = await cursor.read(10_000);
      for (const r of page.records) out.push({ data: r.data, partitionKey: r.partitionKey });
      if (page.records.length === 0 && page.millisBehindLatest === 0) break;
    }
    cursor.close();
  }
  return out;
}

describe('feed PutRecords client (raw JSON to the local stand-in)', () => {
  it('stores each record once through the producer, retrying only the entries Kinesis failed', async () => {
    // Prepare
    const { aws, name } = await freshStream(2);
    const endpoint = aws.env.AWS_ENDPOINT_URL_KINESIS as string;
    const proxy = await startFaultProxy({
      target: endpoint,
      rules: [{ kind: 'putRecordsPartialFailure', entries: [0, 7, 100], times: 2 }],
    });
    try {
      const client = localJsonPutClient(aws.clients().kinesis, proxy.endpoint);
      const producer = new KinesisProducer({ client, streamName: name, maxAttempts: 5 });
      const sent = Array.from({ length: 700 }, (_, i) => ({
        partitionKey: `device-${i % 23}`,
        // Bytes that are not text, and a multi-byte character: the base64 must be of the bytes.
        data: Buffer.concat([Buffer.from([0, 255, i % 256]), Buffer.from(`é-${i}`)]),
      }));
      // Act
      const results = await Promise.all(sent.map((r) => producer.put(r)));
      await producer.flush();
      await producer.close();
      const stored = await recordsOn(endpoint, aws, name);
      // Assess
      expect(results).toHaveLength(700);
      expect(results.every((r) => typeof r.sequenceNumber === 'string')).toBe(true);
      expect(stored.map((r) => r.data).sort()).toEqual(
        sent.map((r) => r.data.toString('base64')).sort(),
      );
      expect(producer.metrics().retries).toBeGreaterThanOrEqual(6);
    } finally {
      await proxy.stop();
    }
  });

  it('reports a call error with the Kinesis code and HTTP status, as the SDK does', async () => {
    // Prepare
    const { aws } = await freshStream(1);
    const client = localJsonPutClient(
      aws.clients().kinesis,
      aws.env.AWS_ENDPOINT_URL_KINESIS as string,
    );
    // Act
    const error = await client
      .send(
        new PutRecordsCommand({
          StreamName: 'no-such-stream-here',
          Records: [{ PartitionKey: 'k', Data: Buffer.from('x') }],
        }),
      )
      .catch((e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } });
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ResourceNotFoundException');
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(
      400,
    );
  });
});
