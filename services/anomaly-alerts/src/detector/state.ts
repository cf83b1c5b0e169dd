import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './config.js';
import { DetectorStateError } from './errors.js';

/** Current version of the serialised state; bump when the shape changes. */
export const STATE_VERSION = 1 as const;

/** Number of predictors the detector keeps a residual scale for (level, random walk, seasonal). */
export const PREDICTOR_COUNT = 3;

/**
 * Everything the detector remembers about one series: a few hundred numbers, JSON-serialisable.
 * Its size does not grow with the number of points seen.
 */
export interface DetectorState {
  v: number;
  /** Points seen. */
  n: number;
  /** First and last timestamps (ms since epoch); null before the first point. */
  t0: number | null;
  lastTs: number | null;
  /** Nominal step between points (ms), a robust running estimate; 0 when unknown. */
  step: number;
  /** Last value seen; null before the first point. */
  last: number | null;
  /** Slow and fast EWMA of the value. */
  slowM: number;
  fastM: number;
  /** Per predictor: running mean absolute residual, and how many residuals it has seen. */
  predScale: number[];
  predN: number[];
  /** Seasonal profile: per hour-of-day (and weekday/weekend) bin, a running mean and a visit count. */
  seas: number[];
  seasN: number[];
  /** Two-sided CUSUM of standardised residuals. */
  cusumP: number;
  cusumN: number;
  /** Running mean of the standardised level residual (trend lag). */
  bias: number;
  /** Short and long EWMA of squared first differences. */
  dvS: number;
  dvL: number;
  /** Running mean and variance of the short-window raw surprise (likelihood normalisation). */
  likM: number;
  likV: number;
  likN: number;
  /** Last raw surprises (ring, newest last), length ≤ likelihoodShort. */
  recent: number[];
  /** Decaying peak of emitted scores (episode suppression). */
  peak: number;
}

function seasonalBins(config: DetectorConfig): number {
  return config.binsPerDay * (config.weekendSplit ? 2 : 1);
}

/** A fresh state for a series never seen before. */
export function initialState(config: DetectorConfig = DEFAULT_DETECTOR_CONFIG): DetectorState {
  const bins = seasonalBins(config);
  return {
    v: STATE_VERSION,
    n: 0,
    t0: null,
    lastTs: null,
    step: 0,
    last: null,
    slowM: 0,
    fastM: 0,
    predScale: new Array<number>(PREDICTOR_COUNT).fill(0),
    predN: new Array<number>(PREDICTOR_COUNT).fill(0),
    seas: new Array<number>(bins).fill(0),
    seasN: new Array<number>(bins).fill(0),
    cusumP: 0,
    cusumN: 0,
    bias: 0,
    dvS: 0,
    dvL: 0,
    likM: 0,
    likV: 0,
    likN: 0,
    recent: [],
    peak: 0,
  };
}

/** A deep copy (update never mutates its input). */
export function cloneState(s: DetectorState): DetectorState {
  return {
    ...s,
    predScale: s.predScale.slice(),
    predN: s.predN.slice(),
    seas: s.seas.slice(),
    seasN: s.seasN.slice(),
    recent: s.recent.slice(),
  };
}

/** Serialise a state to JSON (the form stored in DynamoDB). */
export function serializeState(s: DetectorState): string {
  return JSON.stringify(s);
}

const NUMBER_FIELDS = [
  'n',
  'step',
  'slowM',
  'fastM',
  'cusumP',
  'cusumN',
  'bias',
  'dvS',
  'dvL',
  'likM',
  'likV',
  'likN',
  'peak',
] as const;
const NULLABLE_FIELDS = ['t0', 'lastTs', 'last'] as const;
const ARRAY_FIELDS = ['predScale', 'predN', 'seas', 'seasN', 'recent'] as const;
/** Upper bound on any array in a valid state (keeps a corrupted item from costing memory). */
const MAX_ARRAY = 4096;

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/**
 * Parse and validate a serialised state. Throws DetectorStateError on malformed JSON, an unknown
 * version, a missing or non-finite field: a corrupted item must not silently reset a series.
 */
export function deserializeState(json: string): DetectorState {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new DetectorStateError('detector state is not valid JSON', { cause });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DetectorStateError('detector state is not an object');
  }
  const o = raw as Record<string, unknown>;
  if (o.v !== STATE_VERSION) {
    throw new DetectorStateError(`unsupported detector state version ${String(o.v)}`);
  }
  for (const k of NUMBER_FIELDS) {
    if (!isFiniteNumber(o[k])) throw new DetectorStateError(`detector state field ${k} is invalid`);
  }
  for (const k of NULLABLE_FIELDS) {
    if (o[k] !== null && !isFiniteNumber(o[k])) {
      throw new DetectorStateError(`detector state field ${k} is invalid`);
    }
  }
  for (const k of ARRAY_FIELDS) {
    const a = o[k];
    if (!Array.isArray(a) || a.length > MAX_ARRAY || !a.every(isFiniteNumber)) {
      throw new DetectorStateError(`detector state field ${k} is invalid`);
    }
  }
  const predScale = o.predScale as number[];
  const predN = o.predN as number[];
  const seas = o.seas as number[];
  const seasN = o.seasN as number[];
  if (predScale.length !== PREDICTOR_COUNT || predN.length !== PREDICTOR_COUNT) {
    throw new DetectorStateError('detector state predictor arrays have the wrong length');
  }
  if (seas.length !== seasN.length) {
    throw new DetectorStateError('detector state seasonal arrays differ in length');
  }
  return {
    v: STATE_VERSION,
    n: o.n as number,
    t0: o.t0 as number | null,
    lastTs: o.lastTs as number | null,
    step: o.step as number,
    last: o.last as number | null,
    slowM: o.slowM as number,
    fastM: o.fastM as number,
    predScale,
    predN,
    seas,
    seasN,
    cusumP: o.cusumP as number,
    cusumN: o.cusumN as number,
    bias: o.bias as number,
    dvS: o.dvS as number,
    dvL: o.dvL as number,
    likM: o.likM as number,
    likV: o.likV as number,
    likN: o.likN as number,
    recent: o.recent as number[],
    peak: o.peak as number,
  };
}
