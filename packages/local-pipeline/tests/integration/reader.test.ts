import { GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from '@jest/globals';
import { EventSourceMapping } from '../../src/esm/mapping.js';
import { localJsonShardReader, sdkShardReader } from '../../src/esm/reader.js';
import { type FakeEvent, fakeFunction, freshStream, put, settings } from '../helpers/kinesis.js';

const running: EventSourceMapping[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

describe('shard readers', () => {
  it('give a mapping the same Lambda events through the raw JSON API as through the SDK', async () => {
    // Prepare: bodies with every base64 tail (lengths 0..2 mod 3), non-ASCII and binary bytes;
    // some non-ASCII partition keys (the response is then not ASCII: the utf8 path)
    const { aws, name, arn } = await freshStream(2);
    const bodies = Array.from({ length: 60 }, (_, i) => ({
      key: `${i % 5 === 0 ? 'é' : 'k'}${i % 7}`,
      body: `${'é'.repeat(i % 3)}r${i}\u0000${String.fromCharCode(200 + i)}`,
    }));
    await put(aws, name, bodies);
    const endpoint = aws.endpoints.kinesis as string;
    const seen: Record<'sdk' | 'json', FakeEvent['Records']> = { sdk: [], json: [] };
    for (const kind of ['sdk', 'json'] as const) {
      const esm = new EventSourceMapping({
        functionName: 'fn',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
        settings: settings(name, arn, { batchSize: 7 }),
        kinesis: aws.clients().kinesis,
        reader:
          kind === 'json' ? localJsonShardReader(endpoint) : sdkShardReader(aws.clients().kinesis),
        pollIntervalMs: 50,
        invoke: fakeFunction((event) => {
          seen[kind].push(...event.Records);
        }),
      });
      running.push(esm);
      // Act
      await esm.start();
      expect(await esm.drain(30_000)).toBe(true);
    }
    // Assess
    const byId = (a: { eventID: string }, b: { eventID: string }) =>
      a.eventID < b.eventID ? -1 : 1;
    expect(seen.json).toHaveLength(60);
    expect([...seen.json].sort(byId)).toEqual([...seen.sdk].sort(byId));
    const decoded = seen.json.map((r) => Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
    expect(decoded.sort()).toEqual(bodies.map((b) => b.body).sort());
  });

  it('reports the stand-in error code as the error name (an expired or foreign iterator)', async () => {
    // Prepare
    const { aws, name } = await freshStream(1);
    const iterator = await aws.clients().kinesis.send(
      new GetShardIteratorCommand({
        StreamName: name,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const reader = localJsonShardReader(aws.endpoints.kinesis as string);
    // Act
    const page = await reader(iterator.ShardIterator as string, 10);
    const failure = await reader('not-an-iterator', 10).catch((e: unknown) => e as Error);
    // Assess
    expect(page.records).toEqual([]);
    expect(page.nextShardIterator).toEqual(expect.any(String));
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe('InvalidArgumentException');
  });
});
