import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import { bucketOf } from '../../src/adapters/dynamo-store.js';
import { tableDefinitions } from '../../src/adapters/tables.js';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../../src/domain/engine.js';
import { localDoc, localStateStore } from '../helpers/local-store.js';
import { MemoryRejectSink, MemoryWindowSink } from '../helpers/memory-store.js';
import { obsRecord, seqOf } from '../helpers/records.js';

// Two containers (two shards) flushing the same closing windows at the same moment, as at the end
// of every pair of invocations in the local pipeline: with flush leases each window is merged,
// stored and sent by one of them only, and a released lease lets the next flush proceed.
const suffix = randomUUID().slice(0, 8);
const names = { state: `aggl-state-${suffix}`, windows: `aggl-windows-${suffix}` };
const aws = connectLocalAws();
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

/** Window merges (queries of a window's delta index) made by every container's flushes. */
let merges = 0;
/** Lease and release writes (UpdateItem on an `F#bucket` item) of every container. */
let leaseWrites = 0;

function container() {
  const doc = localDoc(aws);
  const send = doc.send.bind(doc) as (c: unknown) => Promise<unknown>;
  (doc as unknown as { send: (c: unknown) => Promise<unknown> }).send = (command) => {
    const values = (command as { input?: { ExpressionAttributeValues?: Record<string, unknown> } })
      .input?.ExpressionAttributeValues;
    if (String(values?.[':pk'] ?? '').startsWith('X#')) merges++;
    const key = (command as { input?: { Key?: { pk?: unknown } } }).input?.Key;
    if (command instanceof UpdateCommand && String(key?.pk ?? '').startsWith('F#')) leaseWrites++;
    return send(command);
  };
  const store = localStateStore(doc, names);
  const windows = new MemoryWindowSink();
  const agg = new Aggregator(DEFAULT_ENGINE_CONFIG, {
    store,
    windows,
    rejects: new MemoryRejectSink(),
  });
  return { agg, windows };
}

/** `n` records of a shard over 40 series in the window starting at `ws` (no window closes). */
function records(shard: string, ws: number, from: number, n: number) {
  return Array.from({ length: n }, (_, i) =>
    obsRecord(shard, seqOf(from + i), 0, {
      series: `lease.metric|host=h${i % 40}`,
      timeMs: ws + i,
      value: i,
    }),
  );
}

beforeAll(async () => {
  await aws.createResources({ tables: tableDefinitions(names.state, names.windows) });
});

afterAll(() => aws.close());

describe('flush leases with two containers', () => {
  it('emits each closing window once when both flush at once, and releases the buckets', async () => {
    // Prepare: both shards write 40 series of the same window; nothing has closed yet.
    const a = container();
    const b = container();
    const [s0, s1] = [`shardId-${suffix}-0`, `shardId-${suffix}-1`];
    await a.agg.processBatch(records(s0, T0, 1, 200), Number.POSITIVE_INFINITY);
    await b.agg.processBatch(records(s1, T0, 1, 200), Number.POSITIVE_INFINITY);
    const deadline = Date.now() + 60_000;
    merges = 0;
    // Act: both flush at once past the windows' end.
    const [ea, eb] = await Promise.all([
      a.agg.flush(T0 + 60_000, deadline),
      b.agg.flush(T0 + 60_000, deadline),
    ]);
    const mergedAtOnce = merges;
    // Then a later window, flushed by one container alone (the leases must have been released).
    await b.agg.processBatch(records(s1, T0 + 60_000, 201, 40), Number.POSITIVE_INFINITY);
    const later = await b.agg.flush(T0 + 120_000, Date.now() + 60_000);
    // Assess
    const sent = [...a.windows.events, ...b.windows.events].filter(
      (e) => e.data.windowStart === new Date(T0).toISOString(),
    );
    expect(mergedAtOnce).toBe(1); // the window merged by one of the two flushes
    expect(ea + eb).toBe(40);
    expect(sent).toHaveLength(40);
    expect(new Set(sent.map((e) => e.id)).size).toBe(40);
    expect(sent.every((e) => e.data.count === 10)).toBe(true);
    expect(later).toBe(40);
  });

  it('leases no bucket when no marker is due, and only the buckets holding due markers', async () => {
    // Prepare: one series in 3 windows, written by one container; nothing has closed yet.
    const a = container();
    const shard = `shardId-${suffix}-quiet`;
    const starts = [600_000, 660_000, 720_000].map((dt) => T0 + dt);
    const out = await a.agg.processBatch(
      starts.map((ws, i) =>
        obsRecord(shard, seqOf(1 + i), 0, { series: 'quiet.a|host=x', timeMs: ws + i, value: i }),
      ),
      Number.POSITIVE_INFINITY,
    );
    // The lane's own watermark (last event − 30 s) closed the first window.
    expect(out.emitted).toBe(1);
    const buckets = new Set(starts.slice(1).map((ws) => bucketOf(String(ws), 4)));
    // Act: flush before the second window ends, then after the last.
    leaseWrites = 0;
    const early = await a.agg.flush(starts[1]! + 1_000, Date.now() + 60_000);
    const earlyLeaseWrites = leaseWrites;
    leaseWrites = 0;
    const late = await a.agg.flush(starts[2]! + 60_000, Date.now() + 60_000);
    // Assess: nothing due, no lease writes; then one lease and one release per bucket that holds
    // one of the 2 markers left, and those 2 windows emitted.
    expect(early).toBe(0);
    expect(earlyLeaseWrites).toBe(0);
    expect(late).toBe(2);
    expect(leaseWrites).toBe(2 * buckets.size);
  });
});
