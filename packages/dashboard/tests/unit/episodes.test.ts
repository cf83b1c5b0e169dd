import type { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { alertIdOf } from '@streamlens/anomaly-alerts/alerting';
import type { SeriesItem } from '@streamlens/anomaly-alerts/scoring';
import { toStoredSeriesItem } from '@streamlens/anomaly-alerts/store';
import { EpisodeReader } from '../../src/episodes.js';

const item = (series: string, open: boolean, outbox: SeriesItem['outbox'] = []): SeriesItem => ({
  series,
  version: 3,
  state: '{}',
  lastWindowStart: '2026-12-08T00:10:00.000Z',
  lastRevision: 0,
  lastWindowEventId: 'w',
  points: 3,
  episodes: {
    open: open
      ? {
          id: `${series}|2026-12-08T00:09:00.000Z`,
          openedAt: '2026-12-08T00:09:00.000Z',
          peakScore: 0.81,
          severity: 'high',
          normalStreak: 1,
        }
      : null,
    lastClosed: null,
  },
  outbox,
  updatedAt: '2026-12-08T00:10:01.000Z',
});

/** A document client whose Scan hands out `pages` in order, one per call. */
function fakeTable(pages: Record<string, unknown>[][]) {
  const scans: ScanCommand[] = [];
  const doc = {
    send: async (command: ScanCommand) => {
      scans.push(command);
      const at = Number(command.input.ExclusiveStartKey?.page ?? 0);
      return {
        Items: pages[at],
        ...(at + 1 < pages.length ? { LastEvaluatedKey: { page: at + 1 } } : {}),
      };
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, scans };
}

describe('EpisodeReader', () => {
  it('reads a page per call, a pass at most every everyMs, and counts what does not decode', async () => {
    // Arrange: page 1: an open episode and an item whose deflated document is junk; page 2: an
    // item with a pending alert that is not an alert.anomaly event.
    const corrupt = { series: 'bad', version: 1, z: new Uint8Array([1, 2, 3]) };
    const pending = [{ id: 'x', message: '{"not":"an alert"}', attributes: {}, committedAtMs: 0 }];
    const { doc, scans } = fakeTable([
      [toStoredSeriesItem(item('cpu|host=a', true)), corrupt],
      [toStoredSeriesItem(item('cpu|host=b', false, pending))],
    ]);
    let now = 0;
    const reader = new EpisodeReader(doc, 't', { everyMs: 30_000, now: () => now });

    // Act
    const first = await reader.read();
    const second = await reader.read();
    now = 10_000;
    const idle = await reader.read();
    now = 30_000;
    const nextPass = await reader.read();

    // Assert
    expect(first.alerts).toEqual([
      expect.objectContaining({
        id: alertIdOf('cpu|host=a|2026-12-08T00:09:00.000Z', 'open', '2026-12-08T00:09:00.000Z'),
        series: 'cpu|host=a',
        status: 'open',
        severity: 'high',
        score: 0.81,
        windowStart: '2026-12-08T00:09:00.000Z',
      }),
    ]);
    expect(first.rejected).toEqual({ CORRUPT_SERIES_ITEM: 1 });
    expect(second).toEqual({ alerts: [], rejected: { INVALID_PENDING_ALERT: 1 } });
    expect(idle).toEqual({ alerts: [], rejected: {} });
    expect(nextPass.alerts.map((a) => a.series)).toEqual(['cpu|host=a']);
    expect(scans.map((s) => s.input.ExclusiveStartKey)).toEqual([
      undefined,
      { page: 1 },
      undefined,
    ]);
  });
});
