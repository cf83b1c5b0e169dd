import { describe, expect, it } from '@jest/globals';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../../src/domain/engine.js';
import { MemoryRejectSink, MemoryStore, MemoryWindowSink } from '../helpers/memory-store.js';
import { obsRecord, seqOf } from '../helpers/records.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const S = 'shardId-000000000000';

describe('a batch that needs many transactions on one shard', () => {
  it('commits every sub-batch without a conflict (each expects the checkpoint version just written)', async () => {
    // Prepare: 1,000 records over 100 series and 2 windows: 200 partials, 2 per commit.
    const store = new MemoryStore();
    const agg = new Aggregator(
      { ...DEFAULT_ENGINE_CONFIG, maxPartialsPerCommit: 2 },
      { store, windows: new MemoryWindowSink(), rejects: new MemoryRejectSink() },
    );
    const batch = Array.from({ length: 1000 }, (_, i) =>
      obsRecord(S, seqOf(i + 1), 0, {
        series: `s${i % 100}`,
        timeMs: T0 + Math.floor((i * 90_000) / 1000),
        value: i,
      }),
    );
    // Act
    const out = await agg.processBatch(batch, Number.POSITIVE_INFINITY);
    // Assess
    expect(out.failures).toEqual([]);
    expect(out.conflicts).toBe(0);
    expect(out.applied).toBe(1000);
    expect(out.commits).toBeGreaterThan(DEFAULT_ENGINE_CONFIG.maxConflictRetries + 1);
  });
});
