import { parseArgs } from 'node:util';
import type { CostInput } from './cost.js';
import { DEFAULTS } from './defaults.js';
import type { ScaleInput } from './scale.js';

/** A command-line mistake; the message names the flag. */
export class UsageError extends Error {
  override name = 'UsageError';
}

interface NumberRule {
  readonly integer?: boolean;
  readonly min: number;
  readonly max?: number;
}

function num(flag: string, raw: string | undefined, rule: NumberRule): number | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const kind = rule.integer ? 'an integer' : 'a number';
  const range = rule.max === undefined ? `≥ ${rule.min}` : `from ${rule.min} to ${rule.max}`;
  if (
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    value < rule.min ||
    (rule.max !== undefined && value > rule.max)
  ) {
    throw new UsageError(`--${flag} must be ${kind} ${range} (got '${raw}')`);
  }
  return value;
}

function required(flag: string, value: number | undefined): number {
  if (value === undefined) throw new UsageError(`--${flag} is required`);
  return value;
}

function parse(argv: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // node:util names the flag in its message ("Unknown option '--x'", "Option '--rate <value>'
    // argument missing"); keep it, as a UsageError.
    throw new UsageError((error as Error).message);
  }
}

const RATE = { min: 0.001, max: 1e8 } as const;
const BYTES = { integer: true, min: 1, max: 1024 * 1024 } as const;
const SHARDS = { integer: true, min: 1, max: 100_000 } as const;
const MEMORY = { integer: true, min: 128, max: 10_240 } as const;

function consumers(raw: string | undefined): 'efo' | 'shared' {
  if (raw === undefined) return 'efo';
  if (raw === 'efo' || raw === 'shared') return raw;
  throw new UsageError(`--consumers must be efo or shared (got '${raw}')`);
}

export interface CostArgs {
  readonly input: CostInput;
  readonly json: boolean;
}

/** `pnpm cost --rate N --event-bytes B [--shards N] [--consumers efo|shared] [--memory MB] [--opensearch] [--redshift] [--window-table] [--json]` */
export function parseCostArgs(argv: readonly string[]): CostArgs {
  const v = parse(argv, {
    rate: { type: 'string' },
    'event-bytes': { type: 'string' },
    shards: { type: 'string' },
    consumers: { type: 'string' },
    memory: { type: 'string' },
    opensearch: { type: 'boolean' },
    redshift: { type: 'boolean' },
    'window-table': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const shards = num('shards', v.shards as string | undefined, SHARDS);
  return {
    input: {
      rate: required('rate', num('rate', v.rate as string | undefined, RATE)),
      eventBytes: required(
        'event-bytes',
        num('event-bytes', v['event-bytes'] as string | undefined, BYTES),
      ),
      ...(shards === undefined ? {} : { shards }),
      consumers: consumers(v.consumers as string | undefined),
      memoryMb: num('memory', v.memory as string | undefined, MEMORY) ?? DEFAULTS.memoryMb.value,
      opensearch: v.opensearch === true,
      redshift: v.redshift === true,
      windowTable: v['window-table'] === true,
    },
    json: v.json === true,
  };
}

export interface ScaleArgs {
  /** Empty: the three workloads of #23. */
  readonly inputs: readonly ScaleInput[];
  readonly json: boolean;
}

/**
 * `pnpm scale [--rate R --shards N --series S] [--window S] [--batch B] [--batch-window S]
 * [--parallelization P] [--event-bytes B] [--consumers efo|shared] [--memory MB] [--window-table]
 * [--json]`.
 * Without --rate/--shards/--series: the three workloads of the scale issue.
 */
export function parseScaleArgs(
  argv: readonly string[],
  workloads: ReadonlyArray<Pick<ScaleInput, 'rate' | 'shards' | 'series'>>,
): ScaleArgs {
  const v = parse(argv, {
    rate: { type: 'string' },
    shards: { type: 'string' },
    series: { type: 'string' },
    window: { type: 'string' },
    batch: { type: 'string' },
    'batch-window': { type: 'string' },
    parallelization: { type: 'string' },
    'event-bytes': { type: 'string' },
    consumers: { type: 'string' },
    memory: { type: 'string' },
    'window-table': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const s = (k: string) => v[k] as string | undefined;
  const common = {
    windowSeconds: num('window', s('window'), { integer: true, min: 1, max: 86_400 }) ?? 60,
    batchSize:
      num('batch', s('batch'), { integer: true, min: 1, max: 10_000 }) ?? DEFAULTS.batchSize.value,
    batchWindowSeconds:
      num('batch-window', s('batch-window'), { min: 0, max: 300 }) ??
      DEFAULTS.batchWindowSeconds.value,
    parallelization:
      num('parallelization', s('parallelization'), { integer: true, min: 1, max: 10 }) ?? 1,
    eventBytes: num('event-bytes', s('event-bytes'), BYTES) ?? 400,
    consumers: consumers(s('consumers')),
    memoryMb: num('memory', s('memory'), MEMORY) ?? DEFAULTS.memoryMb.value,
    windowTable: v['window-table'] === true,
  };
  const rate = num('rate', s('rate'), RATE);
  const shards = num('shards', s('shards'), SHARDS);
  const series = num('series', s('series'), { integer: true, min: 1, max: 1e9 });
  const given = [rate, shards, series].filter((x) => x !== undefined).length;
  if (given === 0) {
    return { inputs: workloads.map((w) => ({ ...common, ...w })), json: v.json === true };
  }
  return {
    inputs: [
      {
        ...common,
        rate: required('rate', rate),
        shards: required('shards', shards),
        series: required('series', series),
      },
    ],
    json: v.json === true,
  };
}
