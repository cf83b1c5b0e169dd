import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import { DynamoStateStore } from '../../src/adapters/dynamo-store.js';
import { tableDefinitions } from '../../src/adapters/tables.js';
import { PartialAggregate } from '../../src/domain/partial.js';
import type { Commit, SeriesMeta } from '../../src/domain/types.js';

// The items a commit writes, as DynamoDB stores them: what every later read depends on, and no
// attribute that nothing reads (each one costs write capacity and storage on every commit).
const suffix = randomUUID().slice(0, 8);
const names = { state: `aggi-state-${suffix}`, windows: `aggi-windows-${suffix}` };
const aws = connectLocalAws();
const doc = DynamoDBDocumentClient.from(aws.clients().dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
const WS = Date.UTC(2026, 10, 25, 12, 0, 0);

beforeAll(async () => {
  await aws.createResources({ tables: tableDefinitions(names.state, names.windows) });
});

afterAll(() => aws.close());

describe('DynamoStateStore commit items', () => {
  it('stores a partial without series metadata, and reads it back whole', async () => {
    // Prepare: one lane's first commit of one partial and its window's marker.
    const store = new DynamoStateStore(doc, {
      stateTableName: names.state,
      windowTableName: names.windows,
      markerBuckets: 4,
      stateTtlSeconds: 3600,
      windowTtlSeconds: 3600,
    });
    const meta: SeriesMeta = {
      series: 'cpu.util|host=h1|region=eu-west-1',
      kind: 'telemetry',
      metric: 'cpu.util',
      dimensions: { host: 'h1', region: 'eu-west-1' },
    };
    const partial = new PartialAggregate();
    for (const v of [1, 2, 40]) partial.add(v);
    const lane = `shardId-${suffix}`;
    const commit: Commit = {
      token: `t-${suffix}`,
      checkpoints: [
        {
          before: { lane, pos: undefined, maxEventMs: Number.NEGATIVE_INFINITY, version: 0 },
          after: { lane, pos: { seq: '7', sub: 0 }, maxEventMs: WS + 5, version: 1 },
        },
      ],
      partials: [
        {
          expectedVersion: 0,
          next: {
            lane,
            series: meta.series,
            windowStartMs: WS,
            version: 1,
            partial,
            pos: { seq: '7', sub: 0 },
          },
          meta,
        },
      ],
      markers: [{ ...meta, windowStartMs: WS, windowEndMs: WS + 60_000, token: `t-${suffix}` }],
    };
    // Act
    const result = await store.commit(commit, Date.now() + 30_000);
    const stored = await doc.send(
      new GetCommand({
        TableName: names.state,
        Key: { pk: `P#${meta.series}#${WS}`, sk: lane },
        ConsistentRead: true,
      }),
    );
    const back = await store.loadPartials([{ lane, series: meta.series, windowStartMs: WS }]);
    const due = await store.dueMarkers(WS + 60_000, 10);
    await store.endFlush(due);
    // Assess: the partial item holds exactly what reads use; the marker still carries the meta.
    expect(result).toBe('ok');
    expect(Object.keys(stored.Item ?? {}).sort()).toEqual(
      ['p', 'pk', 'pseq', 'psub', 'series', 'sk', 'ttl', 'v', 'ws'].sort(),
    );
    const p = [...back.values()];
    expect(p).toHaveLength(1);
    expect(p[0]!.version).toBe(1);
    expect(p[0]!.pos).toEqual({ seq: '7', sub: 0 });
    expect(p[0]!.partial.stats()).toEqual(partial.stats());
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject(meta);
  });
});
