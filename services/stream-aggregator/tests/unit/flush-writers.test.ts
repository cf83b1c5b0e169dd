import { describe, expect, it } from '@jest/globals';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../../src/domain/engine.js';
import type { DirtyMarker } from '../../src/domain/types.js';
import { MemoryRejectSink, MemoryStore, MemoryWindowSink } from '../helpers/memory-store.js';
import { obsRecord, seqOf } from '../helpers/records.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const S = 'shardId-000000000000';

/** A store that, like the DynamoDB store, keeps one dirty marker per writer lane of a window. */
class PerWriterMarkerStore extends MemoryStore {
  cleared: DirtyMarker[] = [];
  override async dueMarkers(watermarkMs: number, limit: number): Promise<DirtyMarker[]> {
    const one = await super.dueMarkers(watermarkMs, limit);
    return one.flatMap((m) => [
      { ...m, key: 'writer-a' },
      { ...m, key: 'writer-b' },
    ]);
  }
  override async clearMarker(m: DirtyMarker): Promise<void> {
    this.cleared.push(m);
    await super.clearMarker(m);
  }
}

describe('flush with one dirty marker per writer lane', () => {
  it('merges and emits a window once and clears every marker read for it', async () => {
    // Prepare
    const store = new PerWriterMarkerStore();
    const windows = new MemoryWindowSink();
    const agg = new Aggregator(DEFAULT_ENGINE_CONFIG, {
      store,
      windows,
      rejects: new MemoryRejectSink(),
    });
    // Act
    const out = await agg.processBatch(
      [
        obsRecord(S, seqOf(1), 0, { series: 'cpu', timeMs: T0 + 1000, value: 2 }),
        obsRecord(S, seqOf(2), 0, { series: 'cpu', timeMs: T0 + 95_000, value: 1 }),
      ],
      Number.POSITIVE_INFINITY,
    );
    // Assess
    expect(out.emitted).toBe(1);
    expect(windows.events.map((e) => e.id)).toEqual([`cpu|${new Date(T0).toISOString()}|r0`]);
    expect(store.cleared.map((m) => m.key)).toEqual(['writer-a', 'writer-b']);
  });
});
