import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './config.js';
import { DetectorStateError } from './errors.js';

/** Current version of the serialised state; bump when the shape changes. */
export const STATE_VERSION = 3 as const;
/** Older versions still read: v2 lacks the window-shape models (they start fresh). */
const READABLE_VERSIONS: readonly number[] = [2, STATE_VERSION];

/** Predictors the detector keeps a residual scale for. */
export const PREDICTORS = ['level', 'previous value', 'daily profile', 'weekly profile'] as const;

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
  /** Per predictor (see PREDICTORS): running mean absolute residual, residuals seen. */
  predScale: number[];
  predN: number[];
  /** Daily profile (binsPerDay bins) and weekly profile (7 × binsPerDay): running means, visits. */
  day: number[];
  dayN: number[];
  week: number[];
  weekN: number[];
  /** Two-sided CUSUM of standardised level residuals, and their running bias (trend lag). */
  cusumP: number;
  cusumN: number;
  bias: number;
  /** Short and long EWMA of squared first differences (variance change, flat lines). */
  dvS: number;
  dvL: number;
  /** Multi-scale EWMAs of the baseline residual and their running mean absolute values. */
  ms: number[];
  msScale: number[];
  /** Raw surprises counted into the likelihood histograms. */
  likN: number;
  /** Decaying histogram of the averaged raw surprise (empirical likelihood). */
  hist: number[];
  /** Last raw surprises, newest last, at most likelihoodShort of them. */
  recent: number[];
  /** Decaying peak of scores (episode suppression). */
  peak: number;
  /** Window shape: log count and log spread (p99 − mean) EWMAs, their residual scales, counts. */
  cntM: number;
  cntS: number;
  cntN: number;
  sprM: number;
  sprS: number;
  sprN: number;
}

/** A fresh state for a series never seen before. */
export function initialState(config: DetectorConfig = DEFAULT_DETECTOR_CONFIG): DetectorState {
  const zeros = (k: number): number[] => new Array<number>(k).fill(0);
  return {
    v: STATE_VERSION,
    n: 0,
    t0: null,
    lastTs: null,
    step: 0,
    last: null,
    slowM: 0,
    fastM: 0,
    predScale: zeros(PREDICTORS.length),
    predN: zeros(PREDICTORS.length),
    day: zeros(config.binsPerDay),
    dayN: zeros(config.binsPerDay),
    week: zeros(7 * config.binsPerDay),
    weekN: zeros(7 * config.binsPerDay),
    cusumP: 0,
    cusumN: 0,
    bias: 0,
    dvS: 0,
    dvL: 0,
    ms: zeros(config.multiScaleAlphas.length),
    msScale: zeros(config.multiScaleAlphas.length),
    likN: 0,
    hist: zeros(config.histBins),
    recent: [],
    peak: 0,
    cntM: 0,
    cntS: 0,
    cntN: 0,
    sprM: 0,
    sprS: 0,
    sprN: 0,
  };
}

const ARRAY_FIELDS = [
  'predScale',
  'predN',
  'day',
  'dayN',
  'week',
  'weekN',
  'ms',
  'msScale',
  'hist',
  'recent',
] as const;
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
  'likN',
  'peak',
] as const;
/** Fields added in v3 (0 in a v2 state). */
const SHAPE_FIELDS = ['cntM', 'cntS', 'cntN', 'sprM', 'sprS', 'sprN'] as const;
const NULLABLE_FIELDS = ['t0', 'lastTs', 'last'] as const;
/** Upper bound on any array in a valid state (keeps a corrupted item from costing memory). */
const MAX_ARRAY = 2048;

/** A deep copy (update never mutates its input). */
export function cloneState(s: DetectorState): DetectorState {
  const c = { ...s };
  for (const k of ARRAY_FIELDS) c[k] = s[k].slice();
  return c;
}

/** Serialise a state to JSON (the form stored in DynamoDB). */
export function serializeState(s: DetectorState): string {
  return JSON.stringify(s);
}

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
  if (typeof o.v !== 'number' || !READABLE_VERSIONS.includes(o.v)) {
    throw new DetectorStateError(`unsupported detector state version ${String(o.v)}`);
  }
  const out: Record<string, unknown> = { v: STATE_VERSION };
  for (const k of NUMBER_FIELDS) {
    if (!isFiniteNumber(o[k])) throw new DetectorStateError(`detector state field ${k} is invalid`);
    out[k] = o[k];
  }
  for (const k of SHAPE_FIELDS) {
    const x = o.v === 2 ? 0 : o[k];
    if (!isFiniteNumber(x)) throw new DetectorStateError(`detector state field ${k} is invalid`);
    out[k] = x;
  }
  for (const k of NULLABLE_FIELDS) {
    if (o[k] !== null && !isFiniteNumber(o[k])) {
      throw new DetectorStateError(`detector state field ${k} is invalid`);
    }
    out[k] = o[k];
  }
  for (const k of ARRAY_FIELDS) {
    const a = o[k];
    if (!Array.isArray(a) || a.length > MAX_ARRAY || !a.every(isFiniteNumber)) {
      throw new DetectorStateError(`detector state field ${k} is invalid`);
    }
    out[k] = a.slice();
  }
  // Rebuilt in the canonical key order, so that serialise ∘ deserialise is the identity on JSON.
  const ordered: Record<string, unknown> = {};
  for (const k of Object.keys(initialState())) ordered[k] = out[k];
  const s = ordered as unknown as DetectorState;
  if (
    s.predScale.length !== PREDICTORS.length ||
    s.predN.length !== PREDICTORS.length ||
    s.day.length !== s.dayN.length ||
    s.week.length !== s.weekN.length ||
    s.week.length !== 7 * s.day.length ||
    s.ms.length !== s.msScale.length
  ) {
    throw new DetectorStateError('detector state arrays have inconsistent lengths');
  }
  return s;
}
