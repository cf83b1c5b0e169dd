import { ErrorCode, fail, type Result } from './errors.js';
import type { InputEvent, StreamlensEvent } from './events.js';
import { type ParseOptions, parseEventJson, parseInputEventJson } from './validate.js';

/**
 * Decodes standard base64 (what Kinesis and Firehose put in `data`). Node's decoder silently skips
 * characters outside the alphabet; a decoded length shorter than the text implies is how those are
 * caught here without a second pass over the string.
 */
export function decodeBase64(data: string): Result<Uint8Array> {
  if (typeof data !== 'string') return fail(ErrorCode.WRONG_TYPE, 'expected a base64 string');
  const n = data.length;
  if (n % 4 !== 0) return fail(ErrorCode.INVALID_BASE64, 'base64 length is not a multiple of 4');
  let pad = 0;
  if (n > 0 && data.charCodeAt(n - 1) === 61) pad = data.charCodeAt(n - 2) === 61 ? 2 : 1;
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length !== (n / 4) * 3 - pad) return fail(ErrorCode.INVALID_BASE64, 'invalid base64');
  return { ok: true, value: bytes };
}

/** Encodes bytes (or a string, as UTF-8) as standard base64. */
export function encodeBase64(data: Uint8Array | string): string {
  if (typeof data === 'string') return Buffer.from(data, 'utf8').toString('base64');
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** Kinesis/Firehose record `data` (base64 of one JSON event) → validated event. */
export function parseBase64EventJson(data: string, opts?: ParseOptions): Result<StreamlensEvent> {
  const bytes = decodeBase64(data);
  if (!bytes.ok) return bytes;
  return parseEventJson(bytes.value, opts);
}

/** Like `parseBase64EventJson`, for input events only. */
export function parseBase64InputEventJson(data: string, opts?: ParseOptions): Result<InputEvent> {
  const bytes = decodeBase64(data);
  if (!bytes.ok) return bytes;
  return parseInputEventJson(bytes.value, opts);
}

/**
 * Splits newline-delimited JSON (a Firehose S3 object) and validates each non-empty line; results
 * are in line order, one per non-empty line.
 */
export function parseNdjson(text: string, opts?: ParseOptions): Array<Result<StreamlensEvent>> {
  const out: Array<Result<StreamlensEvent>> = [];
  if (typeof text !== 'string') return [fail(ErrorCode.WRONG_TYPE, 'expected a string')];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    if (line.length > 0) out.push(parseEventJson(line, opts));
    start = end + 1;
  }
  return out;
}
