import type { AlertAnomaly, AppLog, MetricsWindow, TelemetryReading } from '../events.js';
import { seriesKey } from '../series.js';

/**
 * Factories of valid events for tests (exported as `@streamlens/schema/testing`). Each takes
 * overrides: top-level fields replace, `data` fields merge into the default data.
 */

type Overrides<E extends { data: unknown }> = Partial<Omit<E, 'data'>> & {
  data?: Partial<E['data']>;
};

let counter = 0;
function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter.toString().padStart(6, '0')}`;
}

/** A valid `telemetry.reading`. */
export function telemetryReading(overrides: Overrides<TelemetryReading> = {}): TelemetryReading {
  const { data, ...rest } = overrides;
  return {
    specversion: '1.0',
    id: nextId('tr'),
    source: 'streamlens/test',
    type: 'telemetry.reading',
    time: '2026-01-01T00:00:00.000Z',
    ...rest,
    data: {
      metric: 'cpu.utilization',
      value: 42.5,
      unit: 'Percent',
      dimensions: { host: 'web-1', region: 'eu-west-1' },
      ...data,
    },
  } as TelemetryReading;
}

/** A valid `app.log`. */
export function appLog(overrides: Overrides<AppLog> = {}): AppLog {
  const { data, ...rest } = overrides;
  return {
    specversion: '1.0',
    id: nextId('log'),
    source: 'streamlens/test',
    type: 'app.log',
    time: '2026-01-01T00:00:00.000Z',
    ...rest,
    data: { level: 'INFO', message: 'request served', service: 'checkout', ...data },
  } as AppLog;
}

/** A valid `metrics.window`. */
export function metricsWindow(overrides: Overrides<MetricsWindow> = {}): MetricsWindow {
  const { data, ...rest } = overrides;
  const dimensions = { host: 'web-1' };
  const series = seriesKey('cpu.utilization', dimensions);
  const windowStart = '2026-01-01T00:00:00.000Z';
  return {
    specversion: '1.0',
    id: `${series}|${windowStart}|r0`,
    source: 'streamlens/stream-aggregator',
    type: 'metrics.window',
    time: '2026-01-01T00:01:00.000Z',
    subject: series,
    ...rest,
    data: {
      series,
      kind: 'telemetry',
      metric: 'cpu.utilization',
      dimensions,
      windowStart,
      windowEnd: '2026-01-01T00:01:00.000Z',
      windowSeconds: 60,
      revision: 0,
      count: 3,
      sum: 30,
      min: 5,
      max: 15,
      mean: 10,
      p50: 10,
      p90: 15,
      p99: 15,
      final: false,
      ...data,
    },
  } as MetricsWindow;
}

/** A valid `alert.anomaly`. */
export function alertAnomaly(overrides: Overrides<AlertAnomaly> = {}): AlertAnomaly {
  const { data, ...rest } = overrides;
  const dimensions = { host: 'web-1' };
  const series = seriesKey('cpu.utilization', dimensions);
  return {
    specversion: '1.0',
    id: nextId('alert'),
    source: 'streamlens/anomaly-alerts',
    type: 'alert.anomaly',
    time: '2026-01-01T00:01:00.000Z',
    subject: series,
    ...rest,
    data: {
      series,
      metric: 'cpu.utilization',
      dimensions,
      windowStart: '2026-01-01T00:00:00.000Z',
      windowEnd: '2026-01-01T00:01:00.000Z',
      status: 'open',
      observed: 97,
      expectedLow: 20,
      expectedHigh: 60,
      score: 0.93,
      severity: 'high',
      explanation: 'cpu.utilization 97 is above the expected band 20–60',
      windowEventId: `${series}|2026-01-01T00:00:00.000Z|r0`,
      episodeId: `${series}|2026-01-01T00:00:00.000Z`,
      ...data,
    },
  } as AlertAnomaly;
}

/** The kinds of invalid input the workloads mix in, each with the error code it must produce. */
export const INVALID_SAMPLES = {
  INVALID_JSON: '{"specversion":"1.0",',
  NOT_AN_OBJECT: '[1,2,3]',
  MISSING_FIELD: JSON.stringify({ ...telemetryReading({ id: 'x' }), data: { metric: 'cpu' } }),
  WRONG_TYPE: JSON.stringify(
    telemetryReading({ id: 'x', data: { value: '42' as unknown as number } }),
  ),
  NON_FINITE_NUMBER: telemetryReading({ id: 'x', data: { value: Number.POSITIVE_INFINITY } }),
  UNKNOWN_TYPE: JSON.stringify({ ...telemetryReading({ id: 'x' }), type: 'telemetry.unknown' }),
  UNSUPPORTED_SPECVERSION: JSON.stringify({ ...telemetryReading({ id: 'x' }), specversion: '0.3' }),
  INVALID_VALUE: JSON.stringify(telemetryReading({ id: 'x', time: 'yesterday' })),
} as const;

/** Encodes an event (or raw text) as a base64 Kinesis/Firehose `data` string. */
export function toBase64Data(eventOrText: unknown): string {
  const text = typeof eventOrText === 'string' ? eventOrText : JSON.stringify(eventOrText);
  return Buffer.from(text, 'utf8').toString('base64');
}
