import * as z from 'zod';

/**
 * The zod schemas are the source of truth for every registered type: the TypeScript types are
 * inferred from them, the JSON Schemas in `json-schema/` are generated from them, and the fast
 * validators in `validate.ts` are checked against them by a differential property test.
 *
 * The envelope is a loose object because CloudEvents allows extension attributes; `data` objects
 * are plain objects whose unknown fields are tolerated (and kept), so that a producer on a newer
 * minor version with an added optional field does not break older consumers.
 */

/** CloudEvents spec version this package reads and writes. */
export const SPEC_VERSION = '1.0' as const;

const nonEmpty = z.string().min(1);
/** RFC 3339 date-time with a mandatory `Z` or numeric offset (upper-case `T`, seconds required). */
export const rfc3339 = z.iso.datetime({ offset: true });
const stringMap = z.record(nonEmpty, z.string());

function envelope<TType extends string, TData extends z.ZodType>(type: TType, data: TData) {
  return z.looseObject({
    specversion: z.literal(SPEC_VERSION),
    id: nonEmpty,
    source: nonEmpty,
    type: z.literal(type),
    time: rfc3339,
    subject: nonEmpty.optional(),
    datacontenttype: nonEmpty.optional(),
    dataschema: nonEmpty.optional(),
    data,
  });
}

export const telemetryReadingDataSchema = z.object({
  metric: nonEmpty,
  value: z.number(),
  unit: nonEmpty.optional(),
  dimensions: stringMap.optional(),
});

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const appLogDataSchema = z.object({
  level: z.enum(LOG_LEVELS),
  message: z.string(),
  service: nonEmpty,
  traceId: nonEmpty.optional(),
  attributes: z.record(nonEmpty, z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const nonNegInt = z.number().int().nonnegative();

export const metricsWindowDataSchema = z.object({
  series: nonEmpty,
  kind: z.enum(['telemetry', 'log']),
  metric: nonEmpty,
  dimensions: stringMap,
  windowStart: rfc3339,
  windowEnd: rfc3339,
  windowSeconds: z.number().positive(),
  revision: nonNegInt,
  count: nonNegInt,
  sum: z.number(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  /** Serialised DDSketch; only `alpha` is fixed here, the aggregator owns the rest of its shape. */
  sketch: z.looseObject({ alpha: z.number().positive().lt(1) }).optional(),
  lateCount: nonNegInt.optional(),
  final: z.boolean(),
});

export const alertAnomalyDataSchema = z.object({
  series: nonEmpty,
  metric: nonEmpty,
  dimensions: stringMap,
  windowStart: rfc3339,
  windowEnd: rfc3339,
  status: z.enum(['open', 'recovered']),
  observed: z.number(),
  expectedLow: z.number(),
  expectedHigh: z.number(),
  score: z.number().min(0).max(1),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  explanation: z.string(),
  features: z.record(nonEmpty, z.number()).optional(),
  windowEventId: nonEmpty,
  episodeId: nonEmpty,
});

export const TELEMETRY_READING = 'telemetry.reading' as const;
export const APP_LOG = 'app.log' as const;
export const METRICS_WINDOW = 'metrics.window' as const;
export const ALERT_ANOMALY = 'alert.anomaly' as const;

export const telemetryReadingSchema = envelope(TELEMETRY_READING, telemetryReadingDataSchema);
export const appLogSchema = envelope(APP_LOG, appLogDataSchema);
export const metricsWindowSchema = envelope(METRICS_WINDOW, metricsWindowDataSchema);
export const alertAnomalySchema = envelope(ALERT_ANOMALY, alertAnomalyDataSchema);

/** A CloudEvents 1.0 event in structured mode. */
export interface CloudEvent<TType extends string, TData> {
  specversion: typeof SPEC_VERSION;
  id: string;
  source: string;
  type: TType;
  time: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data: TData;
  /** CloudEvents extension attributes are allowed and preserved. */
  [extension: string]: unknown;
}

export type TelemetryReadingData = z.infer<typeof telemetryReadingDataSchema>;
export type AppLogData = z.infer<typeof appLogDataSchema>;
export type MetricsWindowData = z.infer<typeof metricsWindowDataSchema>;
export type AlertAnomalyData = z.infer<typeof alertAnomalyDataSchema>;

export type TelemetryReading = CloudEvent<typeof TELEMETRY_READING, TelemetryReadingData>;
export type AppLog = CloudEvent<typeof APP_LOG, AppLogData>;
export type MetricsWindow = CloudEvent<typeof METRICS_WINDOW, MetricsWindowData>;
export type AlertAnomaly = CloudEvent<typeof ALERT_ANOMALY, AlertAnomalyData>;

export type InputEvent = TelemetryReading | AppLog;
export type StreamlensEvent = InputEvent | MetricsWindow | AlertAnomaly;
export type EventType = StreamlensEvent['type'];

/** A registered type: its current version and its zod schema (the envelope with its `data`). */
export interface EventTypeEntry {
  readonly type: EventType;
  readonly version: number;
  readonly input: boolean;
  readonly schema: z.ZodType;
  readonly dataSchema: z.ZodType;
}

/** The registry: type → version and zod schema. */
export const EVENT_TYPES = {
  [TELEMETRY_READING]: {
    type: TELEMETRY_READING,
    version: 1,
    input: true,
    schema: telemetryReadingSchema,
    dataSchema: telemetryReadingDataSchema,
  },
  [APP_LOG]: {
    type: APP_LOG,
    version: 1,
    input: true,
    schema: appLogSchema,
    dataSchema: appLogDataSchema,
  },
  [METRICS_WINDOW]: {
    type: METRICS_WINDOW,
    version: 1,
    input: false,
    schema: metricsWindowSchema,
    dataSchema: metricsWindowDataSchema,
  },
  [ALERT_ANOMALY]: {
    type: ALERT_ANOMALY,
    version: 1,
    input: false,
    schema: alertAnomalySchema,
    dataSchema: alertAnomalyDataSchema,
  },
} as const satisfies Record<EventType, EventTypeEntry>;

export const INPUT_EVENT_TYPES: readonly EventType[] = [TELEMETRY_READING, APP_LOG];
