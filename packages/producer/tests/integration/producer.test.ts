import { randomUUID } from 'node:crypto';
import { KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from '@jest/globals';
import { clientOptions, connectLocalAws, startFaultProxy } from '@streamlens/local-aws';
import { deaggregate, isKplAggregated } from '@streamlens/schema';
import {
  createGenerator,
  DeliveryFailedError,
  hashKeyOf,
  KinesisProducer,
  shardMapFrom,
} from '../../src/index.js';
import { oracleDeaggregate } from '../helpers/oracle.js';

const aws = connectLocalAws();
const dec = new TextDecoder();
afterAll(() => aws.close());

async function newStream(shardCount: number): Promise<string> {
  const name = `producer-${randomUUID()}`;
  await aws.createResources({ streams: [{ name, shardCount }] });
  return name;
}

describe('KinesisProducer against kinesalite', () => {
  it('delivers every record exactly once or rejects it with a reason, under injected partial failures', async () => {
    // Prepare: 40% of the entries of every PutRecords fail (and really are dropped by the proxy).
    const stream = await newStream(2);
    const proxy = await startFaultProxy({
      target: process.env.AWS_ENDPOINT_URL_KINESIS as string,
      seed: 17,
      rules: [
        {
          kind: 'putRecordsPartialFailure',
          operation: 'PutRecords',
          entryProbability: 0.4,
          errorCode: ['ProvisionedThroughputExceededException', 'InternalFailure'],
        },
      ],
    });
    const client = new KinesisClient({
      ...clientOptions(process.env, 'kinesis'),
      endpoint: proxy.endpoint,
      maxAttempts: 1,
    });
    const producer = new KinesisProducer({
      client,
      streamName: stream,
      maxAttempts: 3,
      backoffBaseMs: 5,
      backoffMaxMs: 50,
    });
    const gen = createGenerator({ seed: 21, scenario: 'anomalies', invalidShare: 0.05 });
    const records = gen.take(1500);
    // Act
    const outcomes = await Promise.allSettled(
      records.map((r) => producer.put({ data: r.data, partitionKey: r.partitionKey })),
    );
    await producer.close();
    await proxy.stop();
    client.destroy();
    // Assess
    const inStream = (await aws.readStream(stream)).map((r) => dec.decode(r.data));
    const rejected = records
      .filter((_, i) => outcomes[i]?.status === 'rejected')
      .map((r) => r.data);
    const accepted = records
      .filter((_, i) => outcomes[i]?.status === 'fulfilled')
      .map((r) => r.data);
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        expect(o.reason).toBeInstanceOf(DeliveryFailedError);
        expect(['ProvisionedThroughputExceededException', 'InternalFailure']).toContain(
          (o.reason as DeliveryFailedError).code,
        );
      }
    }
    // 0.4^3 ≈ 6% rejected after three attempts.
    expect(rejected.length).toBeGreaterThan(30);
    expect(rejected.length).toBeLessThan(200);
    expect(proxy.stats().failedEntries).toBeGreaterThan(500);
    expect(inStream.length).toBe(accepted.length);
    expect([...inStream].sort()).toEqual([...accepted].sort());
    expect(new Set(inStream).size).toBe(inStream.length);
  });

  it('delivers every aggregated user record exactly once or rejects it with a reason, under injected partial failures', async () => {
    // Prepare: small aggregates so that every call carries several, 40% of them failing
    const stream = await newStream(4);
    const proxy = await startFaultProxy({
      target: process.env.AWS_ENDPOINT_URL_KINESIS as string,
      seed: 29,
      rules: [
        {
          kind: 'putRecordsPartialFailure',
          operation: 'PutRecords',
          entryProbability: 0.4,
          errorCode: ['ProvisionedThroughputExceededException', 'InternalFailure'],
        },
      ],
    });
    const client = new KinesisClient({
      ...clientOptions(process.env, 'kinesis'),
      endpoint: proxy.endpoint,
      maxAttempts: 1,
    });
    const producer = new KinesisProducer({
      client,
      streamName: stream,
      aggregate: true,
      aggregateMaxBytes: 8192,
      rateLimit: false,
      maxAttempts: 3,
      backoffBaseMs: 5,
      backoffMaxMs: 50,
    });
    const records = createGenerator({ seed: 31, devices: 40 }).take(3000);
    // Act
    const outcomes = await Promise.allSettled(
      records.map((r) => producer.put({ data: r.data, partitionKey: r.partitionKey })),
    );
    await producer.close();
    await proxy.stop();
    client.destroy();
    // Assess
    const inStream: string[] = [];
    for (const rec of await aws.readStream(stream)) {
      if (!isKplAggregated(rec.data)) {
        inStream.push(dec.decode(rec.data));
        continue;
      }
      const users = deaggregate(rec.data);
      expect(users.ok).toBe(true);
      if (users.ok) for (const u of users.value) inStream.push(dec.decode(u.data));
    }
    const accepted = records.filter((_, i) => outcomes[i]?.status === 'fulfilled');
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    for (const o of rejected) {
      expect(o.reason).toBeInstanceOf(DeliveryFailedError);
      expect(['ProvisionedThroughputExceededException', 'InternalFailure']).toContain(
        (o.reason as DeliveryFailedError).code,
      );
    }
    expect(proxy.stats().failedEntries).toBeGreaterThan(20);
    expect(rejected.length).toBeGreaterThan(0);
    expect(new Set(inStream).size).toBe(inStream.length);
    expect([...inStream].sort()).toEqual(accepted.map((r) => r.data).sort());
  });

  it('survives throttled calls with its own retries (SDK retries off)', async () => {
    const stream = await newStream(1);
    const proxy = await startFaultProxy({
      target: process.env.AWS_ENDPOINT_URL_KINESIS as string,
      seed: 3,
      rules: [
        {
          kind: 'error',
          operation: 'PutRecords',
          status: 400,
          errorType: 'ProvisionedThroughputExceededException',
          times: 3,
        },
      ],
    });
    const client = new KinesisClient({
      ...clientOptions(process.env, 'kinesis'),
      endpoint: proxy.endpoint,
      maxAttempts: 1,
    });
    const producer = new KinesisProducer({ client, streamName: stream, backoffBaseMs: 5 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => producer.put({ data: `r${i}`, partitionKey: `k${i}` })),
    );
    await producer.close();
    await proxy.stop();
    client.destroy();
    expect(results.some((r) => r.attempts > 1)).toBe(true);
    const inStream = (await aws.readStream(stream)).map((r) => dec.decode(r.data)).sort();
    expect(inStream).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`).sort());
  });

  it('writes KPL records that aws-kinesis-agg and our deaggregate read back byte for byte, each on its shard', async () => {
    // Prepare
    const stream = await newStream(4);
    const client = new KinesisClient({ ...clientOptions(process.env, 'kinesis'), maxAttempts: 1 });
    const producer = new KinesisProducer({
      client,
      streamName: stream,
      aggregate: true,
      lingerMs: 20,
    });
    // Partition keys that are not integer-like: aws-kinesis-agg reorders those (schema README).
    const records = createGenerator({ seed: 5, devices: 40 }).take(4000);
    // Act
    const results = await Promise.all(
      records.map((r) => producer.put({ data: r.data, partitionKey: r.partitionKey })),
    );
    await producer.close();
    // Assess
    const stored = await aws.readStream(stream);
    const shards = await client.send(new ListShardsCommand({ StreamName: stream }));
    const map = shardMapFrom(shards.Shards ?? []);
    client.destroy();
    expect(stored.length).toBeLessThan(400);
    const ours: { pk: string; data: string }[] = [];
    const theirs: { pk: string; data: string }[] = [];
    let aggregated = 0;
    for (const rec of stored) {
      if (!isKplAggregated(rec.data)) {
        ours.push({ pk: rec.partitionKey, data: Buffer.from(rec.data).toString('base64') });
        theirs.push({ pk: rec.partitionKey, data: Buffer.from(rec.data).toString('base64') });
        continue;
      }
      aggregated++;
      const d = deaggregate(rec.data);
      expect(d.ok).toBe(true);
      if (!d.ok) continue;
      for (const u of d.value) {
        ours.push({ pk: u.partitionKey, data: Buffer.from(u.data).toString('base64') });
        expect(map.shardOf(hashKeyOf(u.partitionKey))).toBe(rec.shardId);
      }
      for (const u of oracleDeaggregate(rec.partitionKey, rec.data))
        theirs.push({ pk: u.partitionKey, data: u.data });
    }
    expect(aggregated).toBeGreaterThanOrEqual(4);
    expect(new Set(stored.map((s) => s.shardId)).size).toBe(4);
    expect(theirs).toEqual(ours);
    const sent = records.map((r) => ({
      pk: r.partitionKey,
      data: Buffer.from(r.data).toString('base64'),
    }));
    const byKey = (a: { pk: string; data: string }, b: { pk: string; data: string }) =>
      a.data < b.data ? -1 : a.data > b.data ? 1 : 0;
    expect([...ours].sort(byKey)).toEqual([...sent].sort(byKey));
    // Sequence numbers returned by put are the stored records'.
    const seqs = new Set(stored.map((s) => s.sequenceNumber));
    expect(results.every((r) => seqs.has(r.sequenceNumber))).toBe(true);
  });
});
