import { ConfigError } from './errors.js';

// Read through a function so that tests can change process.env between calls; values are not
// cached because handlers read their configuration once, at module scope.
function raw(name: string): string | undefined {
  const value = process.env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The value of a required environment variable; throws a `ConfigError` naming it when it is unset
 * or blank, so that a misconfigured function fails at cold start instead of on the first record.
 *
 * @example const table = requireEnv('EVENTS_TABLE_NAME');
 */
export function requireEnv(name: string): string {
  const value = raw(name);
  if (value === undefined) {
    throw new ConfigError(name, `Environment variable ${name} is required but is not set`);
  }
  return value;
}

/** A string variable, or `defaultValue` when unset or blank. */
export function envString(name: string, defaultValue: string): string {
  return raw(name) ?? defaultValue;
}

/** Bounds for numeric getters (inclusive). */
export interface NumberBounds {
  min?: number;
  max?: number;
}

function checkBounds(name: string, value: number, bounds: NumberBounds | undefined): number {
  if (bounds?.min !== undefined && value < bounds.min) {
    throw new ConfigError(
      name,
      `Environment variable ${name}=${value} is below the minimum ${bounds.min}`,
    );
  }
  if (bounds?.max !== undefined && value > bounds.max) {
    throw new ConfigError(
      name,
      `Environment variable ${name}=${value} is above the maximum ${bounds.max}`,
    );
  }
  return value;
}

/**
 * An integer variable (decimal digits, optional sign), or `defaultValue` when unset. Values such as
 * `12abc`, `1.5` or `1e3` are rejected rather than truncated.
 *
 * @example const batch = envInt('BATCH_SIZE', 100, { min: 1, max: 500 });
 */
export function envInt(name: string, defaultValue: number, bounds?: NumberBounds): number {
  const value = raw(name);
  if (value === undefined) return checkBounds(name, defaultValue, bounds);
  if (!/^[+-]?\d+$/.test(value)) {
    throw new ConfigError(name, `Environment variable ${name}="${value}" is not an integer`);
  }
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    throw new ConfigError(
      name,
      `Environment variable ${name}="${value}" is out of the safe integer range`,
    );
  }
  return checkBounds(name, parsed, bounds);
}

/** A finite number variable, or `defaultValue` when unset. */
export function envNumber(name: string, defaultValue: number, bounds?: NumberBounds): number {
  const value = raw(name);
  if (value === undefined) return checkBounds(name, defaultValue, bounds);
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    throw new ConfigError(name, `Environment variable ${name}="${value}" is not a finite number`);
  }
  return checkBounds(name, parsed, bounds);
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** A boolean variable (`true/false/1/0/yes/no/on/off`, any case), or `defaultValue` when unset. */
export function envBool(name: string, defaultValue: boolean): boolean {
  const value = raw(name);
  if (value === undefined) return defaultValue;
  const lower = value.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw new ConfigError(
    name,
    `Environment variable ${name}="${value}" is not a boolean (true/false)`,
  );
}

/** A comma-separated list (items trimmed, empty items dropped), or `defaultValue` when unset. */
export function envList(name: string, defaultValue: readonly string[] = []): string[] {
  const value = raw(name);
  if (value === undefined) return [...defaultValue];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * One of `allowed`, or `defaultValue` when unset; anything else throws a `ConfigError` listing the
 * allowed values.
 *
 * @example const mode = envEnum('MODE', ['strict', 'lenient'] as const, 'strict');
 */
export function envEnum<const T extends string>(
  name: string,
  allowed: readonly T[],
  defaultValue: T,
): T {
  const value = raw(name);
  if (value === undefined) return defaultValue;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(
    name,
    `Environment variable ${name}="${value}" must be one of: ${allowed.join(', ')}`,
  );
}
