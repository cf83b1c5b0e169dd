import { describe, expect, it } from '@jest/globals';
import type { MetricsWindowData } from '@streamlens/schema';
import { alertAnomaly, metricsWindow } from '@streamlens/schema/testing';
import fc from 'fast-check';
import { alertViewOf, DashboardModel } from '../../src/model.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const window = (i: number, data: Partial<MetricsWindowData> = {}): MetricsWindowData =>
  metricsWindow({
    data: {
      windowStart: new Date(T0 + i * 10_000).toISOString(),
      windowEnd: new Date(T0 + (i + 1) * 10_000).toISOString(),
      windowSeconds: 10,
      ...data,
    },
  }).data;
const alert = (id: string, i: number, series?: string) =>
  alertViewOf(
    id,
    alertAnomaly({
      data: {
        windowStart: new Date(T0 + i * 10_000).toISOString(),
        ...(series ? { series } : {}),
      },
    }).data,
  );

describe('DashboardModel windows', () => {
  it('holds each window once however often it is delivered', () => {
    // Arrange
    const model = new DashboardModel();
    const w = window(0);

    // Act
    const first = model.applyWindow(w);
    const again = model.applyWindow(w);

    // Assert
    expect([first, again]).toEqual([true, false]);
    expect(model.windowsOf(w.series)).toHaveLength(1);
    expect(model.stats).toMatchObject({ windowsApplied: 1, windowsDuplicate: 1 });
  });

  it('shows a correction as a revised point that remembers the first revision', () => {
    // Arrange
    const model = new DashboardModel();
    model.applyWindow(window(0, { revision: 0, count: 3, mean: 10 }));

    // Act
    model.applyWindow(window(0, { revision: 1, count: 4, mean: 12 }));
    model.applyWindow(window(0, { revision: 2, count: 5, mean: 13 }));
    // The older revision arriving late changes nothing.
    const late = model.applyWindow(window(0, { revision: 1, count: 4, mean: 12 }));

    // Assert
    const [point] = model.windowsOf(window(0).series);
    expect(late).toBe(false);
    expect(point).toMatchObject({ revision: 2, count: 5, mean: 13 });
    expect(point?.revisedFrom).toEqual({ count: 3, mean: 10 });
  });

  it('keeps the newest windows of a series within its limit, in time order', () => {
    // Arrange
    const model = new DashboardModel({ maxSeries: 10, maxWindowsPerSeries: 3, maxAlerts: 10 });

    // Act: out of order, one older than all others last.
    for (const i of [4, 1, 2, 3, 0]) model.applyWindow(window(i));

    // Assert
    expect(model.windowsOf(window(0).series).map((w) => w.startMs)).toEqual([
      T0 + 20_000,
      T0 + 30_000,
      T0 + 40_000,
    ]);
  });

  it('turns away series beyond its limit and counts them', () => {
    // Arrange
    const model = new DashboardModel({ maxSeries: 2, maxWindowsPerSeries: 3, maxAlerts: 10 });

    // Act
    for (const host of ['a', 'b', 'c'])
      model.applyWindow(window(0, { series: `cpu|host=${host}` }));

    // Assert
    expect(model.series.size).toBe(2);
    expect(model.stats.windowsDroppedSeries).toBe(1);
  });

  it('counts a window it cannot draw and still takes the others', () => {
    // Arrange
    const model = new DashboardModel();
    const broken = [
      { ...window(0), mean: Number.NaN },
      { ...window(1), windowStart: 'yesterday' },
      { ...window(2), series: 42 },
      null,
    ] as unknown as MetricsWindowData[];

    // Act
    for (const w of [...broken, window(3)]) model.applyWindow(w);

    // Assert
    expect(model.stats.windowsMalformed).toBe(4);
    expect(model.windowsOf(window(3).series)).toHaveLength(1);
  });

  it('never throws on arbitrary input', () => {
    const model = new DashboardModel();
    fc.assert(
      fc.property(fc.anything(), (value) => {
        model.applyWindow(value as MetricsWindowData);
        model.applyAlert(value as ReturnType<typeof alertViewOf>);
      }),
    );
  });
});

describe('DashboardModel alerts and search', () => {
  it('lists alerts newest first, each once, within its limit', () => {
    // Arrange
    const model = new DashboardModel({ maxSeries: 10, maxWindowsPerSeries: 10, maxAlerts: 3 });

    // Act
    for (const [id, i] of [
      ['a', 1],
      ['b', 3],
      ['a', 1],
      ['c', 2],
      ['d', 4],
    ] as const)
      model.applyAlert(alert(id, i));

    // Assert: 'a' (the oldest arrival) left when 'd' came; the repeat of 'a' was ignored.
    expect(model.alerts().map((a) => a.id)).toEqual(['d', 'b', 'c']);
    expect(model.stats.alertsDuplicate).toBe(1);
  });

  it('keeps the newest windows when alerts come out of time order, and turns older ones away', () => {
    // Arrange: a stage's state table is scanned in hash order, and scanned again.
    const model = new DashboardModel({ maxSeries: 10, maxWindowsPerSeries: 10, maxAlerts: 3 });
    const pass = [alert('e', 5), alert('a', 1), alert('c', 3), alert('f', 6), alert('b', 2)];

    // Act
    for (const a of [...pass, ...pass]) model.applyAlert(a);

    // Assert: the three newest, whatever the order; the older ones never come back in.
    expect(model.alerts().map((a) => a.id)).toEqual(['f', 'e', 'c']);
    expect(model.stats.alertsApplied).toBe(4);
    expect(model.stats.alertsTooOld).toBe(3);
  });

  it('finds series by every term, those with alerts first', () => {
    // Arrange
    const model = new DashboardModel();
    for (const key of ['cpu|host=a|region=eu', 'cpu|host=b|region=us', 'mem|host=a|region=eu']) {
      model.applyWindow(window(0, { series: key }));
    }
    model.applyAlert(alert('x', 0, 'mem|host=a|region=eu'));

    // Act
    const euHostA = model.search('HOST=A eu');
    const all = model.search('', 2);

    // Assert
    expect(euHostA.series.map((s) => s.key)).toEqual([
      'mem|host=a|region=eu',
      'cpu|host=a|region=eu',
    ]);
    expect(euHostA.series[0]?.alerts).toBe(1);
    expect(all.total).toBe(3);
    expect(all.series).toHaveLength(2);
  });
});
