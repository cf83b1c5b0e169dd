import { CALIBRATION_BINS } from './calibration.js';
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './config.js';
import { DetectorStateError } from './errors.js';
import { newTail, TAIL_FIELDS } from './tail.js';

/** Current version of the serialised state; bump when the shape changes. */
export const STATE_VERSION = 6 as const;
/**
 * Versions written by earlier detectors (2, 3: seasonal predictors, score histogram; 4: no recent
 * level; 5: no long-memory sketches). Their numbers do not fit this model, so such a series starts
 * learning afresh.
 */
const RELEARN_VERSIONS: readonly number[] = [2, 3, 4, 5];

/**
 * The features of a window the detector models, each on its own: the observed value (a metric's
 * mean, a log series' count), and for telemetry windows the count and the shape of the values.
 * `sum` is left out: it is count × mean, so it adds no evidence and would be counted twice.
 */
export const CHANNELS = ['value', 'count', 'p50', 'p90', 'p99', 'min', 'max'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Fields of one channel model, in the order they are stored. */
export const CH_N = 0; // values seen
export const CH_MEAN = 1; // EWMA of the value (baseline level)
export const CH_LEVEL_DEV = 2; // mean absolute deviation of the value from the level
export const CH_LAST = 3; // previous value
export const CH_CHANGE_DEV = 4; // mean absolute change from the previous value (long memory)
export const CH_SHORT_DEV = 5; // the same, short memory (variability change, flat lines)
export const CH_SHORT_MEAN = 6; // EWMA of the value, short memory (recent level)
export const CH_DRIFT_DEV = 7; // mean absolute deviation of the recent level from the baseline
const CH_FIELDS = 8;

/**
 * Everything the detector remembers about one series: a handful of numbers per channel plus the
 * calibration of its surprisal. About 100 numbers at most, so its size does not grow with the
 * number of points seen.
 */
export interface DetectorState {
  v: number;
  /** Points seen. */
  n: number;
  /** Timestamp of the latest point (ms since epoch); null before the first point. */
  lastTs: number | null;
  /** One model per channel seen so far (see CH_*). */
  ch: Partial<Record<Channel, number[]>>;
  /** Calibration histogram (CALIBRATION_BINS counts) of the surprisals seen. */
  hist: number[];
  /**
   * Long-memory sketch (`tail.ts`) of the `value` channel's values: the feature the series is
   * about (a metric's mean, a log series' count). The other features keep their short-memory tests
   * only: a sketch per feature would make the state five times larger, and each extra test would
   * weaken the others by its Bonferroni share.
   */
  tv: number[];
  /** Long-memory sketch of the `value` channel's absolute changes. */
  tc: number[];
}

/** A fresh state for a series never seen before. */
export function initialState(_config: DetectorConfig = DEFAULT_DETECTOR_CONFIG): DetectorState {
  return {
    v: STATE_VERSION,
    n: 0,
    lastTs: null,
    ch: {},
    hist: new Array<number>(CALIBRATION_BINS).fill(0),
    tv: newTail(),
    tc: newTail(),
  };
}

/** A fresh channel model. */
export function newChannel(): number[] {
  return new Array<number>(CH_FIELDS).fill(0);
}

/**
 * Significant digits kept of every number of a channel model: the detector's scales never go below
 * 1e-9 of the values' magnitude (`RELATIVE_RESOLUTION`), so digits past the ninth carry nothing it
 * uses, and 17-digit doubles would make the stored item about twice as long (it is sized for one
 * DynamoDB write unit).
 */
export const STATE_DIGITS = 9;

/**
 * Round every channel number to `STATE_DIGITS` significant digits, in place. The detector does it
 * after each update, so the state it keeps in memory is the state it stores: scoring is the same
 * whether or not the state went through JSON in between.
 */
export function roundState(s: DetectorState): void {
  for (const k of CHANNELS) {
    const c = s.ch[k];
    if (!c) continue;
    for (let i = 0; i < c.length; i++) c[i] = roundDigits(c[i] as number);
  }
}

/**
 * x to `STATE_DIGITS` significant digits. Scaling by an exact power of ten (10^0..10^22), rounding
 * and scaling back gives the double nearest that decimal, which JSON prints in at most
 * `STATE_DIGITS` digits; about 20 times faster than `toPrecision`, which remains for the extremes.
 */
function roundDigits(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const k = STATE_DIGITS - 1 - Math.floor(Math.log10(Math.abs(x)));
  if (k >= 0 && k <= 22) return Math.round(x * 10 ** k) / 10 ** k;
  if (k < 0 && k >= -22) return Math.round(x / 10 ** -k) * 10 ** -k;
  return Number(x.toPrecision(STATE_DIGITS));
}

/** A deep copy (update never mutates its input). */
export function cloneState(s: DetectorState): DetectorState {
  const ch: Partial<Record<Channel, number[]>> = {};
  for (const k of CHANNELS) {
    const c = s.ch[k];
    if (c) ch[k] = c.slice();
  }
  return { ...s, ch, hist: s.hist.slice(), tv: s.tv.slice(), tc: s.tc.slice() };
}

/** Serialise a state to JSON (the form stored in DynamoDB). */
export function serializeState(s: DetectorState): string {
  return JSON.stringify(s);
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function isNonNegative(x: unknown): x is number {
  return isFiniteNumber(x) && x >= 0;
}

/**
 * Parse and validate a serialised state. Throws DetectorStateError on malformed JSON, an unknown
 * version, a missing or non-finite field: a corrupted item must not silently reset a series. A
 * state of the earlier detector (v2, v3) is replaced by a fresh one: the series relearns.
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
  if (typeof o.v === 'number' && RELEARN_VERSIONS.includes(o.v)) return initialState();
  if (o.v !== STATE_VERSION) {
    throw new DetectorStateError(`unsupported detector state version ${String(o.v)}`);
  }
  for (const k of ['n'] as const) {
    if (!isFiniteNumber(o[k]) || (o[k] as number) < 0) {
      throw new DetectorStateError(`detector state field ${k} is invalid`);
    }
  }
  if (o.lastTs !== null && !isFiniteNumber(o.lastTs)) {
    throw new DetectorStateError('detector state field lastTs is invalid');
  }
  for (const k of ['hist'] as const) {
    const h = o[k];
    if (!Array.isArray(h) || h.length !== CALIBRATION_BINS || !h.every(isNonNegative)) {
      throw new DetectorStateError(`detector state field ${k} is invalid`);
    }
  }
  const rawCh = o.ch;
  if (typeof rawCh !== 'object' || rawCh === null || Array.isArray(rawCh)) {
    throw new DetectorStateError('detector state field ch is invalid');
  }
  const given = rawCh as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    if (!(CHANNELS as readonly string[]).includes(k)) {
      throw new DetectorStateError(`detector state has an unknown channel ${k}`);
    }
  }
  const ch: Partial<Record<Channel, number[]>> = {};
  for (const k of CHANNELS) {
    const c = given[k];
    if (c === undefined) continue;
    if (!Array.isArray(c) || c.length !== CH_FIELDS || !c.every(isFiniteNumber)) {
      throw new DetectorStateError(`detector state channel ${k} is invalid`);
    }
    ch[k] = c.slice();
  }
  // Rebuilt in the canonical key order, so that serialise ∘ deserialise is the identity on JSON.
  return {
    v: STATE_VERSION,
    n: o.n as number,
    lastTs: o.lastTs as number | null,
    ch,
    hist: (o.hist as number[]).slice(),
    tv: tailOf(o.tv, 'tv'),
    tc: tailOf(o.tc, 'tc'),
  };
}

/** A long-memory sketch of a serialised state: [lo, width ≥ 0, counts ≥ 0 …]. */
function tailOf(raw: unknown, field: string): number[] {
  const t = raw;
  if (
    !Array.isArray(t) ||
    t.length !== TAIL_FIELDS ||
    !isFiniteNumber(t[0]) ||
    !isNonNegative(t[1]) ||
    !t.slice(2).every(isNonNegative)
  ) {
    throw new DetectorStateError(`detector state field ${field} is invalid`);
  }
  return t.slice() as number[];
}
