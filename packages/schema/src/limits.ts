import { ErrorCode, jsonPath, type ValidationIssue } from './errors.js';

/*
 * Structural limits every event must respect, whatever its type. They hold in the zod schemas
 * (schemas.ts), the hand-written validators (fast.ts, validate.ts) and the byte scanner (scan.ts,
 * which declines anything near them), so every decoder of every service rejects the same records
 * with the same code. docs/hostile-input.md gives the reasons for each number.
 */

/**
 * Deepest nesting of objects and arrays, counting the event itself as level 1 (`data` is 2, a
 * dimension map 3). DynamoDB stores at most 32 levels of nested maps and lists, and re-serialising
 * a value thousands of levels deep overflows the stack (`JSON.stringify` throws RangeError).
 */
export const MAX_DEPTH = 32;

/**
 * Most keys in any one object of an event (the envelope, `data`, `dimensions`, `attributes`, an
 * extension attribute's value). OpenSearch refuses an index mapping with more than 1,000 fields by
 * default, and a series with more than a thousand dimensions is a producer bug, not a series.
 */
export const MAX_OBJECT_KEYS = 1000;

/**
 * Keys that plain JavaScript objects treat specially: assigning `__proto__` replaces the
 * prototype (or is lost), and `constructor` / `prototype` shadow what code reading an object may
 * look up on it. Rejected anywhere in an event, also when a map key would become one after
 * normalisation trims it.
 */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * Whether every UTF-16 unit of `s` is part of a character: no lone surrogate (what a JSON `\ud800`
 * escape gives). A lone surrogate has no UTF-8 form: written to DynamoDB, OpenSearch or S3 it
 * becomes U+FFFD, so two different strings would become one.
 */
export function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Whether `key` (or `key` trimmed, as normalisation trims map keys) is a reserved key. */
export function isReservedKey(key: string): boolean {
  const n = key.length;
  // The reserved keys are 9 to 11 characters long; longer keys can only match once trimmed.
  if (n < 9) return false;
  if (n <= 11 && (key === '__proto__' || key === 'constructor' || key === 'prototype')) return true;
  const c0 = key.charCodeAt(0);
  const cn = key.charCodeAt(n - 1);
  if (c0 > 32 && c0 < 127 && cn > 32 && cn < 127) return false;
  const t = key.trim();
  return t === '__proto__' || t === 'constructor' || t === 'prototype';
}

/**
 * The first structural problem of `value` (the limits above, and a string or key that is not
 * well-formed Unicode), or `undefined`. Never throws.
 */
export function structureIssue(value: unknown): ValidationIssue | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return walk(value, 1, []);
}

/** Whether `value` respects every structural limit (`structureIssue` without the issue). */
export function structureOk(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return walkOk(value, 1);
}

// The walks recurse at most MAX_DEPTH levels, so the stack is never at risk; each key and value is
// visited once (linear in the size of the event).

function walkOk(o: object, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const v: unknown = o[i];
      if (typeof v === 'string') {
        if (!isWellFormed(v)) return false;
      } else if (typeof v === 'object' && v !== null && !walkOk(v, depth + 1)) return false;
    }
    return true;
  }
  let keys = 0;
  for (const k in o) {
    if (++keys > MAX_OBJECT_KEYS || isReservedKey(k) || !isWellFormed(k)) return false;
    const v: unknown = (o as Record<string, unknown>)[k];
    if (typeof v === 'string') {
      if (!isWellFormed(v)) return false;
    } else if (typeof v === 'object' && v !== null && !walkOk(v, depth + 1)) return false;
  }
  return true;
}

function walk(o: object, depth: number, path: PropertyKey[]): ValidationIssue | undefined {
  if (depth > MAX_DEPTH) {
    return {
      code: ErrorCode.TOO_DEEP,
      message: `nested deeper than ${MAX_DEPTH} levels`,
      path: jsonPath(path),
    };
  }
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const v: unknown = o[i];
      if (typeof v === 'string' && !isWellFormed(v)) return illFormed([...path, i]);
      if (typeof v === 'object' && v !== null) {
        path.push(i);
        const found = walk(v, depth + 1, path);
        path.pop();
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }
  let keys = 0;
  for (const k in o) {
    if (++keys > MAX_OBJECT_KEYS) {
      return {
        code: ErrorCode.TOO_MANY_KEYS,
        message: `object has more than ${MAX_OBJECT_KEYS} keys`,
        path: jsonPath(path),
      };
    }
    if (isReservedKey(k)) return reserved(k, path);
    if (!isWellFormed(k)) return illFormed(path);
    const v: unknown = (o as Record<string, unknown>)[k];
    if (typeof v === 'string' && !isWellFormed(v)) return illFormed([...path, k]);
    if (typeof v === 'object' && v !== null) {
      path.push(k);
      const found = walk(v, depth + 1, path);
      path.pop();
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function illFormed(path: PropertyKey[]): ValidationIssue {
  return {
    code: ErrorCode.INVALID_UNICODE,
    message: 'string with a lone surrogate (no UTF-8 form)',
    path: jsonPath(path),
  };
}

function reserved(key: string, path: PropertyKey[]): ValidationIssue {
  return {
    code: ErrorCode.RESERVED_KEY,
    message: `reserved key ${JSON.stringify(key.slice(0, 100))}`,
    path: jsonPath([...path, key]),
  };
}
