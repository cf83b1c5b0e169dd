import { describe, expect, it } from '@jest/globals';
import { alertQuality, formatQuality, matchAlerts, type SeenAlert } from '../../src/alerts.js';
import { formatTimestamp, objectName, renderPrefix } from '../../src/firehose/prefix.js';
import { alertQualityVerdict, formatAlertQuality } from '../../src/reconcile.js';

const alert = (series: string, windowStart: string, status = 'open'): SeenAlert => ({
  id: `${series}|${windowStart}`,
  series,
  status,
  severity: 'high',
  observed: 99,
  expectedLow: 10,
  expectedHigh: 50,
  windowStart,
  windowEnd: new Date(Date.parse(windowStart) + 10_000).toISOString(),
  explanation: 'spike',
});

describe('alerts against injected anomalies', () => {
  it('counts found, missed and false alerts by series and time overlap', () => {
    // Prepare
    const truth = [
      {
        id: 'a1',
        kind: 'spike',
        series: 'cpu|host=a',
        metric: 'cpu',
        dimensions: {},
        start: '2026-01-01T00:00:00.000Z',
        end: '2026-01-01T00:01:00.000Z',
        magnitude: 3,
      },
      {
        id: 'a2',
        kind: 'spike',
        series: 'cpu|host=b',
        metric: 'cpu',
        dimensions: {},
        start: '2026-01-01T00:00:00.000Z',
        end: '2026-01-01T00:01:00.000Z',
        magnitude: 3,
      },
    ] as Parameters<typeof matchAlerts>[1];
    const alerts = [
      alert('cpu|host=a', '2026-01-01T00:00:30.000Z'),
      alert('cpu|host=a', '2026-01-01T00:00:40.000Z', 'recovered'),
      alert('cpu|host=c', '2026-01-01T00:00:30.000Z'),
      alert('cpu|host=b', '2026-01-01T05:00:00.000Z'),
    ];
    // Act
    const result = matchAlerts(alerts, truth);
    // Assess
    expect(result).toEqual({ found: 1, missed: 1, falseAlerts: 2 });
  });
});

describe('alert quality per anomaly kind', () => {
  it('counts alerted anomalies per kind with the windows from onset to the first open alert', () => {
    // Prepare: 10-second windows; a spike alerted in its own window, a dip two windows late, a
    // level shift missed, and an alert about nothing
    const truth = [
      ['s1', 'spike', 'cpu|host=a', '2026-01-01T00:00:05.000Z'],
      ['d1', 'dip', 'cpu|host=b', '2026-01-01T00:00:05.000Z'],
      ['l1', 'level_shift', 'cpu|host=c', '2026-01-01T00:00:05.000Z'],
    ].map(([id, kind, series, start]) => ({
      id,
      kind,
      series,
      metric: 'cpu',
      dimensions: {},
      start,
      end: new Date(Date.parse(start as string) + 30_000).toISOString(),
      magnitude: 3,
    })) as Parameters<typeof alertQuality>[1];
    const alerts = [
      alert('cpu|host=a', '2026-01-01T00:00:00.000Z'),
      alert('cpu|host=a', '2026-01-01T00:00:10.000Z'),
      alert('cpu|host=b', '2026-01-01T00:00:20.000Z'),
      alert('cpu|host=d', '2026-01-01T00:00:20.000Z'),
    ];
    // Act
    const q = alertQuality(alerts, truth);
    // Assess
    expect(q).toMatchObject({ found: 2, missed: 1, inWarmup: 0, falseAlerts: 1 });
    expect(q.byKind).toEqual([
      { kind: 'dip', injected: 1, alerted: 1, inWarmup: 0, windowsToAlert: [2] },
      { kind: 'level_shift', injected: 1, alerted: 0, inWarmup: 0, windowsToAlert: [] },
      { kind: 'spike', injected: 1, alerted: 1, inWarmup: 0, windowsToAlert: [0] },
    ]);
    expect(formatQuality(q)).toBe(
      'dip 1/1 alerted (windows to alert: 2); level_shift 0/1 alerted; spike 1/1 alerted (windows to alert: 0)',
    );
  });
});

describe('alert quality and the detector warm-up', () => {
  const truth = [
    ['e1', 'error_burst', 'log.count|level=ERROR|service=api', '2026-01-01T00:05:00.000Z'],
    ['e2', 'error_burst', 'log.count|level=ERROR|service=web', '2026-01-01T00:05:00.000Z'],
  ].map(([id, kind, series, start]) => ({
    id,
    kind,
    series,
    metric: 'log.count',
    dimensions: {},
    start,
    end: new Date(Date.parse(start as string) + 30_000).toISOString(),
    magnitude: 3,
  })) as Parameters<typeof alertQuality>[1];
  // 10-second windows before the onset: api had 30 (past a warm-up of 10), web had 4.
  const windows: Record<string, number> = {
    'log.count|level=ERROR|service=api': 30,
    'log.count|level=ERROR|service=web': 4,
  };
  const warmup = {
    warmupPoints: 10,
    windowsBefore: (series: string, beforeMs: number) => {
      expect(beforeMs).toBe(Date.parse('2026-01-01T00:05:00.000Z'));
      return windows[series] ?? 0;
    },
  };

  it('counts an unalerted anomaly on a series still in warm-up apart, not as missed', () => {
    // Act
    const q = alertQuality([], truth, undefined, warmup);
    // Assess
    expect(q).toMatchObject({ found: 0, missed: 1, inWarmup: 1, falseAlerts: 0 });
    expect(formatQuality(q)).toBe('error_burst 0/2 alerted, 1 in warm-up');
  });

  it('counts an alerted anomaly as found even when its series was in warm-up', () => {
    // Act
    const q = alertQuality(
      [alert('log.count|level=ERROR|service=web', '2026-01-01T00:05:00.000Z')],
      truth,
      undefined,
      warmup,
    );
    // Assess
    expect(q).toMatchObject({ found: 1, missed: 1, inWarmup: 0 });
  });
});

describe('firehose prefixes', () => {
  it('renders partition keys, timestamps and the error output type; a missing key fails the record', () => {
    // Prepare
    const ms = Date.parse('2026-03-04T05:06:07.000Z');
    // Act
    const ok = renderPrefix(
      'events/type=!{partitionKeyFromLambda:type}/dt=!{timestamp:yyyy-MM-dd}/h=!{timestamp:HH}/',
      {
        partitionKeys: { type: 'app.log' },
        timestampMs: ms,
      },
    );
    const error = renderPrefix('errors/!{firehose:error-output-type}/', {
      timestampMs: ms,
      errorOutputType: 'processing-failed',
    });
    const missing = renderPrefix('events/!{partitionKeyFromLambda:type}/', {
      partitionKeys: {},
      timestampMs: ms,
    });
    // Assess
    expect(ok).toBe('events/type=app.log/dt=2026-03-04/h=05/');
    expect(error).toBe('errors/processing-failed/');
    expect(missing).toBeUndefined();
    expect(formatTimestamp('yyyy-MM-dd-HH-mm-ss', ms)).toBe('2026-03-04-05-06-07');
    expect(objectName('lake', ms, 'u', true)).toBe('lake-1-2026-03-04-05-06-07-u.gz');
  });
});

describe('the alert quality verdict', () => {
  const quality = (windowsToAlert: number[], missed: number, falseAlerts: number) => ({
    found: windowsToAlert.length,
    missed,
    inWarmup: 0,
    falseAlerts,
    byKind: [
      {
        kind: 'spike',
        injected: windowsToAlert.length + missed,
        alerted: windowsToAlert.length,
        inWarmup: 0,
        windowsToAlert,
      },
    ],
  });

  it('meets the target when every scorable anomaly is alerted within 2 windows with at most 1 false alert', () => {
    // Act / Assess
    expect(alertQualityVerdict(quality([0, 2], 0, 1), 3)).toMatchObject({
      meetsTarget: true,
      late: 0,
      alerts: 3,
    });
  });

  it.each([
    ['a missed anomaly', quality([0], 1, 0)],
    ['an alert 3 windows after the onset', quality([0, 3], 0, 0)],
    ['two false alerts', quality([0], 0, 2)],
  ])('is below the target with %s', (_name, q) => {
    // Act
    const v = alertQualityVerdict(q, 2);
    // Assess
    expect(v.meetsTarget).toBe(false);
    expect(formatAlertQuality(v)).toMatch(/^alert quality: BELOW TARGET/);
  });
});
