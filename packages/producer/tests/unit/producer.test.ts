import type { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { describe, expect, it } from '@jest/globals';
import { deaggregate, isKplAggregated } from '@streamlens/schema';
import { telemetryReading } from '@streamlens/schema/testing';
import {
  DeliveryFailedError,
  evenShards,
  FirehoseProducer,
  HashKeyCache,
  hashKeyOf,
  KINESIS_LIMITS,
  KinesisProducer,
  NullKinesisClient,
  Random,
  RecordRejectedError,
  shardMapFrom,
} from '../../src/index.js';

const dec = new TextDecoder();
const payload = (i: number, size = 100) => `${i}:`.padEnd(size, 'x');

/** Records every PutRecords call's entry count and bytes. */
class RecordingClient extends NullKinesisClient {
  readonly callSizes: { records: number; bytes: number }[] = [];
  override async send(command: Parameters<NullKinesisClient['send']>[0]): Promise<unknown> {
    const recs = (command.input as { Records?: { Data?: Uint8Array; PartitionKey?: string }[] })
      .Records;
    if (recs !== undefined) {
      this.callSizes.push({
        records: recs.length,
        bytes: recs.reduce(
          (n, r) => n + (r.Data?.length ?? 0) + Buffer.byteLength(r.PartitionKey ?? ''),
          0,
        ),
      });
    }
    return super.send(command);
  }
}

describe('KinesisProducer batching', () => {
  it('never sends more than 500 records per call, and resolves every put', async () => {
    // Prepare
    const client = new RecordingClient(2, { keep: true });
    const producer = new KinesisProducer({
      client,
      streamName: 's',
      rateLimit: false,
      lingerMs: 5,
    });
    // Act
    const results = await Promise.all(
      Array.from({ length: 1234 }, (_, i) =>
        producer.put({ data: payload(i), partitionKey: `k${i}` }),
      ),
    );
    await producer.close();
    // Assess
    expect(results).toHaveLength(1234);
    expect(new Set(results.map((r) => r.sequenceNumber)).size).toBe(1234);
    expect(Math.max(...client.callSizes.map((c) => c.records))).toBeLessThanOrEqual(500);
    expect(client.callSizes.reduce((n, c) => n + c.records, 0)).toBe(1234);
    expect(client.accepted.map((a) => dec.decode(a.data)).sort()).toEqual(
      Array.from({ length: 1234 }, (_, i) => payload(i)).sort(),
    );
  });

  it('keeps every call within 5 MiB and every record within 1 MiB', async () => {
    const client = new RecordingClient(2);
    const producer = new KinesisProducer({ client, streamName: 's', rateLimit: false });
    const big = 'y'.repeat(900 * 1024);
    await Promise.all(
      Array.from({ length: 17 }, (_, i) => producer.put({ data: big, partitionKey: `p${i}` })),
    );
    await producer.close();
    expect(client.callSizes.reduce((n, c) => n + c.records, 0)).toBe(17);
    for (const c of client.callSizes)
      expect(c.bytes).toBeLessThanOrEqual(KINESIS_LIMITS.maxBytesPerCall);
    expect(client.callSizes.length).toBeGreaterThanOrEqual(Math.ceil(17 / 5));
  });

  it('rejects a record over 1 MiB and a bad partition key without sending', async () => {
    const client = new RecordingClient(1);
    const producer = new KinesisProducer({ client, streamName: 's' });
    await expect(
      producer.put({ data: new Uint8Array(KINESIS_LIMITS.maxRecordBytes), partitionKey: 'k' }),
    ).rejects.toBeInstanceOf(RecordRejectedError);
    await expect(producer.put({ data: 'x', partitionKey: '' })).rejects.toBeInstanceOf(
      RecordRejectedError,
    );
    await expect(
      producer.put({ data: 'x', partitionKey: 'k', explicitHashKey: (2n ** 128n).toString() }),
    ).rejects.toBeInstanceOf(RecordRejectedError);
    expect(client.calls).toBe(0);
  });

  it('sends an event as its JSON keyed by subject', async () => {
    const client = new NullKinesisClient(1, { keep: true });
    const producer = new KinesisProducer({ client, streamName: 's' });
    const event = telemetryReading({ subject: 'dev-9' });
    await producer.put(event);
    await producer.close();
    expect(client.accepted[0]?.partitionKey).toBe('dev-9');
    expect(JSON.parse(dec.decode(client.accepted[0]?.data))).toEqual(event);
  });
});

describe('HashKeyCache', () => {
  it('gives the hash keys hashKeyOf gives and never holds more than its capacity', () => {
    // Prepare
    const cache = new HashKeyCache(50);
    const keys = Array.from({ length: 180 }, (_, i) => `host-${i % 120}`);
    // Act
    const got = keys.map((k) => cache.of(k));
    const explicit = cache.of('ignored', '12345678901234567890');
    // Assess
    expect(got).toEqual(keys.map((k) => hashKeyOf(k)));
    expect(explicit).toBe(12345678901234567890n);
    expect(cache.size).toBeLessThanOrEqual(50);
    expect(cache.size).toBeGreaterThan(0);
  });
});

describe('KinesisProducer aggregation', () => {
  it('aggregates only records of the same shard, each aggregate on the shard its records map to', async () => {
    // Prepare
    const client = new NullKinesisClient(4, { keep: true });
    const producer = new KinesisProducer({
      client,
      streamName: 's',
      aggregate: true,
      rateLimit: false,
      lingerMs: 20,
    });
    const map = shardMapFrom(client.shards);
    // Act
    const results = await Promise.all(
      Array.from({ length: 3000 }, (_, i) =>
        producer.put({ data: payload(i, 200), partitionKey: `device-${i % 97}` }),
      ),
    );
    await producer.close();
    // Assess
    expect(client.accepted.length).toBeLessThan(100);
    const seen: string[] = [];
    let aggregated = 0;
    for (const a of client.accepted) {
      if (!isKplAggregated(a.data)) {
        seen.push(dec.decode(a.data));
        continue;
      }
      aggregated++;
      const d = deaggregate(a.data);
      expect(d.ok).toBe(true);
      if (!d.ok) continue;
      const shards = new Set(
        d.value.map((u) => map.shardOf(hashKeyOf(u.partitionKey, u.explicitHashKey))),
      );
      expect([...shards]).toEqual([a.shardId]);
      for (const u of d.value) seen.push(dec.decode(u.data));
    }
    expect(aggregated).toBeGreaterThan(3);
    expect(seen.sort()).toEqual(Array.from({ length: 3000 }, (_, i) => payload(i, 200)).sort());
    expect(results.filter((r) => r.subSequenceNumber !== undefined).length).toBeGreaterThan(2900);
    expect(producer.metrics().kinesisRecords).toBe(client.accepted.length);
  });

  it('refreshes the shard map when a record lands on another shard than predicted (resharding)', async () => {
    // Prepare
    const client = new NullKinesisClient(2, { keep: true });
    const producer = new KinesisProducer({
      client,
      streamName: 's',
      aggregate: true,
      rateLimit: false,
      lingerMs: 1,
    });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        producer.put({ data: payload(i), partitionKey: `k${i}` }),
      ),
    );
    // Act: the stream is split to 8 shards (new ids) behind the producer's back.
    client.reshard(evenShards(8, 'shardId-new-'));
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        producer.put({ data: payload(i), partitionKey: `k${i}` }),
      ),
    );
    const before = client.accepted.length;
    await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        producer.put({ data: payload(i), partitionKey: `k${i}` }),
      ),
    );
    await producer.close();
    // Assess
    expect(producer.metrics().shardMapRefreshes).toBeGreaterThanOrEqual(2);
    const map = shardMapFrom(client.shards);
    for (const a of client.accepted.slice(before)) {
      const d = isKplAggregated(a.data) ? deaggregate(a.data) : undefined;
      const keys = d?.ok ? d.value.map((u) => u.partitionKey) : [a.partitionKey];
      for (const k of keys) expect(map.shardOf(hashKeyOf(k))).toBe(a.shardId);
    }
  });
});

describe('KinesisProducer failures', () => {
  it('retries partially failed entries until each record is in the stream exactly once', async () => {
    // Prepare: a third of the entries of every call fail, alternating error codes.
    const rng = new Random(3);
    const client = new NullKinesisClient(2, {
      keep: true,
      failEntry: () =>
        rng.next() < 0.33
          ? rng.next() < 0.5
            ? 'ProvisionedThroughputExceededException'
            : 'InternalFailure'
          : undefined,
    });
    const producer = new KinesisProducer({
      client,
      streamName: 's',
      rateLimit: false,
      backoffBaseMs: 1,
      backoffMaxMs: 5,
      maxAttempts: 20,
    });
    // Act
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        producer.put({ data: payload(i), partitionKey: `k${i % 10}` }),
      ),
    );
    await producer.close();
    // Assess
    const data = client.accepted.map((a) => dec.decode(a.data));
    expect(data.length).toBe(1000);
    expect(new Set(data).size).toBe(1000);
    expect(results.some((r) => r.attempts > 1)).toBe(true);
    const m = producer.metrics();
    expect(m.retries).toBeGreaterThan(300);
    expect(m.recordsPut).toBe(1000);
    expect(m.throttled).toBeGreaterThan(0);
  });

  it('rejects with the last error code after maxAttempts, and delivers the others', async () => {
    const client = new NullKinesisClient(1, {
      keep: true,
      failEntry: (_c, _i, e) => (e.PartitionKey === 'poison' ? 'InternalFailure' : undefined),
    });
    const producer = new KinesisProducer({
      client,
      streamName: 's',
      backoffBaseMs: 1,
      maxAttempts: 3,
    });
    const bad = producer.put({ data: 'bad', partitionKey: 'poison' });
    const good = producer.put({ data: 'good', partitionKey: 'fine' });
    const error = await bad.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryFailedError);
    expect((error as DeliveryFailedError).code).toBe('InternalFailure');
    expect((error as DeliveryFailedError).attempts).toBe(3);
    await expect(good).resolves.toMatchObject({ attempts: 1 });
    await producer.close();
    expect(client.accepted.map((a) => dec.decode(a.data))).toEqual(['good']);
    expect(producer.metrics().recordsFailed).toBe(1);
  });

  it('retries a throttled call and fails fast on a non-retryable one', async () => {
    const throttle = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    const missing = Object.assign(new Error('no stream'), {
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    const client = new NullKinesisClient(1, {
      keep: true,
      failCall: (c) => (c < 2 ? throttle : undefined),
    });
    const producer = new KinesisProducer({ client, streamName: 's', backoffBaseMs: 1 });
    await expect(producer.put({ data: 'a', partitionKey: 'k' })).resolves.toMatchObject({
      attempts: 3,
    });
    await producer.close();

    const client2 = new NullKinesisClient(1, { failCall: () => missing });
    const producer2 = new KinesisProducer({ client: client2, streamName: 's', backoffBaseMs: 1 });
    const err = await producer2.put({ data: 'a', partitionKey: 'k' }).catch((e: unknown) => e);
    expect((err as DeliveryFailedError).code).toBe('ResourceNotFoundException');
    expect((err as DeliveryFailedError).attempts).toBe(1);
  });
});

describe('KinesisProducer ordering, backpressure and pacing', () => {
  it('keeps per-key order across failed calls when ordered', async () => {
    // Prepare: every third call is throttled as a whole.
    const throttle = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const client = new NullKinesisClient(2, {
      keep: true,
      failCall: (c) => (c % 3 === 1 ? throttle : undefined),
    });
    const producer = new KinesisProducer({
      client,
      streamName: 's',
      ordered: true,
      rateLimit: false,
      backoffBaseMs: 1,
      backoffMaxMs: 3,
      maxAttempts: 50,
      lingerMs: 1,
      maxBatchRecords: 7,
    });
    // Act
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        producer.put({ data: `${i % 3}:${Math.floor(i / 3)}`, partitionKey: `key-${i % 3}` }),
      ),
    );
    await producer.close();
    // Assess
    expect(client.calls).toBeGreaterThan(40);
    for (let k = 0; k < 3; k++) {
      const seq = client.accepted
        .filter((a) => a.partitionKey === `key-${k}`)
        .map((a) => Number(dec.decode(a.data).split(':')[1]));
      expect(seq).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
  });

  it('keeps per-key order under partial failures when strictly ordered', async () => {
    // Prepare
    const rng = new Random(8);
    const client = new NullKinesisClient(2, {
      keep: true,
      failEntry: () => (rng.next() < 0.3 ? 'InternalFailure' : undefined),
    });
    const producer = new KinesisProducer({
      client,
      streamName: 's',
      ordered: 'strict',
      rateLimit: false,
      backoffBaseMs: 1,
      backoffMaxMs: 3,
      maxAttempts: 50,
      lingerMs: 1,
    });
    // Act
    await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        producer.put({ data: `${i % 6}:${Math.floor(i / 6)}`, partitionKey: `key-${i % 6}` }),
      ),
    );
    await producer.close();
    // Assess
    for (let k = 0; k < 6; k++) {
      const seq = client.accepted
        .filter((a) => a.partitionKey === `key-${k}`)
        .map((a) => Number(dec.decode(a.data).split(':')[1]));
      expect(seq).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
  });

  it('keeps per-key order with aggregation and failures', async () => {
    const rng = new Random(9);
    const client = new NullKinesisClient(2, {
      keep: true,
      failEntry: () => (rng.next() < 0.3 ? 'InternalFailure' : undefined),
    });
    const producer = new KinesisProducer({
      client,
      streamName: 's',
      ordered: true,
      aggregate: true,
      rateLimit: false,
      backoffBaseMs: 1,
      backoffMaxMs: 3,
      maxAttempts: 50,
      lingerMs: 1,
    });
    for (let i = 0; i < 600; i++)
      void producer.put({ data: `${i % 6}:${Math.floor(i / 6)}`, partitionKey: `key-${i % 6}` });
    await producer.flush();
    await producer.close();
    const perKey = new Map<string, number[]>();
    for (const a of client.accepted) {
      const d = deaggregate(a.data);
      const users =
        isKplAggregated(a.data) && d.ok
          ? d.value
          : [{ partitionKey: a.partitionKey, data: a.data }];
      for (const u of users) {
        const list = perKey.get(u.partitionKey) ?? [];
        list.push(Number(dec.decode(u.data).split(':')[1]));
        perKey.set(u.partitionKey, list);
      }
    }
    expect(perKey.size).toBe(6);
    for (const list of perKey.values())
      expect(list).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('makes put wait while the in-flight byte budget is used', async () => {
    // Prepare: a slow sink and room for about 10 records.
    const client = new NullKinesisClient(1, { latencyMs: 30 });
    const producer = new KinesisProducer({
      client,
      streamName: 's',
      maxInFlightBytes: 10 * (1000 + 64 + 2),
      rateLimit: false,
      lingerMs: 1,
    });
    let maxInFlight = 0;
    let admitted = 0;
    // Act
    const puts = Array.from({ length: 50 }, (_, i) =>
      producer.put({ data: 'z'.repeat(1000), partitionKey: `k${i % 10}` }).then(() => {
        admitted++;
      }),
    );
    const sampler = setInterval(() => {
      maxInFlight = Math.max(maxInFlight, producer.metrics().inFlightBytes);
    }, 2);
    await Promise.all(puts);
    clearInterval(sampler);
    await producer.close();
    // Assess
    expect(admitted).toBe(50);
    expect(maxInFlight).toBeGreaterThan(0);
    expect(maxInFlight).toBeLessThanOrEqual(10 * (1000 + 64 + 2));
    expect(client.calls).toBeGreaterThanOrEqual(5);
  });

  it('paces a shard at 1000 records per second', async () => {
    const client = new NullKinesisClient(1);
    const producer = new KinesisProducer({ client, streamName: 's', lingerMs: 1 });
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 1500 }, (_, i) => producer.put({ data: 'r', partitionKey: `k${i}` })),
    );
    const elapsed = performance.now() - t0;
    await producer.close();
    expect(elapsed).toBeGreaterThan(400);
    expect(client.records).toBe(1500);
  });
});

describe('FirehoseProducer', () => {
  it('batches within 500 records / 4 MiB and retries failed records', async () => {
    // Prepare
    const calls: { n: number; bytes: number }[] = [];
    const accepted: string[] = [];
    const rng = new Random(4);
    const client = {
      async send(cmd: PutRecordBatchCommand) {
        const recs = cmd.input.Records ?? [];
        calls.push({ n: recs.length, bytes: recs.reduce((s, r) => s + (r.Data?.length ?? 0), 0) });
        let failed = 0;
        const RequestResponses = recs.map((r) => {
          if (rng.next() < 0.2) {
            failed++;
            return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'busy' };
          }
          accepted.push(dec.decode(r.Data));
          return { RecordId: `id-${accepted.length}` };
        });
        return { FailedPutCount: failed, RequestResponses, $metadata: {} };
      },
    };
    const producer = new FirehoseProducer({
      client,
      deliveryStreamName: 'd',
      backoffBaseMs: 1,
      maxAttempts: 30,
    });
    // Act
    const small = Array.from({ length: 1200 }, (_, i) => producer.put(`${i}\n`));
    const big = Array.from({ length: 10 }, (_, i) =>
      producer.put(`${'b'.repeat(900 * 1024)}${i}\n`),
    );
    await Promise.all([...small, ...big]);
    await producer.close();
    // Assess
    expect(new Set(accepted).size).toBe(1210);
    expect(accepted.length).toBe(1210);
    for (const c of calls) {
      expect(c.n).toBeLessThanOrEqual(500);
      expect(c.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    }
    expect(producer.metrics().retries).toBeGreaterThan(0);
  });

  it('rejects with the last error code after maxAttempts, and fails fast on a non-retryable call error', async () => {
    // Prepare: record "bad" always fails; the second producer's calls are refused outright
    let calls = 0;
    const flaky = {
      async send(cmd: PutRecordBatchCommand) {
        calls++;
        const recs = cmd.input.Records ?? [];
        const RequestResponses = recs.map((r) =>
          dec.decode(r.Data) === 'bad'
            ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'busy' }
            : { RecordId: 'ok' },
        );
        return { FailedPutCount: 1, RequestResponses, $metadata: {} };
      },
    };
    const refused = Object.assign(new Error('no such stream'), {
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    let refusedCalls = 0;
    const refusing = {
      async send(): Promise<never> {
        refusedCalls++;
        throw refused;
      },
    };
    const producer = new FirehoseProducer({
      client: flaky,
      deliveryStreamName: 'd',
      backoffBaseMs: 1,
      maxAttempts: 3,
    });
    const dead = new FirehoseProducer({ client: refusing, deliveryStreamName: 'd' });
    // Act
    const outcomes = await Promise.allSettled([producer.put('good'), producer.put('bad')]);
    const deadOutcome = await dead.put('x').catch((e: unknown) => e);
    await producer.close();
    await dead.close();
    // Assess
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: { recordId: 'ok', attempts: 1 } });
    const reason = outcomes[1]?.status === 'rejected' ? outcomes[1].reason : undefined;
    expect(reason).toBeInstanceOf(DeliveryFailedError);
    expect(reason).toMatchObject({ code: 'ServiceUnavailableException', attempts: 3 });
    expect(calls).toBe(3);
    expect(deadOutcome).toBeInstanceOf(DeliveryFailedError);
    expect(deadOutcome).toMatchObject({ code: 'ResourceNotFoundException', attempts: 1 });
    expect((deadOutcome as Error).cause).toBe(refused);
    expect(refusedCalls).toBe(1);
    expect(producer.metrics()).toMatchObject({ recordsPut: 1, recordsFailed: 1, retries: 2 });
  });

  it('appends a newline to events', async () => {
    const seen: Uint8Array[] = [];
    const client = {
      async send(cmd: PutRecordBatchCommand) {
        for (const r of cmd.input.Records ?? []) seen.push(r.Data as Uint8Array);
        return {
          FailedPutCount: 0,
          RequestResponses: (cmd.input.Records ?? []).map(() => ({ RecordId: 'x' })),
          $metadata: {},
        };
      },
    };
    const producer = new FirehoseProducer({ client, deliveryStreamName: 'd' });
    await producer.put(telemetryReading());
    await producer.close();
    expect(dec.decode(seen[0]).endsWith('}\n')).toBe(true);
  });
});
