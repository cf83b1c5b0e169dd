/**
 * Stable error codes: metrics and dashboards count rejected records by these strings, so a code is
 * never renamed or reused for another meaning (add new ones instead).
 */
export const ErrorCode = {
  INVALID_JSON: 'INVALID_JSON',
  NOT_AN_OBJECT: 'NOT_AN_OBJECT',
  MISSING_FIELD: 'MISSING_FIELD',
  WRONG_TYPE: 'WRONG_TYPE',
  INVALID_VALUE: 'INVALID_VALUE',
  NON_FINITE_NUMBER: 'NON_FINITE_NUMBER',
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  UNSUPPORTED_SPECVERSION: 'UNSUPPORTED_SPECVERSION',
  OVERSIZE: 'OVERSIZE',
  INVALID_BASE64: 'INVALID_BASE64',
  INVALID_GZIP: 'INVALID_GZIP',
  INVALID_CLOUDWATCH_LOGS: 'INVALID_CLOUDWATCH_LOGS',
  KPL_MALFORMED: 'KPL_MALFORMED',
  KPL_CHECKSUM_MISMATCH: 'KPL_CHECKSUM_MISMATCH',
  /** An object key that JavaScript objects treat specially (`__proto__`, `constructor`, `prototype`). */
  RESERVED_KEY: 'RESERVED_KEY',
  /** Objects and arrays nested deeper than `MAX_DEPTH`. */
  TOO_DEEP: 'TOO_DEEP',
  /** An object with more than `MAX_OBJECT_KEYS` keys. */
  TOO_MANY_KEYS: 'TOO_MANY_KEYS',
  /** Record bytes that are not valid UTF-8, or a key string that is not well-formed UTF-16. */
  INVALID_UNICODE: 'INVALID_UNICODE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What went wrong, where (a JSON path such as `$.data.value`), and a stable code to count by. */
export interface ValidationIssue {
  code: ErrorCode;
  message: string;
  path: string;
}

/** The outcome of every decoder and validator of this package: they never throw on bad data. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ValidationIssue };

/** Builds a successful result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Builds a failed result. */
export function fail<T = never>(code: ErrorCode, message: string, path = '$'): Result<T> {
  return { ok: false, error: { code, message, path } };
}

/** Base class of the errors this package throws (only for programmer errors, never for bad data). */
export class SchemaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SchemaError';
  }
}

/** Thrown by `aggregate`/`KplAggregator` when given something that cannot be a KPL user record. */
export class KplEncodeError extends SchemaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KplEncodeError';
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats a path (as zod reports it) as a JSON path: `$.data.dimensions["a.b"]`, `$.items[0]`. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string' && IDENT.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}
