import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ALERTING_CONFIG } from '../../src/alerting/episode.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/detector/index.js';
import { type SeriesItem, scoreWindow } from '../../src/scoring.js';
import { windowAt } from '../helpers/windows.js';

/** The budget per series in DynamoDB (the limit; DynamoDB's own is 400 KB). */
const MAX_ITEM_BYTES = 8 * 1024;

describe('the stored item of a series', () => {
  it('stays under 8 KB over a week of minute windows with spikes, alerts and corrections', () => {
    // Prepare
    let item: SeriesItem | undefined;
    let largest = 0;
    let alerts = 0;
    // Act
    for (let i = 0; i < 7 * 1440; i++) {
      const value = 50 + 5 * Math.sin(i / 37) + ((i * 7919) % 7) + (i % 1009 === 0 ? 400 : 0);
      for (const revision of i % 97 === 0 ? [0, 1] : [0]) {
        const o = scoreWindow(
          item,
          windowAt(i, value + revision, {}, revision),
          '2026-01-20T00:00:00.000Z',
          DEFAULT_DETECTOR_CONFIG,
          DEFAULT_ALERTING_CONFIG,
        );
        if (o.kind !== 'apply') continue;
        if (o.alert) alerts++;
        // Measured where the item grows (alerts, corrections) and regularly in between.
        if (o.alert || revision > 0 || i % 60 === 0) {
          largest = Math.max(largest, Buffer.byteLength(JSON.stringify(o.item)));
        }
        // The Lambda publishes and clears the outbox after each window.
        item = { ...o.item, outbox: [] };
      }
    }
    // Assess
    expect(alerts).toBeGreaterThan(0);
    expect(largest).toBeLessThan(MAX_ITEM_BYTES);
  });
});
