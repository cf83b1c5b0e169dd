import { describe, expect, it } from '@jest/globals';
import { itemSizeBytes } from '@streamlens/lambda-kit/dynamodb';
import { windowEventOf, windowItem } from '../../src/adapters/dynamo-store.js';
import { WindowFlusher } from '../../src/domain/flush.js';
import { PartialAggregate } from '../../src/domain/partial.js';
import type { MetricsWindowEvent, SeriesMeta } from '../../src/domain/types.js';

const flusher = new WindowFlusher(
  {
    windowMs: 60_000,
    alpha: 0.01,
    maxBins: 2048,
    emitSketch: true,
    source: 'streamlens/test',
    flushShards: 1,
  },
  {} as never,
  {} as never,
  Date.now,
);
const meta: SeriesMeta = {
  series: 'cpu.utilization|host=web-017|region=eu-west-1|service=checkout',
  kind: 'telemetry',
  metric: 'cpu.utilization',
  dimensions: { host: 'web-017', region: 'eu-west-1', service: 'checkout' },
};

/** A revision of a window of `n` distinct values (a sketch of up to n bins). */
function revision(n: number): MetricsWindowEvent {
  const partial = new PartialAggregate(0.01, 2048);
  for (let i = 0; i < n; i++) partial.add(40 + 10 * Math.sin(i) + i * 0.37);
  return flusher.windowEvent(meta, Date.UTC(2026, 0, 1), partial, 0);
}

describe('the window table item', () => {
  it('is one write unit (≤ 1 KB) for a window of 30 events, where the event as text made it two', () => {
    // Prepare
    const w = revision(30);
    // Act
    const item = windowItem(w, 1_790_000_000);
    // Assess
    const asText = { ...item, z: undefined, event: JSON.stringify(w) };
    expect(itemSizeBytes(item)).toBeLessThanOrEqual(1024);
    expect(itemSizeBytes(asText)).toBeGreaterThan(1024);
  });

  it('reads back the event it was made from, and reads an item with the event as text', () => {
    // Prepare
    const w = revision(300);
    const item = windowItem(w, 1_790_000_000);
    const { z: _z, ...rest } = item;
    const older = { ...rest, event: JSON.stringify(w) };
    // Act / Assess
    expect(windowEventOf(item)).toEqual(w);
    expect(windowEventOf(older)).toEqual(w);
    expect(item).toMatchObject({ count: 300, kind: 'telemetry', revision: 0 });
  });
});
