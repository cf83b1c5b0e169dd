import { describe, expect, it } from '@jest/globals';
import { validateEvent } from '@streamlens/schema';
import { alertIdOf, buildAlertEvent, toOutboxEntry } from '../../src/alerting/message.js';
import type { Scored } from '../../src/detector/index.js';
import { windowAt } from '../helpers/windows.js';

const scored: Scored = {
  score: 0.97,
  expectedLow: 40,
  expectedHigh: 60,
  features: { zLevel: 12.3456789, bad: Number.NaN },
  attribution: [],
  explanation: 'value far above the level',
  warmingUp: false,
};

describe('buildAlertEvent', () => {
  it('builds a valid alert.anomaly that links back to the window', () => {
    // Prepare
    const window = windowAt(3, 500);
    // Act
    const event = buildAlertEvent(window, 500, scored, {
      status: 'open',
      episodeId: 'ep-1',
      severity: 'high',
      score: 0.97,
    });
    // Assess
    expect(validateEvent(event).ok).toBe(true);
    expect(event.data).toMatchObject({
      series: window.data.series,
      windowEventId: window.id,
      observed: 500,
      expectedLow: 40,
      expectedHigh: 60,
      severity: 'high',
      status: 'open',
      episodeId: 'ep-1',
    });
    expect(event.data.features).toEqual({ zLevel: 12.345679 });
    expect(event.data.explanation).toContain('expected 40–60');
    expect(event.subject).toBe(window.data.series);
  });

  it('gives the same id to the same alert and different ids to open and recovery', () => {
    // Prepare
    const window = windowAt(3, 500);
    const alert = {
      status: 'open' as const,
      episodeId: 'ep-1',
      severity: 'high' as const,
      score: 0.97,
    };
    // Act
    const a = buildAlertEvent(window, 500, scored, alert);
    const b = buildAlertEvent(structuredClone(window), 500, scored, alert);
    const r = buildAlertEvent(window, 50, scored, { ...alert, status: 'recovered' });
    // Assess
    expect(a.id).toBe(b.id);
    expect(a.id).toBe(alertIdOf('ep-1', 'open', window.data.windowStart));
    expect(r.id).not.toBe(a.id);
  });
});

describe('toOutboxEntry', () => {
  it('carries the filter attributes subscribers use', () => {
    // Prepare
    const event = buildAlertEvent(windowAt(0, 500), 500, scored, {
      status: 'open',
      episodeId: 'ep',
      severity: 'critical',
      score: 0.999,
    });
    // Act
    const entry = toOutboxEntry(event, 1);
    // Assess
    expect(entry.attributes).toEqual({
      type: { DataType: 'String', StringValue: 'alert.anomaly' },
      severity: { DataType: 'String', StringValue: 'critical' },
      metric: { DataType: 'String', StringValue: 'cpu.utilization' },
      service: { DataType: 'String', StringValue: 'checkout' },
      status: { DataType: 'String', StringValue: 'open' },
      score: { DataType: 'Number', StringValue: '0.999' },
    });
    expect(JSON.parse(entry.message)).toEqual(event);
  });

  it('keeps a huge alert under the size limit and still valid', () => {
    // Prepare
    const features: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) features[`feature_${i}`] = i;
    const window = windowAt(0, 500, { dimensions: { service: 'x', blob: 'y'.repeat(300_000) } });
    const event = buildAlertEvent(
      window,
      500,
      { ...scored, features },
      { status: 'open', episodeId: 'ep', severity: 'high', score: 0.97 },
    );
    // Act
    const entry = toOutboxEntry(event, 1, 200 * 1024);
    // Assess
    expect(Buffer.byteLength(entry.message)).toBeLessThanOrEqual(200 * 1024);
    expect(validateEvent(JSON.parse(entry.message)).ok).toBe(true);
  });
});
