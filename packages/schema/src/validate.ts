import { isUtf8 } from 'node:buffer';
import { ErrorCode, fail, type Result } from './errors.js';
import { type InputEvent, isEventType, SPEC_VERSION, type StreamlensEvent } from './events.js';
import { explainEvent } from './explain.js';
import {
  explainAppLog,
  explainTelemetryReading,
  fastAlertAnomaly,
  fastAppLog,
  fastMetricsWindow,
  fastTelemetryReading,
} from './fast.js';
import { structureIssue } from './limits.js';

/** Default `maxBytes` of the parsers: the largest Kinesis record (1 MiB). */
export const DEFAULT_MAX_EVENT_BYTES = 1_048_576;

export interface ParseOptions {
  /** Records longer than this (UTF-8 bytes) are rejected with OVERSIZE before parsing. */
  maxBytes?: number;
}

const INPUT_TYPES = new Set<unknown>(['telemetry.reading', 'app.log']);

/** The slow path: explains why `value` is not a valid event of the allowed types. */
function explain<T>(value: unknown, allowed: (t: unknown) => boolean): Result<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(
      ErrorCode.NOT_AN_OBJECT,
      `expected a JSON object, got ${Array.isArray(value) ? 'array' : typeof value}`,
    );
  }
  // The structural limits come first, in every validator (limits.ts): reserved keys, nesting and
  // map sizes are checked before any field is read.
  const structural = structureIssue(value);
  if (structural !== undefined) return { ok: false, error: structural };
  const e = value as Record<string, unknown>;
  if (e.specversion === undefined)
    return fail(ErrorCode.MISSING_FIELD, 'missing required field', '$.specversion');
  if (e.specversion !== SPEC_VERSION) {
    return fail(
      ErrorCode.UNSUPPORTED_SPECVERSION,
      `unsupported CloudEvents specversion ${JSON.stringify(e.specversion)} (expected "1.0")`,
      '$.specversion',
    );
  }
  if (e.type === undefined)
    return fail(ErrorCode.MISSING_FIELD, 'missing required field', '$.type');
  if (typeof e.type !== 'string') return fail(ErrorCode.WRONG_TYPE, 'expected a string', '$.type');
  if (!isEventType(e.type) || !allowed(e.type)) {
    return fail(
      ErrorCode.UNKNOWN_TYPE,
      `unknown event type ${JSON.stringify(e.type.slice(0, 100))}`,
      '$.type',
    );
  }
  // The common failures of the input types have a tuned explanation (fast.ts); explain.ts, which
  // mirrors the zod schemas without loading zod, explains the rest.
  const quick =
    e.type === 'telemetry.reading'
      ? explainTelemetryReading(e)
      : e.type === 'app.log'
        ? explainAppLog(e)
        : undefined;
  if (quick !== undefined) return { ok: false, error: quick };
  const found = explainEvent(value, e.type);
  // Only undefined if the fast validator and the explanation disagree (the differential tests
  // against zod guard both): the explanation mirrors zod field by field, so accept.
  if (found === undefined) return { ok: true, value: value as T };
  return { ok: false, error: found };
}

const anyType = (): boolean => true;
const inputType = (t: unknown): boolean => INPUT_TYPES.has(t);

// Direct dispatch (no lookup table) keeps these call sites monomorphic and inlinable.
function fastAcceptsAny(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  switch ((value as { type?: unknown }).type) {
    case 'telemetry.reading':
      return fastTelemetryReading(value);
    case 'app.log':
      return fastAppLog(value);
    case 'metrics.window':
      return fastMetricsWindow(value);
    case 'alert.anomaly':
      return fastAlertAnomaly(value);
    default:
      return false;
  }
}

function fastAcceptsInput(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const t = (value as { type?: unknown }).type;
  if (t === 'telemetry.reading') return fastTelemetryReading(value);
  if (t === 'app.log') return fastAppLog(value);
  return false;
}

/**
 * Validates any registered event (inputs and outputs). Never throws; the accepted value is the
 * input object itself (not a copy), typed.
 *
 * @example
 * const r = validateEvent(JSON.parse(text));
 * if (!r.ok) metrics.addMetric(`rejected.${r.error.code}`, 'Count', 1);
 */
export function validateEvent(value: unknown): Result<StreamlensEvent> {
  if (fastAcceptsAny(value)) return { ok: true, value: value as StreamlensEvent };
  return explain(value, anyType);
}

/** Validates an input event (`telemetry.reading` or `app.log`); other types are UNKNOWN_TYPE. */
export function validateInputEvent(value: unknown): Result<InputEvent> {
  if (fastAcceptsInput(value)) return { ok: true, value: value as InputEvent };
  return explain(value, inputType);
}

function decodeText(bytes: Uint8Array | string, maxBytes: number): Result<string> {
  if (typeof bytes === 'string') {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; only count exactly when that bound is over the limit.
    if (bytes.length * 3 > maxBytes && Buffer.byteLength(bytes, 'utf8') > maxBytes) {
      return fail(ErrorCode.OVERSIZE, `record is over ${maxBytes} bytes`);
    }
    return { ok: true, value: bytes };
  }
  if (!(bytes instanceof Uint8Array))
    return fail(ErrorCode.WRONG_TYPE, 'expected bytes or a string');
  if (bytes.byteLength > maxBytes) {
    return fail(ErrorCode.OVERSIZE, `record is ${bytes.byteLength} bytes, over ${maxBytes}`);
  }
  // A Buffer (what the base64 decoders return) is read in place; other views get a Buffer view.
  const view =
    bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Decoding would turn invalid sequences into U+FFFD: records differing only there would become
  // one event (RFC 8259 §8.1: JSON exchanged between systems is UTF-8).
  if (!isUtf8(view)) return fail(ErrorCode.INVALID_UNICODE, 'record is not valid UTF-8');
  return { ok: true, value: view.toString('utf8') };
}

function parseJson(text: string): Result<unknown> {
  // Only the SyntaxError's message is used: capturing its stack trace (10 frames by default) would
  // roughly double the cost of a malformed record (firehose-transform measured ~9 µs -> ~5 µs).
  // The caller's limit is restored in `finally`, whatever JSON.parse does.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return fail(ErrorCode.INVALID_JSON, err instanceof Error ? err.message : 'invalid JSON');
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * Parses and validates one JSON-encoded event (UTF-8 bytes or a string). The hot path of every
 * consumer: one `JSON.parse` plus a hand-written check (no zod at run time).
 */
export function parseEventJson(
  bytes: Uint8Array | string,
  opts?: ParseOptions,
): Result<StreamlensEvent> {
  const text = decodeText(bytes, opts?.maxBytes ?? DEFAULT_MAX_EVENT_BYTES);
  if (!text.ok) return text;
  const json = parseJson(text.value);
  if (!json.ok) return json;
  return validateEvent(json.value);
}

/** Like `parseEventJson`, but accepts only input events (`telemetry.reading`, `app.log`). */
export function parseInputEventJson(
  bytes: Uint8Array | string,
  opts?: ParseOptions,
): Result<InputEvent> {
  const text = decodeText(bytes, opts?.maxBytes ?? DEFAULT_MAX_EVENT_BYTES);
  if (!text.ok) return text;
  const json = parseJson(text.value);
  if (!json.ok) return json;
  return validateInputEvent(json.value);
}
