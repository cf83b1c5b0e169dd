import {
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from '@jest/globals';
import { waitFor } from '@streamlens/local-aws';
import { EventSourceMapping } from '../../src/esm/mapping.js';
import { compareSequence, NdjsonFailureSink } from '../../src/esm/records.js';
import { SharedShardSource } from '../../src/esm/source.js';
import {
  bodyOf,
  type FakeEvent,
  fakeFunction,
  freshStream,
  put,
  settings,
} from '../helpers/kinesis.js';

const running: EventSourceMapping[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

function mapping(options: ConstructorParameters<typeof EventSourceMapping>[0]) {
  const esm = new EventSourceMapping({ pollIntervalMs: 50, retryDelayMs: () => 5, ...options });
  running.push(esm);
  return esm;
}

const records = (n: number, key = (i: number) => `k${i % 4}`) =>
  Array.from({ length: n }, (_, i) => ({ key: key(i), body: `r${i}` }));

describe('event source mapping on kinesalite', () => {
  it('sends a poison record alone to the on-failure destination after bisection; the rest of the shard continues', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(1);
    await put(aws, name, records(40));
    const processed: string[] = [];
    const sink = new NdjsonFailureSink();
    const esm = mapping({
      functionName: 'fn',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      settings: settings(name, arn, { bisectBatchOnFunctionError: true, maximumRetryAttempts: 2 }),
      kinesis: aws.clients().kinesis,
      failureSink: sink,
      invoke: fakeFunction((event) => {
        if (event.Records.some((r) => bodyOf(r) === 'r13')) throw new Error('poison');
        for (const r of event.Records) processed.push(bodyOf(r));
      }),
    });
    // Act
    await esm.start();
    expect(await esm.drain(30_000)).toBe(true);
    // Assess
    expect(processed.sort()).toEqual(
      records(40)
        .map((r) => r.body)
        .filter((b) => b !== 'r13')
        .sort(),
    );
    expect(sink.records).toHaveLength(1);
    const failure = sink.records[0]?.record;
    expect(sink.records[0]?.destinationArn).toBe('arn:aws:sqs:us-east-1:000000000000:failures');
    expect(failure?.requestContext.condition).toBe('RetryAttemptsExhausted');
    // r13 was in batches of 10 (r10..r19), 5 (r10..r14) and 2 (r13, r14) before it failed alone
    // three times (maximumRetryAttempts 2): six invocations saw it.
    expect(failure?.requestContext.approximateInvokeCount).toBe(6);
    expect(failure?.requestContext.functionArn).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:fn',
    );
    expect(failure?.responseContext.functionError).toBe('Unhandled');
    expect(failure?.version).toBe('1.0');
    expect(failure?.KinesisBatchInfo.batchSize).toBe(1);
    expect(failure?.KinesisBatchInfo.startSequenceNumber).toBe(
      failure?.KinesisBatchInfo.endSequenceNumber,
    );
    expect(failure?.KinesisBatchInfo.shardId).toBe('shardId-000000000000');
    expect(failure?.KinesisBatchInfo.streamArn).toBe(arn);
    expect(esm.stats.bisections).toBeGreaterThanOrEqual(3);
    expect(esm.stats.recordsDiscarded).toBe(1);
    expect(esm.stats.recordsProcessed).toBe(39);
  });

  it('checkpoints at the lowest reported failure and redelivers from there', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(1);
    await put(aws, name, records(10));
    const batches: string[][] = [];
    const esm = mapping({
      functionName: 'fn',
      functionArn: 'arn:fn',
      settings: settings(name, arn, { batchSize: 10, batchWindowSeconds: 1 }),
      kinesis: aws.clients().kinesis,
      invoke: fakeFunction((event) => {
        batches.push(event.Records.map(bodyOf));
        if (batches.length > 1) return { batchItemFailures: [] };
        const seq = (i: number) => event.Records[i]?.kinesis.sequenceNumber;
        // Reported out of order on purpose: the lowest sequence number wins.
        return { batchItemFailures: [{ itemIdentifier: seq(7) }, { itemIdentifier: seq(3) }] };
      }),
    });
    // Act
    await esm.start();
    expect(await esm.drain(30_000)).toBe(true);
    // Assess
    expect(batches).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'],
      ['r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'],
    ]);
    expect(esm.stats.recordsProcessed).toBe(10);
  });

  it('treats a missing itemIdentifier as a failure of the whole batch, and null or {} as success', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(1);
    await put(aws, name, records(5));
    const responses: unknown[] = [{ batchItemFailures: [{ itemIdentifier: '' }] }, {}];
    const batches: number[] = [];
    const esm = mapping({
      functionName: 'fn',
      functionArn: 'arn:fn',
      settings: settings(name, arn, { batchSize: 5, batchWindowSeconds: 1 }),
      kinesis: aws.clients().kinesis,
      invoke: fakeFunction((event) => {
        batches.push(event.Records.length);
        return responses.shift() ?? null;
      }),
    });
    // Act
    await esm.start();
    expect(await esm.drain(30_000)).toBe(true);
    // Assess
    expect(batches).toEqual([5, 5]);
    expect(esm.stats.functionErrors).toBe(1);
    expect(esm.stats.recordsProcessed).toBe(5);
  });

  it('bounds retries: maximumRetryAttempts + 1 invocations, then the whole batch to the destination', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(1);
    await put(aws, name, records(4));
    let invocations = 0;
    const sink = new NdjsonFailureSink();
    const esm = mapping({
      functionName: 'fn',
      functionArn: 'arn:fn',
      settings: settings(name, arn, {
        batchSize: 4,
        batchWindowSeconds: 1,
        maximumRetryAttempts: 2,
      }),
      kinesis: aws.clients().kinesis,
      failureSink: sink,
      invoke: fakeFunction(() => {
        invocations++;
        throw new Error('always');
      }),
    });
    // Act
    await esm.start();
    expect(await esm.drain(30_000)).toBe(true);
    // Assess
    expect(invocations).toBe(3);
    expect(sink.records.map((r) => r.record.KinesisBatchInfo.batchSize)).toEqual([4]);
    expect(sink.records[0]?.record.requestContext.approximateInvokeCount).toBe(3);
  });

  it('bounds record age: records older than maximumRecordAgeInSeconds are discarded without an invocation', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(1);
    await put(aws, name, records(3));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    let invocations = 0;
    const sink = new NdjsonFailureSink();
    const esm = mapping({
      functionName: 'fn',
      functionArn: 'arn:fn',
      settings: settings(name, arn, { maximumRecordAgeInSeconds: 1 }),
      kinesis: aws.clients().kinesis,
      failureSink: sink,
      invoke: fakeFunction(() => {
        invocations++;
      }),
    });
    // Act
    await esm.start();
    expect(await esm.drain(30_000)).toBe(true);
    // Assess
    expect(invocations).toBe(0);
    expect(sink.records.map((r) => r.record.requestContext.condition)).toEqual([
      'RecordAgeExceeded',
    ]);
    expect(sink.records[0]?.record.KinesisBatchInfo.batchSize).toBe(3);
  });

  it('keeps order per shard and delivers every record once, as the Lambda event shape', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(3);
    await put(
      aws,
      name,
      records(600, (i) => `device-${i % 17}`),
    );
    const seen = new Map<string, string[]>();
    let sample: FakeEvent['Records'][number] | undefined;
    const esm = mapping({
      functionName: 'fn',
      functionArn: 'arn:fn',
      settings: settings(name, arn, { batchSize: 50 }),
      kinesis: aws.clients().kinesis,
      invoke: fakeFunction((event) => {
        sample ??= event.Records[0];
        for (const r of event.Records) {
          const shard = r.eventID.split(':')[0] as string;
          seen.set(shard, [...(seen.get(shard) ?? []), r.kinesis.sequenceNumber]);
        }
      }),
    });
    // Act
    await esm.start();
    expect(await esm.drain(30_000)).toBe(true);
    // Assess
    let total = 0;
    for (const sequences of seen.values()) {
      total += sequences.length;
      const sorted = [...sequences].sort(compareSequence);
      expect(sequences).toEqual(sorted);
      expect(new Set(sequences).size).toBe(sequences.length);
    }
    expect(total).toBe(600);
    expect(seen.size).toBe(3);
    expect(sample).toMatchObject({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      eventSourceARN: arn,
      awsRegion: 'us-east-1',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/fn-role',
      kinesis: { kinesisSchemaVersion: '1.0' },
    });
    const arrival = (sample as unknown as { kinesis: { approximateArrivalTimestamp: number } })
      .kinesis.approximateArrivalTimestamp;
    expect(Math.abs(arrival - Date.now() / 1000)).toBeLessThan(120);
  });

  it('runs concurrent batches per shard with a parallelization factor and keeps order per partition key', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(1);
    await put(
      aws,
      name,
      records(400, (i) => `key-${i % 12}`),
    );
    const perKey = new Map<string, number[]>();
    let inFlight = 0;
    let maxInFlight = 0;
    const esm = mapping({
      functionName: 'fn',
      functionArn: 'arn:fn',
      settings: settings(name, arn, { batchSize: 20, parallelizationFactor: 4 }),
      kinesis: aws.clients().kinesis,
      invoke: fakeFunction(async (event) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
        for (const r of event.Records) {
          const n = Number(bodyOf(r).slice(1));
          perKey.set(r.kinesis.partitionKey, [...(perKey.get(r.kinesis.partitionKey) ?? []), n]);
        }
        inFlight--;
      }),
    });
    // Act
    await esm.start();
    expect(await esm.drain(30_000)).toBe(true);
    // Assess
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    let total = 0;
    for (const numbers of perKey.values()) {
      total += numbers.length;
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    }
    expect(total).toBe(400);
  });

  it('batches by size and by batching window', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(1);
    await put(aws, name, records(25));
    const sizes: number[] = [];
    const esm = mapping({
      functionName: 'fn',
      functionArn: 'arn:fn',
      settings: settings(name, arn, { batchSize: 10, batchWindowSeconds: 1 }),
      kinesis: aws.clients().kinesis,
      invoke: fakeFunction((event) => {
        sizes.push(event.Records.length);
      }),
    });
    // Act
    await esm.start();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // Assess
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('delivers tumbling windows with state and a final invocation per window', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(1);
    await put(aws, name, records(30));
    const finals: { count: number; records: number }[] = [];
    const esm = mapping({
      functionName: 'fn',
      functionArn: 'arn:fn',
      settings: settings(name, arn, { batchSize: 10, tumblingWindowInSeconds: 1 }),
      kinesis: aws.clients().kinesis,
      invoke: fakeFunction((event) => {
        const e = event as FakeEvent & {
          state: { count?: number };
          isFinalInvokeForWindow: boolean;
          window: { start: string; end: string };
        };
        expect(Date.parse(e.window.end) - Date.parse(e.window.start)).toBe(1000);
        const count = (e.state.count ?? 0) + e.Records.length;
        if (e.isFinalInvokeForWindow) finals.push({ count, records: e.Records.length });
        return { state: { count }, batchItemFailures: [] };
      }),
    });
    // Act
    await esm.start();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Assess
    expect(finals.length).toBeGreaterThanOrEqual(1);
    expect(finals.every((f) => f.records === 0)).toBe(true);
    expect(finals.reduce((sum, f) => sum + f.count, 0)).toBe(30);
    expect(esm.stats.windowsClosed).toBe(finals.length);
  });

  it('follows a shard split: the children start once the parent is read and settled, order per key holds', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(1);
    await put(aws, name, records(30));
    const kinesis = aws.clients().kinesis;
    const [parent] = (await kinesis.send(new ListShardsCommand({ StreamName: name }))).Shards ?? [];
    await kinesis.send(
      new SplitShardCommand({
        StreamName: name,
        ShardToSplit: parent?.ShardId,
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await waitFor(async () => {
      const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      return d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
    });
    await put(
      aws,
      name,
      Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 4}`, body: `r${30 + i}` })),
    );
    const processed: { body: string; key: string; shard: string }[] = [];
    const esm = mapping({
      functionName: 'fn',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      settings: settings(name, arn, { batchSize: 7 }),
      kinesis,
      invoke: fakeFunction(async (event) => {
        await new Promise((r) => setTimeout(r, 5));
        for (const r of event.Records) {
          processed.push({
            body: bodyOf(r),
            key: r.kinesis.partitionKey,
            shard: r.eventID.split(':')[0] ?? '',
          });
        }
      }),
    });
    // Act
    await esm.start();
    expect(await esm.drain(30_000)).toBe(true);
    // Assess
    const index = (b: string) => Number(b.slice(1));
    expect(processed.map((p) => index(p.body)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => i),
    );
    const lastParent = Math.max(...processed.flatMap((p, i) => (index(p.body) < 30 ? [i] : [])));
    const firstChild = Math.min(...processed.flatMap((p, i) => (index(p.body) >= 30 ? [i] : [])));
    expect(lastParent).toBeLessThan(firstChild);
    expect(new Set(processed.map((p) => p.shard)).size).toBe(3);
    for (const key of ['k0', 'k1', 'k2', 'k3']) {
      const order = processed.filter((p) => p.key === key).map((p) => index(p.body));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });
});

describe('event source mappings sharing one read of each shard (SharedShardSource)', () => {
  it('gives two mappings on one stream every record in order, each with its own failures, reading each record from Kinesis once', async () => {
    // Prepare
    const { aws, name, arn } = await freshStream(2);
    const kinesis = aws.clients().kinesis;
    const source = new SharedShardSource({ kinesis, minFetchIntervalMs: 20 });
    const seenBy = { a: new Map<string, string[]>(), b: new Map<string, string[]>() };
    const note = (who: 'a' | 'b', event: FakeEvent) => {
      for (const r of event.Records) {
        const shard = r.eventID.split(':')[0] as string;
        seenBy[who].set(shard, [...(seenBy[who].get(shard) ?? []), r.kinesis.sequenceNumber]);
      }
    };
    const sinkA = new NdjsonFailureSink();
    const sinkB = new NdjsonFailureSink();
    let bFailuresLeft = 3;
    // A: r77 is poison (bisected to the destination), r150 fails partially once.
    let r150Failed = false;
    const a = mapping({
      functionName: 'a',
      functionArn: 'arn:a',
      settings: settings(name, arn, { batchSize: 40, bisectBatchOnFunctionError: true }),
      kinesis,
      source,
      failureSink: sinkA,
      invoke: fakeFunction((event) => {
        if (event.Records.some((r) => bodyOf(r) === 'r77')) throw new Error('poison');
        const i = event.Records.findIndex((r) => bodyOf(r) === 'r150');
        if (i >= 0 && !r150Failed) {
          r150Failed = true;
          note('a', { Records: event.Records.slice(0, i) });
          return {
            batchItemFailures: [{ itemIdentifier: event.Records[i]?.kinesis.sequenceNumber }],
          };
        }
        note('a', event);
        return { batchItemFailures: [] };
      }),
    });
    // B: its first three invocations fail as a whole (retried), nothing is poison.
    const b = mapping({
      functionName: 'b',
      functionArn: 'arn:b',
      settings: settings(name, arn, { batchSize: 25, maximumRetryAttempts: 5 }),
      kinesis,
      source,
      failureSink: sinkB,
      invoke: fakeFunction((event) => {
        if (bFailuresLeft-- > 0) throw new Error('transient');
        note('b', event);
      }),
    });
    // Act: both mappings are on both shards before the records arrive. (A reader that joins
    // after the others moved the buffer past its start reads on its own iterator until it
    // catches up, which is correct but is not the one-read-per-record case this test is about.)
    await a.start();
    await b.start();
    await put(
      aws,
      name,
      records(400, (i) => `device-${i % 13}`),
    );
    expect(await a.drain(30_000)).toBe(true);
    expect(await b.drain(30_000)).toBe(true);
    // Assess: each mapping saw each record of a shard in order; A lost only its poison record
    const check = (who: 'a' | 'b') => {
      let total = 0;
      for (const sequences of seenBy[who].values()) {
        total += sequences.length;
        expect(sequences).toEqual([...sequences].sort(compareSequence));
        expect(new Set(sequences).size).toBe(sequences.length);
      }
      return total;
    };
    expect(check('a')).toBe(399);
    expect(check('b')).toBe(400);
    expect(seenBy.b.size).toBe(2);
    expect(sinkA.records).toHaveLength(1);
    expect(sinkA.records[0]?.record.KinesisBatchInfo.batchSize).toBe(1);
    expect(sinkB.records).toHaveLength(0);
    expect(a.stats.partialFailures).toBeGreaterThanOrEqual(1);
    expect(b.stats.functionErrors).toBe(3);
    expect(a.stats.functionErrors).toBeGreaterThan(0);
    // Kinesis served each record once, for both mappings.
    expect(source.stats.recordsFetched).toBe(400);
    expect(source.stats.recordsServed).toBe(800);
    expect(source.stats.directReads).toBe(0);
  });
});
