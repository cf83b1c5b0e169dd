import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import { DynamoStateStore } from '../../src/adapters/dynamo-store.js';
import { tableDefinitions } from '../../src/adapters/tables.js';
import { PartialAggregate } from '../../src/domain/partial.js';
import type { Checkpoint, Commit, SeriesMeta } from '../../src/domain/types.js';

// Two shards committing at once to the same windows of the same series (as the local pipeline's
// two event shards do): every item a commit writes must belong to its own lane, so DynamoDB never
// cancels one shard's transaction because of the other's (TransactionConflict).
const suffix = randomUUID().slice(0, 8);
const names = { state: `aggc-state-${suffix}`, windows: `aggc-windows-${suffix}` };
const aws = connectLocalAws();
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const WINDOW = 60_000;

type Counters = { calls: number; cancelled: number; reasons: string[]; keys: Set<string> };

function countingDoc(counters: Counters): DynamoDBDocumentClient {
  const doc = DynamoDBDocumentClient.from(aws.clients().dynamodb);
  const send = doc.send.bind(doc) as (c: unknown) => Promise<unknown>;
  (doc as unknown as { send: (c: unknown) => Promise<unknown> }).send = async (command) => {
    counters.calls++;
    const items = (
      command as { input?: { TransactItems?: Array<{ Put?: { Item: Record<string, unknown> } }> } }
    ).input?.TransactItems;
    for (const t of items ?? []) if (t.Put) counters.keys.add(`${t.Put.Item.pk}|${t.Put.Item.sk}`);
    try {
      return await send(command);
    } catch (error) {
      const e = error as Error & { CancellationReasons?: Array<{ Code?: string }> };
      if (e.name === 'TransactionCanceledException') {
        counters.cancelled++;
        for (const r of e.CancellationReasons ?? []) counters.reasons.push(r.Code ?? '?');
      }
      throw error;
    }
  };
  return doc;
}

function store(counters: Counters): DynamoStateStore {
  return new DynamoStateStore(countingDoc(counters), {
    stateTableName: names.state,
    windowTableName: names.windows,
    markerBuckets: 4,
    stateTtlSeconds: 3600,
    windowTtlSeconds: 3600,
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
}

const meta = (i: number): SeriesMeta => ({
  series: `cont.metric|host=h${i}`,
  kind: 'telemetry',
  metric: 'cont.metric',
  dimensions: { host: `h${i}` },
});

/** One lane's sub-batches: each touches every series in the same two windows (as a busy shard). */
async function runLane(s: DynamoStateStore, lane: string, batches: number, series: number) {
  let cp: Checkpoint = { lane, pos: undefined, maxEventMs: Number.NEGATIVE_INFINITY, version: 0 };
  const versions = new Map<string, number>();
  for (let b = 0; b < batches; b++) {
    const partials: Commit['partials'] = [];
    const markers: Commit['markers'] = [];
    for (let i = 0; i < series; i++) {
      for (const ws of [T0, T0 + WINDOW]) {
        const m = meta(i);
        const key = `${m.series}#${ws}`;
        const v = versions.get(key) ?? 0;
        const partial = new PartialAggregate();
        partial.add(b + i);
        partials.push({
          expectedVersion: v,
          next: { lane, series: m.series, windowStartMs: ws, version: v + 1, partial },
          meta: m,
        });
        markers.push({ ...m, windowStartMs: ws, windowEndMs: ws + WINDOW, token: `${lane}-${b}` });
        versions.set(key, v + 1);
      }
    }
    const after: Checkpoint = {
      lane,
      pos: { seq: String(1000 + b), sub: 0 },
      maxEventMs: T0 + 1000 * b,
      version: cp.version + 1,
    };
    const result = await s.commit(
      { token: `${lane}-${b}-${suffix}`, checkpoints: [{ before: cp, after }], partials, markers },
      Date.now() + 60_000,
    );
    expect(result).toBe('ok');
    cp = after;
  }
}

beforeAll(async () => {
  await aws.createResources({ tables: tableDefinitions(names.state, names.windows) });
});

afterAll(() => aws.close());

describe('DynamoStateStore with two shards committing at once', () => {
  it('never cancels a transaction for a conflict with the other shard', async () => {
    // Prepare: two stores (two containers), 12 series x 2 windows per commit (24 partials + markers).
    const a: Counters = { calls: 0, cancelled: 0, reasons: [], keys: new Set() };
    const b: Counters = { calls: 0, cancelled: 0, reasons: [], keys: new Set() };
    const batches = 15;
    // Act
    const started = performance.now();
    await Promise.all([
      runLane(store(a), 'shardId-000000000000', batches, 12),
      runLane(store(b), 'shardId-000000000001', batches, 12),
    ]);
    const ms = performance.now() - started;
    // Assess
    console.info(
      `2 lanes x ${batches} commits in ${ms.toFixed(0)} ms; calls ${a.calls + b.calls}; cancelled ${a.cancelled + b.cancelled} (${[...new Set([...a.reasons, ...b.reasons])].join(',')})`,
    );
    expect(a.cancelled + b.cancelled).toBe(0);
    expect(a.calls + b.calls).toBe(2 * batches);
    // DynamoDB Local serialises transactions; DynamoDB cancels concurrent ones sharing an item:
    // the two shards' commits must share none (partials, checkpoints and dirty markers per lane).
    expect([...a.keys].filter((k) => b.keys.has(k))).toEqual([]);
    expect(a.keys.size).toBe(1 + 12 * 2 * 2);
  });
});
