import { describe, expect, it } from '@jest/globals';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../../src/domain/engine.js';
import type { Commit } from '../../src/domain/types.js';
import { MemoryRejectSink, MemoryStore, MemoryWindowSink } from '../helpers/memory-store.js';
import { obsRecord, seqOf } from '../helpers/records.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const S = 'shardId-000000000000';

/** 1,000 records over 100 series in one window (as the local pipeline's batches). */
const batch = Array.from({ length: 1000 }, (_, i) =>
  obsRecord(S, seqOf(i + 1), 0, { series: `s${i % 100}`, timeMs: T0 + i * 10, value: i }),
);

/** Records every commit's start and end, so tests can see what ran concurrently. */
class RecordingStore extends MemoryStore {
  log: Array<{ event: 'start' | 'end'; checkpoints: number; partials: number }> = [];
  override async commit(c: Commit): Promise<'ok' | 'conflict'> {
    const info = { checkpoints: c.checkpoints.length, partials: c.partials.length };
    this.log.push({ event: 'start', ...info });
    await new Promise((r) => setTimeout(r, 5));
    try {
      return await super.commit(c);
    } finally {
      this.log.push({ event: 'end', ...info });
    }
  }
}

function counts(store: MemoryStore): number {
  let n = 0;
  for (const p of store.partials.values()) n += JSON.parse(p.json).n as number;
  return n;
}

describe('a plan committed as several transactions', () => {
  it('folds a 1,000-record batch once and sends its partials concurrently, the checkpoint last', async () => {
    // Prepare
    const store = new RecordingStore();
    const agg = new Aggregator(DEFAULT_ENGINE_CONFIG, {
      store,
      windows: new MemoryWindowSink(),
      rejects: new MemoryRejectSink(),
    });
    // Act
    const out = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess: 100 partials → 49 + 49 concurrently, then 2 with the checkpoint.
    expect(out).toMatchObject({ failures: [], applied: 1000, commits: 3, conflicts: 0 });
    expect(store.log.map((e) => `${e.event}:${e.partials}:${e.checkpoints}`)).toEqual([
      'start:49:0',
      'start:49:0',
      'end:49:0',
      'end:49:0',
      'start:2:1',
      'end:2:1',
    ]);
    expect(counts(store)).toBe(1000);
    expect(store.checkpoints.get(S)?.pos?.seq).toBe(seqOf(1000));
  });

  it('applies each record once when a crash leaves some transactions committed and the checkpoint not', async () => {
    // Prepare: the first transaction is written but its answer is lost; the others never run.
    const store = new MemoryStore();
    const agg = new Aggregator(DEFAULT_ENGINE_CONFIG, {
      store,
      windows: new MemoryWindowSink(),
      rejects: new MemoryRejectSink(),
    });
    let calls = 0;
    store.faults.commit = () => {
      calls++;
      return calls === 1 ? 'lost' : calls === 2 ? 'throw' : undefined;
    };
    // Act: Lambda retries the batch from the reported record.
    const first = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    const applied = counts(store);
    const second = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(first.failures.map((f) => f.seq)).toEqual([seqOf(1)]);
    expect(applied).toBe(490); // 49 series × 10 records in the lost transaction
    expect(second.failures).toEqual([]);
    expect(second.duplicates).toBe(490);
    expect(second.applied).toBe(510);
    expect(counts(store)).toBe(1000);
    expect(store.checkpoints.get(S)?.pos?.seq).toBe(seqOf(1000));
  });
});
