import { LocalAwsError } from '../errors.js';

/** A message attribute as SNS carries it (`String`, `String.Array`, `Number`, `Binary`). */
export interface SnsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

/** A filter policy SNS would reject (`InvalidParameter` on Subscribe / SetSubscriptionAttributes). */
export class FilterPolicyError extends LocalAwsError {
  constructor(message: string) {
    super(message);
    this.name = 'FilterPolicyError';
  }
}

/** SNS allows at most 5 attribute keys in a MessageAttributes filter policy. */
export const MAX_FILTER_POLICY_KEYS = 5;

type Condition = string | number | boolean | null | Record<string, unknown>;
/** A parsed, validated filter policy: attribute name → conditions (OR'ed); keys are AND'ed. */
export type FilterPolicy = Readonly<Record<string, readonly Condition[]>>;

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'equals-ignore-case',
]);
const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);

/**
 * Parses and checks a MessageAttributes-scope filter policy as SNS does: a JSON object of arrays,
 * at most 5 keys, operators among exact string/number, prefix, suffix, anything-but, numeric
 * ranges, exists and equals-ignore-case. Throws FilterPolicyError on anything else.
 */
export function parseFilterPolicy(json: string): FilterPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new FilterPolicyError('FilterPolicy: failed to parse JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FilterPolicyError('FilterPolicy: must be a JSON object');
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_FILTER_POLICY_KEYS) {
    throw new FilterPolicyError(
      `FilterPolicy: Filter policy can not have more than ${MAX_FILTER_POLICY_KEYS} keys`,
    );
  }
  const policy: Record<string, Condition[]> = {};
  for (const [key, value] of entries) {
    if (!Array.isArray(value) || value.length === 0) {
      throw new FilterPolicyError(`FilterPolicy: "${key}" must be a non-empty array`);
    }
    for (const condition of value) checkCondition(key, condition);
    policy[key] = value as Condition[];
  }
  return policy;
}

function checkCondition(key: string, condition: unknown): void {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) return;
  if (typeof condition !== 'object' || Array.isArray(condition)) {
    throw new FilterPolicyError(`FilterPolicy: "${key}" has an invalid condition`);
  }
  const ops = Object.keys(condition as object);
  if (ops.length !== 1 || !OPERATORS.has(ops[0] as string)) {
    throw new FilterPolicyError(`FilterPolicy: "${key}" has an unrecognized operator ${ops[0]}`);
  }
  const [op] = ops as [string];
  const arg = (condition as Record<string, unknown>)[op];
  if (op === 'numeric') {
    if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0) {
      throw new FilterPolicyError(`FilterPolicy: "${key}" numeric needs operator/value pairs`);
    }
    for (let i = 0; i < arg.length; i += 2) {
      if (!NUMERIC_OPS.has(arg[i]) || typeof arg[i + 1] !== 'number') {
        throw new FilterPolicyError(`FilterPolicy: "${key}" numeric has a bad pair`);
      }
    }
  } else if (op === 'exists') {
    if (typeof arg !== 'boolean')
      throw new FilterPolicyError(`FilterPolicy: "${key}" exists needs a boolean`);
  } else if (op === 'prefix' || op === 'suffix' || op === 'equals-ignore-case') {
    if (typeof arg !== 'string')
      throw new FilterPolicyError(`FilterPolicy: "${key}" ${op} needs a string`);
  }
}

/** Values an attribute offers to matching: strings and/or one number. */
function valuesOf(attr: SnsMessageAttribute): { strings: string[]; numbers: number[] } {
  const value = attr.StringValue ?? '';
  if (attr.DataType.startsWith('Number')) {
    const n = Number(value);
    return { strings: [], numbers: Number.isFinite(n) ? [n] : [] };
  }
  if (attr.DataType.startsWith('String.Array')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) {
        return {
          strings: parsed.filter((v): v is string => typeof v === 'string'),
          numbers: parsed.filter((v): v is number => typeof v === 'number'),
        };
      }
    } catch {
      // A malformed array matches nothing, as in SNS.
    }
    return { strings: [], numbers: [] };
  }
  if (attr.DataType.startsWith('String')) return { strings: [value], numbers: [] };
  return { strings: [], numbers: [] }; // Binary attributes are ignored by filter policies.
}

function numericMatches(pairs: unknown[], n: number): boolean {
  for (let i = 0; i < pairs.length; i += 2) {
    const bound = pairs[i + 1] as number;
    const ok =
      pairs[i] === '='
        ? n === bound
        : pairs[i] === '<'
          ? n < bound
          : pairs[i] === '<='
            ? n <= bound
            : pairs[i] === '>'
              ? n > bound
              : n >= bound;
    if (!ok) return false;
  }
  return true;
}

function conditionMatches(condition: Condition, attr: SnsMessageAttribute | undefined): boolean {
  if (condition !== null && typeof condition === 'object') {
    const [op, arg] = Object.entries(condition)[0] as [string, unknown];
    if (op === 'exists') return (attr !== undefined) === arg;
    if (attr === undefined) return false;
    const { strings, numbers } = valuesOf(attr);
    switch (op) {
      case 'prefix':
        return strings.some((s) => s.startsWith(arg as string));
      case 'suffix':
        return strings.some((s) => s.endsWith(arg as string));
      case 'equals-ignore-case':
        return strings.some((s) => s.toLowerCase() === (arg as string).toLowerCase());
      case 'numeric':
        return numbers.some((n) => numericMatches(arg as unknown[], n));
      case 'anything-but': {
        if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
          const prefix = (arg as { prefix?: unknown }).prefix;
          return typeof prefix === 'string' && strings.some((s) => !s.startsWith(prefix));
        }
        const excluded = Array.isArray(arg) ? arg : [arg];
        if (strings.length > 0) return strings.some((s) => !excluded.includes(s));
        return numbers.some((n) => !excluded.includes(n));
      }
      default:
        return false;
    }
  }
  if (attr === undefined) return false;
  const { strings, numbers } = valuesOf(attr);
  if (typeof condition === 'string') return strings.includes(condition);
  if (typeof condition === 'number') return numbers.includes(condition);
  return false;
}

/**
 * Whether a message with these attributes passes the policy: every key of the policy must match
 * (AND), by any of its conditions (OR). A missing attribute matches only `{ exists: false }`.
 */
export function matchesFilterPolicy(
  policy: FilterPolicy,
  attributes: Readonly<Record<string, SnsMessageAttribute>>,
): boolean {
  for (const [key, conditions] of Object.entries(policy)) {
    const attr = attributes[key];
    if (!conditions.some((c) => conditionMatches(c, attr))) return false;
  }
  return true;
}
