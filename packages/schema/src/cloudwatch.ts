import { gunzipSync } from 'node:zlib';
import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS } from './datetime.js';
import { ErrorCode, fail, type Result, type ValidationIssue } from './errors.js';
import { type AppLog, LOG_LEVELS, type LogLevel } from './events.js';
import { validateInputEvent } from './validate.js';

/** A CloudWatch Logs subscription payload (after gunzip). */
export interface CloudWatchLogsPayload {
  messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: CloudWatchLogEvent[];
}

export interface CloudWatchLogEvent {
  id: string;
  timestamp: number;
  message: string;
}

/** Default cap on the decompressed size, so a gzip bomb cannot exhaust the function's memory. */
export const DEFAULT_MAX_CLOUDWATCH_BYTES = 64 * 1024 * 1024;

/** True if the bytes start with the gzip magic number (1F 8B). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

// Timestamps whose ISO form has a four-digit year (what the event schema accepts).
const isTs = (t: unknown): t is number =>
  typeof t === 'number' && t >= MIN_EVENT_TIME_MS && t <= MAX_EVENT_TIME_MS;

function shapeError(message: string, path: string): Result<never> {
  return fail(ErrorCode.INVALID_CLOUDWATCH_LOGS, message, path);
}

/** Checks the decoded JSON has the shape of a subscription payload. */
export function checkCloudWatchLogs(v: unknown): Result<CloudWatchLogsPayload> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return shapeError('expected a JSON object', '$');
  const p = v as Record<string, unknown>;
  if (p.messageType === 'CONTROL_MESSAGE') {
    // CloudWatch Logs checks that it can reach the destination with these: it sends them with an
    // empty logGroup, logStream and log event id, and nothing in them is data. Whatever else they
    // hold, they are recognised by their type alone (and dropped by every consumer).
    return {
      ok: true,
      value: {
        messageType: 'CONTROL_MESSAGE',
        owner: typeof p.owner === 'string' ? p.owner : '',
        logGroup: typeof p.logGroup === 'string' ? p.logGroup : '',
        logStream: typeof p.logStream === 'string' ? p.logStream : '',
        subscriptionFilters: [],
        logEvents: [],
      },
    };
  }
  if (p.messageType !== 'DATA_MESSAGE') {
    return shapeError('messageType must be DATA_MESSAGE or CONTROL_MESSAGE', '$.messageType');
  }
  for (const k of ['owner', 'logGroup', 'logStream'] as const) {
    if (typeof p[k] !== 'string') return shapeError('expected a string', `$.${k}`);
  }
  const filters = p.subscriptionFilters ?? [];
  if (!Array.isArray(filters) || !filters.every((f) => typeof f === 'string')) {
    return shapeError('expected an array of strings', '$.subscriptionFilters');
  }
  if (!Array.isArray(p.logEvents)) return shapeError('expected an array', '$.logEvents');
  // Only the documented fields are kept: whatever else a payload holds (nested as deep as it
  // likes) is never carried along or re-serialised.
  const logEvents = new Array<CloudWatchLogEvent>(p.logEvents.length);
  for (let i = 0; i < p.logEvents.length; i++) {
    const e = p.logEvents[i] as Record<string, unknown> | null;
    const at = `$.logEvents[${i}]`;
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      return shapeError('expected an object', at);
    if (typeof e.id !== 'string' || e.id.length === 0)
      return shapeError('expected a non-empty string', `${at}.id`);
    if (!isTs(e.timestamp)) {
      return shapeError('expected a timestamp in epoch milliseconds', `${at}.timestamp`);
    }
    if (typeof e.message !== 'string') return shapeError('expected a string', `${at}.message`);
    logEvents[i] = { id: e.id, timestamp: e.timestamp, message: e.message };
  }
  return {
    ok: true,
    value: {
      messageType: 'DATA_MESSAGE',
      owner: p.owner as string,
      logGroup: p.logGroup as string,
      logStream: p.logStream as string,
      subscriptionFilters: filters as string[],
      logEvents,
    },
  };
}

/**
 * Decodes a CloudWatch Logs subscription record: gunzip, JSON, shape check. Never throws.
 *
 * @example
 * const r = decodeCloudWatchLogs(bytes);
 * if (r.ok && r.value.messageType === 'DATA_MESSAGE') r.value.logEvents.map((e) => logEventToAppLog(r.value, e));
 */
export function decodeCloudWatchLogs(
  bytes: Uint8Array,
  opts?: { maxBytes?: number },
): Result<CloudWatchLogsPayload> {
  if (!isGzip(bytes)) return fail(ErrorCode.INVALID_GZIP, 'not gzip data (missing 1F 8B header)');
  let text: string;
  try {
    text = gunzipSync(bytes, {
      maxOutputLength: opts?.maxBytes ?? DEFAULT_MAX_CLOUDWATCH_BYTES,
    }).toString('utf8');
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return fail(ErrorCode.OVERSIZE, 'decompressed payload over the size limit');
    }
    return fail(ErrorCode.INVALID_GZIP, err instanceof Error ? err.message : 'invalid gzip');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail(ErrorCode.INVALID_JSON, err instanceof Error ? err.message : 'invalid JSON');
  }
  return checkCloudWatchLogs(json);
}

export interface LogEventToAppLogOptions {
  /** `service` of the AppLog (default: the Lambda function name of `/aws/lambda/<name>`, else the log group). */
  service?: string;
  /** Level when none can be read from the message (default INFO). */
  defaultLevel?: LogLevel;
  /** CloudEvents `source` (default `aws:logs:<logGroup>`). */
  source?: string;
}

const LEVEL_WORD = /\b(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\b/i;
const LEVEL_ALIASES: Record<string, LogLevel> = {
  TRACE: 'DEBUG',
  WARNING: 'WARN',
  CRITICAL: 'FATAL',
};

function toLevel(word: unknown): LogLevel | undefined {
  if (typeof word !== 'string') return undefined;
  const up = word.toUpperCase();
  if ((LOG_LEVELS as readonly string[]).includes(up)) return up as LogLevel;
  return LEVEL_ALIASES[up];
}

/** Reads the level from a JSON log line's `level` field, else from the first level word in its head. */
function levelOf(message: string): LogLevel | undefined {
  if (message.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(message);
      if (typeof parsed === 'object' && parsed !== null) {
        const l = toLevel((parsed as Record<string, unknown>).level);
        if (l !== undefined) return l;
      }
    } catch {
      // not JSON after all: fall through to the word scan
    }
  }
  const m = LEVEL_WORD.exec(message.slice(0, 200));
  return m ? toLevel(m[1]) : undefined;
}

function serviceOf(logGroup: string): string {
  const name = logGroup.startsWith('/aws/lambda/')
    ? logGroup.slice('/aws/lambda/'.length)
    : logGroup;
  return name.length > 0 ? name : 'unknown';
}

/**
 * One CloudWatch log event as an `app.log` CloudEvent. The id is `cwl-<log event id>` (CloudWatch
 * gives each log event a unique id), so re-delivered payloads map to the same event id.
 */
export function logEventToAppLog(
  payload: CloudWatchLogsPayload,
  logEvent: CloudWatchLogEvent,
  opts?: LogEventToAppLogOptions,
): AppLog {
  const ts = isTs(logEvent.timestamp) ? logEvent.timestamp : 0;
  const group = payload.logGroup || 'unknown';
  return {
    specversion: '1.0',
    id: `cwl-${logEvent.id}`,
    source: opts?.source ?? `aws:logs:${group}`,
    type: 'app.log',
    time: new Date(ts).toISOString(),
    ...(payload.logStream ? { subject: payload.logStream } : {}),
    data: {
      level: levelOf(logEvent.message) ?? opts?.defaultLevel ?? 'INFO',
      message: logEvent.message,
      service: opts?.service ?? serviceOf(group),
      attributes: { logGroup: group, logStream: payload.logStream, owner: payload.owner },
    },
  };
}

/** A CloudWatch Logs subscription record, decoded for the pipeline (see `decodeCloudWatchLogsRecord`). */
export type CloudWatchLogsRecord =
  /** A CONTROL_MESSAGE: nothing to process, consumers drop it. */
  | { kind: 'control' }
  /**
   * A DATA_MESSAGE: one result per log event, in order. Each valid one is an `app.log` event ready
   * for the consumer (validated like any other input event); an invalid one is its own failure.
   */
  | { kind: 'data'; payload: CloudWatchLogsPayload; events: Array<Result<AppLog>> };

/**
 * The shared decoder of CloudWatch Logs subscription records (gzip JSON, as a subscription to a
 * Kinesis stream or Firehose delivers them): every consumer of the `events` stream calls it for a
 * record that starts with the gzip magic, so log lines are decoded, identified and validated the
 * same way in the Firehose transform, the indexers and the aggregator. Never throws.
 *
 * @example
 * if (isGzip(bytes)) {
 *   const r = decodeCloudWatchLogsRecord(bytes);
 *   if (!r.ok) quarantine(r.error);
 *   else if (r.value.kind === 'data') for (const e of r.value.events) if (e.ok) index(e.value);
 * }
 */
export function decodeCloudWatchLogsRecord(
  bytes: Uint8Array,
  opts?: { maxBytes?: number } & LogEventToAppLogOptions,
): Result<CloudWatchLogsRecord> {
  const decoded = decodeCloudWatchLogs(bytes, opts);
  if (!decoded.ok) return decoded;
  const payload = decoded.value;
  if (payload.messageType === 'CONTROL_MESSAGE') return { ok: true, value: { kind: 'control' } };
  const events = new Array<Result<AppLog>>(payload.logEvents.length);
  for (let i = 0; i < payload.logEvents.length; i++) {
    const valid = validateInputEvent(logEventToAppLog(payload, payload.logEvents[i]!, opts));
    events[i] = valid.ok
      ? (valid as Result<AppLog>)
      : { ok: false, error: inLogEvent(i, valid.error) };
  }
  return { ok: true, value: { kind: 'data', payload, events } };
}

function inLogEvent(i: number, e: ValidationIssue): ValidationIssue {
  return { code: e.code, message: `logEvents[${i}]: ${e.message}`, path: `$.logEvents[${i}]` };
}
