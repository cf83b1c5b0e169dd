import { gunzipSync } from 'node:zlib';
import { ErrorCode, fail, type Result } from './errors.js';
import { type AppLog, LOG_LEVELS, type LogLevel } from './events.js';

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

// Timestamps whose ISO form has a four-digit year (what RFC 3339 and the event schema accept).
const MIN_TS = -62167219200000;
const MAX_TS = 253402300799999;
const isTs = (t: unknown): t is number => typeof t === 'number' && t >= MIN_TS && t <= MAX_TS;

function shapeError(message: string, path: string): Result<never> {
  return fail(ErrorCode.INVALID_CLOUDWATCH_LOGS, message, path);
}

/** Checks the decoded JSON has the shape of a subscription payload. */
export function checkCloudWatchLogs(v: unknown): Result<CloudWatchLogsPayload> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return shapeError('expected a JSON object', '$');
  const p = v as Record<string, unknown>;
  if (p.messageType !== 'DATA_MESSAGE' && p.messageType !== 'CONTROL_MESSAGE') {
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
  }
  return {
    ok: true,
    value: { ...(p as unknown as CloudWatchLogsPayload), subscriptionFilters: filters },
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
