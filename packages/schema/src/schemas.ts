import * as z from 'zod';
import { isEventTime } from './datetime.js';
import {
  ALERT_ANOMALY,
  APP_LOG,
  type EventType,
  LOG_LEVELS,
  METRICS_WINDOW,
  SPEC_VERSION,
  TELEMETRY_READING,
} from './events.js';
import { TIME_MESSAGE, VALUE_RANGE_MESSAGE } from './explain.js';
import { structureIssue } from './limits.js';

/**
 * The zod schemas are the source of truth for every registered type: the TypeScript types in
 * `events.ts` are inferred from them, the JSON Schemas in `json-schema/` are generated from them,
 * and the hand-written validators (`fast.ts`) and explanations (`explain.ts`) that run in the
 * Lambdas are checked against them by differential property tests.
 *
 * Nothing on the runtime path imports this module: zod costs ~100 KiB of bundle and tens of
 * milliseconds of cold start, so with `"sideEffects": false` esbuild leaves it (and zod) out of
 * every function that only validates.
 *
 * The envelope is a loose object because CloudEvents allows extension attributes; `data` objects
 * are plain objects whose unknown fields are tolerated (and kept), so that a producer on a newer
 * minor version with an added optional field does not break older consumers.
 */

const nonEmpty = z.string().min(1);
/**
 * RFC 3339 date-time with a mandatory `Z` or numeric offset (upper-case `T`, seconds required),
 * whose instant lies in the years 0000–9999 in UTC (datetime.ts `isEventTime`).
 */
export const rfc3339 = z.iso
  .datetime({ offset: true })
  .refine(isEventTime, { message: TIME_MESSAGE, abort: true });
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

/**
 * A reading's value: a finite number within ±(2^53 − 1). Beyond that a double no longer holds
 * every integer, so a value such as 12345678901234567890 would be stored, summed and indexed as a
 * different number than the one sent; it is rejected instead of rounded silently.
 */
const readingValue = z
  .number()
  .refine((n) => Math.abs(n) <= Number.MAX_SAFE_INTEGER, { message: VALUE_RANGE_MESSAGE });

export const telemetryReadingDataSchema = z.object({
  metric: nonEmpty,
  value: readingValue,
  unit: nonEmpty.optional(),
  dimensions: stringMap.optional(),
});

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
  /**
   * A declarative query's window (the stream-aggregator's query file): the query's name. Absent
   * on the built-in per-series windows. `series` is then derived from the name and `group`.
   */
  query: nonEmpty.optional(),
  /** The query's group: each grouped field (`dimensions.region`, `metric`, ...) and its value. */
  group: stringMap.optional(),
  /** The query's numeric outputs by name (`count`, `p95`, `hosts`, ...). */
  aggregates: z.record(nonEmpty, z.number()).optional(),
  /** The query's top-k outputs by name: the values and their counts, largest first. */
  top: z.record(nonEmpty, z.array(z.object({ value: z.string(), count: nonNegInt }))).optional(),
  /** The window no longer exists, or no longer passes the query's HAVING: drop what was kept. */
  retracted: z.boolean().optional(),
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

/**
 * The structural limits of limits.ts (reserved keys, nesting, keys per object), checked on the raw
 * value before the envelope: `z.record` silently drops a `__proto__` key, so checking after it
 * would be too late. The issue carries the package's own code (zod-explain.ts reads it).
 */
function guarded<T extends z.ZodType>(schema: T) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      const found = structureIssue(value);
      if (found !== undefined)
        ctx.addIssue({ code: 'custom', message: found.message, params: { streamlens: found } });
    })
    .pipe(schema);
}

const telemetryReadingEnvelope = envelope(TELEMETRY_READING, telemetryReadingDataSchema);
const appLogEnvelope = envelope(APP_LOG, appLogDataSchema);
const metricsWindowEnvelope = envelope(METRICS_WINDOW, metricsWindowDataSchema);
const alertAnomalyEnvelope = envelope(ALERT_ANOMALY, alertAnomalyDataSchema);

export const telemetryReadingSchema = guarded(telemetryReadingEnvelope);
export const appLogSchema = guarded(appLogEnvelope);
export const metricsWindowSchema = guarded(metricsWindowEnvelope);
export const alertAnomalySchema = guarded(alertAnomalyEnvelope);

/** A registered type: its current version and its zod schema (the envelope with its `data`). */
export interface EventTypeEntry {
  readonly type: EventType;
  readonly version: number;
  readonly input: boolean;
  readonly schema: z.ZodType;
  /** The envelope without the structural limits (what a JSON Schema can express). */
  readonly envelope: z.ZodType;
  readonly dataSchema: z.ZodType;
}

/** The registry: type → version and zod schema. */
export const EVENT_TYPES = {
  [TELEMETRY_READING]: {
    type: TELEMETRY_READING,
    version: 1,
    input: true,
    schema: telemetryReadingSchema,
    envelope: telemetryReadingEnvelope,
    dataSchema: telemetryReadingDataSchema,
  },
  [APP_LOG]: {
    type: APP_LOG,
    version: 1,
    input: true,
    schema: appLogSchema,
    envelope: appLogEnvelope,
    dataSchema: appLogDataSchema,
  },
  [METRICS_WINDOW]: {
    type: METRICS_WINDOW,
    version: 1,
    input: false,
    schema: metricsWindowSchema,
    envelope: metricsWindowEnvelope,
    dataSchema: metricsWindowDataSchema,
  },
  [ALERT_ANOMALY]: {
    type: ALERT_ANOMALY,
    version: 1,
    input: false,
    schema: alertAnomalySchema,
    envelope: alertAnomalyEnvelope,
    dataSchema: alertAnomalyDataSchema,
  },
} as const satisfies Record<EventType, EventTypeEntry>;
