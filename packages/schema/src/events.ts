import type * as z from 'zod';
import type {
  alertAnomalyDataSchema,
  appLogDataSchema,
  metricsWindowDataSchema,
  telemetryReadingDataSchema,
} from './schemas.js';

/*
 * The event types and the constants the runtime needs, without zod: the types are inferred from
 * the zod schemas in `schemas.ts` (type-only imports, erased from bundles), so the schemas stay
 * the single source of truth while a Lambda that only validates never loads zod.
 */

/** CloudEvents spec version this package reads and writes. */
export const SPEC_VERSION = '1.0' as const;

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const TELEMETRY_READING = 'telemetry.reading' as const;
export const APP_LOG = 'app.log' as const;
export const METRICS_WINDOW = 'metrics.window' as const;
export const ALERT_ANOMALY = 'alert.anomaly' as const;

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

/** Every registered type with its current version (the zod-free half of `EVENT_TYPES`). */
export const EVENT_TYPE_VERSIONS = {
  [TELEMETRY_READING]: 1,
  [APP_LOG]: 1,
  [METRICS_WINDOW]: 1,
  [ALERT_ANOMALY]: 1,
} as const satisfies Record<EventType, number>;

/** Whether `type` names a registered event type. */
export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && Object.hasOwn(EVENT_TYPE_VERSIONS, type);
}

export const INPUT_EVENT_TYPES: readonly EventType[] = [TELEMETRY_READING, APP_LOG];
