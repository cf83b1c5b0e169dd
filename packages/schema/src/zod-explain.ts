import type * as z from 'zod';
import { ErrorCode, jsonPath, type ValidationIssue } from './errors.js';

/*
 * The zod side of the explanations (internal, not exported from the package): zod's first issue
 * turned into a structured issue with a stable code. validate.ts uses it for what the hand-written
 * explanations (fast.ts) do not cover; the tests use it as the reference those must agree with.
 */

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** Turns the first zod issue into a structured issue with a stable code. */
function issueFromZod(root: unknown, issue: z.core.$ZodIssue): ValidationIssue {
  // A structural limit (schemas.ts `guarded`) carries its own issue.
  if (issue.code === 'custom' && issue.params?.streamlens !== undefined)
    return issue.params.streamlens as ValidationIssue;
  const path = jsonPath(issue.path);
  if (issue.code === 'invalid_type') {
    const actual = valueAt(root, issue.path);
    if (actual === undefined) {
      return {
        code: ErrorCode.MISSING_FIELD,
        message: `missing required field (expected ${issue.expected})`,
        path,
      };
    }
    if (issue.expected === 'number' && typeof actual === 'number') {
      return {
        code: ErrorCode.NON_FINITE_NUMBER,
        message: `expected a finite number, got ${actual}`,
        path,
      };
    }
    return { code: ErrorCode.WRONG_TYPE, message: issue.message, path };
  }
  return { code: ErrorCode.INVALID_VALUE, message: issue.message, path };
}

/**
 * The first issue zod finds in `value` against `schema`, as a `ValidationIssue`; `undefined` when
 * zod accepts the value.
 */
export function zodIssueOf(value: unknown, schema: z.ZodType): ValidationIssue | undefined {
  // The Standard Schema entry point reports issues without building a ZodError (and its stack
  // trace): half the cost of safeParse on a rejected record.
  const parsed = schema['~standard'].validate(value) as {
    issues?: readonly z.core.$ZodIssue[];
  };
  const first = parsed.issues?.[0];
  if (first === undefined) return undefined;
  return issueFromZod(value, first);
}
