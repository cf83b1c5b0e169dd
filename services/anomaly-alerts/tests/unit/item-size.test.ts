import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { itemSizeBytes } from '@streamlens/lambda-kit/dynamodb';
import type { MetricsWindow } from '@streamlens/schema';
import { DEFAULT_ALERTING_CONFIG } from '../../src/alerting/episode.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/detector/index.js';
import { type SeriesItem, scoreWindow } from '../../src/scoring.js';
import { fromStoredSeriesItem, toStoredSeriesItem } from '../../src/store.js';
import { windowAt } from '../helpers/windows.js';

/** The budget per series in DynamoDB (the limit; DynamoDB's own is 400 KB). */
const MAX_ITEM_BYTES = 8 * 1024;
/** One write unit: what the stored form of a series item is sized for (docs/cost-model.md). */
const WRITE_UNIT_BYTES = 1024;

/**
 * Minute `i` of a telemetry series whose features all differ (count, percentiles, min, max): the
 * detector then keeps a model with distinct numbers per channel, the least compressible state.
 */
function rich(i: number, value: number, revision: number): MetricsWindow {
  const w = windowAt(i, value, {}, revision);
  const noise = (k: number) => ((i * 7919 + k * 104_729) % 1000) / 997;
  const count = 40 + Math.round(20 * noise(1));
  return {
    ...w,
    data: {
      ...w.data,
      count,
      sum: value * count,
      mean: value,
      p50: value - 1.5 + noise(2),
      p90: value + 4.2 + noise(3),
      p99: value + 9.7 + 2 * noise(4),
      min: value - 12.3 + noise(5),
      max: value + 15.1 + 3 * noise(6),
    },
  };
}

/** `days` of minute windows with spikes, alerts and corrections; `measure` sees every item. */
function minutes(
  days: number,
  windowOf: (i: number, value: number, revision: number) => MetricsWindow,
  measure: (item: SeriesItem, atAlert: boolean) => void,
): number {
  let item: SeriesItem | undefined;
  let alerts = 0;
  for (let i = 0; i < days * 1440; i++) {
    const value = 50 + 5 * Math.sin(i / 37) + ((i * 7919) % 7) + (i % 1009 === 0 ? 400 : 0);
    for (const revision of i % 97 === 0 ? [0, 1] : [0]) {
      const o = scoreWindow(
        item,
        windowOf(i, value + revision, revision),
        '2026-01-20T00:00:00.000Z',
        DEFAULT_DETECTOR_CONFIG,
        DEFAULT_ALERTING_CONFIG,
      );
      if (o.kind !== 'apply') continue;
      if (o.alert) alerts++;
      measure(o.item, o.alert !== undefined || revision > 0 || i % 60 === 0);
      // The Lambda publishes and clears the outbox after each window.
      item = { ...o.item, outbox: [] };
    }
  }
  return alerts;
}

describe('the stored item of a series', () => {
  it('stays under 8 KB over a week of minute windows with spikes, alerts and corrections', () => {
    // Prepare
    let largest = 0;
    // Act
    const alerts = minutes(
      7,
      (i, value, revision) => windowAt(i, value, {}, revision),
      (item, notable) => {
        // Measured where the item grows (alerts, corrections) and regularly in between.
        if (notable) largest = Math.max(largest, Buffer.byteLength(JSON.stringify(item)));
      },
    );
    // Assess
    expect(alerts).toBeGreaterThan(0);
    expect(largest).toBeLessThan(MAX_ITEM_BYTES);
  });

  it('is written in one write unit (99% of writes, never over two), every feature distinct, 3 days', () => {
    // Prepare
    const plain: number[] = [];
    const stored: number[] = [];
    // Act
    const alerts = minutes(3, rich, (item, notable) => {
      // Past the first hour (every channel modelled), at alerts, corrections and every 10 minutes.
      if (item.points < 60 || (!notable && item.points % 10 !== 0)) return;
      const published = { ...item, outbox: [] };
      plain.push(itemSizeBytes(published as unknown as Record<string, unknown>));
      stored.push(itemSizeBytes(toStoredSeriesItem(published)));
    });
    // Assess: the plain item costs 2 units or more (over 1 KB), the stored form 1.
    expect(alerts).toBeGreaterThan(0);
    expect(Math.min(...plain)).toBeGreaterThan(WRITE_UNIT_BYTES);
    // Under 1 KB with ≈ 250 bytes to spare for this 45-byte series key (median 766 B, max 777 B);
    // a series key longer by 250 bytes or more makes most of them 2 units.
    const oneUnit = stored.filter((bytes) => bytes <= WRITE_UNIT_BYTES).length;
    expect(oneUnit / stored.length).toBeGreaterThanOrEqual(0.99);
    expect(Math.max(...stored)).toBeLessThanOrEqual(2 * WRITE_UNIT_BYTES);
  });
});

describe('the stored form of a series item', () => {
  it('reads back the item it was made from, and reads an item without `z` as it is', () => {
    // Prepare
    let item: SeriesItem | undefined;
    minutes(1, rich, (i) => {
      item ??= i.points > 100 ? i : undefined;
    });
    const original = item as SeriesItem;
    // Act
    const back = fromStoredSeriesItem(toStoredSeriesItem(original));
    const legacy = fromStoredSeriesItem({ ...original } as unknown as Record<string, unknown>);
    // Assess
    expect(back).toEqual(original);
    expect(legacy).toEqual(original);
  });

  it('throws a named error for a `z` that does not decode, or decodes to no object', () => {
    // Prepare
    const garbage = { series: 's', version: 3, z: new Uint8Array([1, 2, 3, 255]) };
    const notObject = { series: 's', version: 3, z: deflateRawSync('[1,2]') };
    // Act / Assess
    expect(() => fromStoredSeriesItem(garbage)).toThrow('series item s does not decode');
    expect(() => fromStoredSeriesItem({ series: 's', version: 3, z: 'text' })).toThrow(
      'does not decode',
    );
    expect(() => fromStoredSeriesItem(notObject)).toThrow('series item s is not an object');
  });
});
