import { calibrationAdd, logCalibratedTail } from './calibration.js';
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './config.js';
import { DetectorError } from './errors.js';
import {
  CH_CHANGE_DEV,
  CH_DRIFT_DEV,
  CH_LAST,
  CH_LEVEL_DEV,
  CH_MEAN,
  CH_N,
  CH_SHORT_DEV,
  CH_SHORT_MEAN,
  CHANNELS,
  type Channel,
  cloneState,
  type DetectorState,
  newChannel,
  roundState,
} from './state.js';
import { logTwoSidedNormal, logTwoSidedT } from './stats.js';
import { logLowerTail, logUpperTail, tailAdd } from './tail.js';

/**
 * One observation: a closed window. `value` is what the series is about (a metric's mean, a log
 * series' count); a telemetry window also gives its count and the shape of its values, each
 * modelled as a feature of its own. A bare `timestamp,value` point (NAB) has only `value`.
 */
export interface Point {
  timestampMs: number;
  value: number;
  count?: number;
  p50?: number;
  p90?: number;
  p99?: number;
  min?: number;
  max?: number;
  /** `value` counts events (a log series): modelled like `count`, with at least Poisson noise. */
  valueIsCount?: boolean;
  /**
   * Length of the window (ms) of a log series (`valueIsCount`). Such a series has a window only
   * when something was logged, so a gap between window starts is a run of windows that counted 0;
   * the detector learns them as such before it scores the point (see `learnSilence`).
   */
  windowMs?: number;
}

/** How one feature of a window moved, and its share of the evidence. */
export interface Attribution {
  feature: Channel;
  /** `up`/`down`: away from its usual level or a sudden jump; `variable`/`flat`: its variability. */
  direction: 'up' | 'down' | 'variable' | 'flat';
  observed: number;
  /** The feature's usual level (its baseline), for comparison. */
  usual: number;
  /** Surprisal of this feature alone, in nats (−ln of its smallest tail probability). */
  surprisal: number;
  /** Fraction of the window's evidence that comes from this feature (shares sum to 1). */
  share: number;
  /** The sentence a person on call reads. */
  text: string;
}

/** The detector's verdict on one point. */
export interface Scored {
  /** Anomaly score in [0, 1]: s / (s + 5) with s = −log10 p; 0.5 ⇔ p = 1e-5. */
  score: number;
  /** Range the detector expects `value` in (its baseline ± 3 standard deviations). */
  expectedLow: number;
  expectedHigh: number;
  /** Evidence behind the score (per feature z-scores and variance ratios, surprisal, log10 p). */
  features: Record<string, number>;
  /** Features that moved, strongest first (empty when nothing stands out). */
  attribution: Attribution[];
  /** One sentence a person can read. */
  explanation: string;
  /** True while the detector is still learning (score is 0 then). */
  warmingUp: boolean;
}

/** Largest accepted |value|: squares of larger values overflow. */
export const MAX_ABS_VALUE = 1e100;
/**
 * −log10 p that maps to score 0.5. 1e-5 is the alert level Numenta published for its anomaly
 * likelihood (likelihood ≥ 0.99999); the alerting threshold 0.5 is exactly this tail probability.
 */
export const REFERENCE_LOG10_P = 5;
/** Mean absolute deviation to standard deviation, for a normal distribution: √(π/2). */
const MAD_TO_SD = Math.sqrt(Math.PI / 2);
/** Scale floor relative to the magnitude of the values: about nine significant digits. */
const RELATIVE_RESOLUTION = 1e-9;
/** Half-width of the expected range in standard deviations (display and recovery only). */
const EXPECTED_SIGMAS = 3;
/**
 * Most silent windows of a log series learnt before one point, in memories (`baselinePoints`): after
 * three memories of zeros the earlier history weighs e^−3 ≈ 5% in the level and the scales, so a
 * longer silence changes the model little more, and the work per window stays bounded.
 */
const SILENCE_MEMORIES = 3;
/** Surprisal above which a feature counts as having moved: p ≤ 0.01. */
const MOVED_SURPRISAL = Math.log(100);
const LN10 = Math.log(10);

/** Score of a log tail probability: s / (s + REFERENCE_LOG10_P), s = −log10 p. */
export function scoreOfLogP(lnP: number): number {
  const s = Math.max(0, -lnP / LN10);
  return s / (s + REFERENCE_LOG10_P);
}

/** The score of a tail probability p (so that thresholds can be stated as probabilities). */
export function scoreOfP(p: number): number {
  return scoreOfLogP(Math.log(p));
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(3);
  return String(Math.round(x * 1000) / 1000);
}

/** A "1 in N" count, rounded to two significant digits, with thousands separators. */
function fmtCount(n: number): string {
  if (!Number.isFinite(n) || n >= 1e15) return 'more than 10^15';
  const r = Number(Math.max(1, n).toPrecision(2));
  return r.toLocaleString('en-US');
}

/** Counts are modelled on a log scale: a halving is the same step at any level of traffic. */
function toModel(isCount: boolean, x: number): number {
  return isCount ? Math.log1p(x) : x;
}
function fromModel(isCount: boolean, y: number): number {
  return isCount ? Math.expm1(y) : y;
}

/**
 * The least standard deviation of log(1 + c) for a count c: counts of independent events vary
 * at least as a Poisson variable, sd √c, i.e. √c / (1 + c) on the log scale (delta method), and
 * never less than one event's worth at c ≤ 1. Without it, a series that logged 1 error per
 * window for an hour would call 2 errors a ten-sigma event.
 */
function poissonLogSd(meanLog: number): number {
  const c = Math.max(Math.expm1(meanLog), 1);
  return Math.sqrt(c) / (1 + c);
}

function channelValue(point: Point, ch: Channel): number | undefined {
  const x = ch === 'value' ? point.value : point[ch];
  if (x === undefined) return undefined;
  if (!Number.isFinite(x) || Math.abs(x) > MAX_ABS_VALUE || (ch === 'count' && x < 0)) {
    throw new DetectorError(`point ${ch} must be finite and within ±${MAX_ABS_VALUE}`);
  }
  return x + 0;
}

/** What one channel's tests found on one point. */
interface Evidence {
  ch: Channel;
  surprisal: number;
  test: 'level' | 'change' | 'variance' | 'drift' | 'rare-level' | 'rare-change';
  zLevel: number;
  zChange: number;
  zDrift: number;
  varianceRatio: number;
  observed: number;
  previous: number;
  usual: number;
  /** The recent level (short-memory average), for the drift test's sentence. */
  recent: number;
  /** A rare level is in the upper tail of the recent weeks (else the lower). */
  rareUp?: boolean;
}

/**
 * Tests one channel against its model, then teaches the model the value. Four tests, each a
 * two-sided tail probability: the value against the baseline level, the change from the previous
 * value against the usual size of changes, the recent size of changes against the long-run one,
 * and the recent level (short-memory average) against the baseline, judged by how far the recent
 * level usually strays from it (drift: a shift too small for one window to show, held for
 * several). Scales are mean absolute deviations (× √(π/2) to a standard deviation): one
 * outlier moves them in proportion to its size, not its square, and they need no clipping rule.
 * With `test` false the value is only learnt (a log series' silent window).
 */
/** What the long-memory tail tests found on one channel (`tail.ts`), in nats. */
interface TailEvidence {
  ch: Channel;
  level: number;
  change: number;
  up: boolean;
}

/**
 * The long-memory tail tests of one channel: the value (two-sided) against the weeks of values
 * in `tv`, the size of its change against the weeks of changes in `tc`; then both are learnt.
 */
function tailTestAndLearn(
  tv: number[],
  tc: number[],
  ch: Channel,
  y: number,
  last: number | undefined,
  config: DetectorConfig,
): TailEvidence {
  const lnUp = logUpperTail(tv, y);
  const lnDown = logLowerTail(tv, y);
  const level = -Math.min(0, Math.LN2 + Math.min(lnUp, lnDown));
  const d = last === undefined ? undefined : Math.abs(y - last);
  const change = d === undefined ? 0 : -logUpperTail(tc, d);
  tailAdd(tv, y, config.calibrationPoints);
  if (d !== undefined) tailAdd(tc, d, config.calibrationPoints);
  return { ch, level, change, up: lnUp <= lnDown };
}

function testAndLearn(
  c: number[],
  ch: Channel,
  x: number,
  isCount: boolean,
  config: DetectorConfig,
  test = true,
): Evidence | undefined {
  const y = toModel(isCount, x);
  const n = c[CH_N] as number;
  if (n === 0) {
    c[CH_N] = 1;
    c[CH_MEAN] = y;
    c[CH_LAST] = y;
    c[CH_SHORT_MEAN] = y;
    return undefined;
  }
  const mean = c[CH_MEAN] as number;
  const last = c[CH_LAST] as number;
  const floor = RELATIVE_RESOLUTION * (Math.abs(mean) + Math.abs(y)) + Number.MIN_VALUE;
  // As mean absolute deviations; a change is the difference of two counts (√2 × the noise).
  const noise = isCount ? poissonLogSd(mean) / MAD_TO_SD : 0;
  const dL = Math.max(c[CH_LEVEL_DEV] as number, floor, noise);
  const dC = Math.max(c[CH_CHANGE_DEV] as number, floor, Math.SQRT2 * noise);
  const eL = y - mean;
  const eC = y - last;
  const zL = eL / (MAD_TO_SD * dL);
  const zC = eC / (MAD_TO_SD * dC);
  const a = Math.max(1 / (n + 1), 1 / config.baselinePoints);
  const aS = Math.max(1 / (n + 1), 1 / config.shortPoints);
  const shortDev = (c[CH_SHORT_DEV] as number) + aS * (Math.abs(eC) - (c[CH_SHORT_DEV] as number));
  // A run of equal small counts is what Poisson noise does, not a flat line.
  const ratio = Math.max(shortDev, floor, Math.SQRT2 * noise) / dC;
  const shortMean = (c[CH_SHORT_MEAN] as number) + aS * (y - (c[CH_SHORT_MEAN] as number));
  const eD = shortMean - mean;
  // An average of 2N − 1 independent counts (EWMA of rate 1/N) has 1/√(2N − 1) of their noise.
  const dD = Math.max(
    c[CH_DRIFT_DEV] as number,
    floor,
    noise / Math.sqrt(2 * config.shortPoints - 1),
  );
  const zD = eD / (MAD_TO_SD * dD);

  let evidence: Evidence | undefined;
  if (test && n >= 2) {
    // A new value against a scale estimated from n values is Student-t with n − 1 degrees of
    // freedom (capped at the 2N − 1 an EWMA of memory N weighs like): a young series is not
    // sure of its own scale, so a young series does not shout.
    const dof = Math.min(n - 1, 2 * config.baselinePoints - 1);
    const sLevel = -logTwoSidedT(zL, dof);
    const sChange = -logTwoSidedT(zC, dof);
    // The log of a mean of N absolute Gaussian changes (an EWMA of rate 1/N weighs like about
    // 2N − 1 of them) has standard deviation √((π/2 − 1)/(2N − 1)).
    const sdLogRatio = Math.sqrt((Math.PI / 2 - 1) / (2 * config.shortPoints - 1));
    const sVar = n > config.shortPoints ? -logTwoSidedNormal(Math.log(ratio) / sdLogRatio) : 0;
    let test: Evidence['test'] = 'level';
    let surprisal = sLevel;
    if (sChange > surprisal) [test, surprisal] = ['change', sChange];
    if (sVar > surprisal) [test, surprisal] = ['variance', sVar];
    // The recent level's own spread is learnt like the others; the short memory must have
    // filled before it says anything.
    const sDrift = n > config.shortPoints ? -logTwoSidedT(zD, dof) : 0;
    if (sDrift > surprisal) [test, surprisal] = ['drift', sDrift];
    evidence = {
      ch,
      surprisal,
      test,
      zLevel: zL,
      zChange: zC,
      zDrift: zD,
      varianceRatio: ratio,
      observed: x,
      previous: fromModel(isCount, last),
      usual: fromModel(isCount, mean),
      recent: fromModel(isCount, shortMean),
    };
  }

  c[CH_MEAN] = mean + a * eL;
  c[CH_LEVEL_DEV] = (c[CH_LEVEL_DEV] as number) + a * (Math.abs(eL) - (c[CH_LEVEL_DEV] as number));
  c[CH_CHANGE_DEV] =
    (c[CH_CHANGE_DEV] as number) + a * (Math.abs(eC) - (c[CH_CHANGE_DEV] as number));
  c[CH_SHORT_DEV] = shortDev;
  c[CH_SHORT_MEAN] = shortMean;
  c[CH_DRIFT_DEV] = (c[CH_DRIFT_DEV] as number) + a * (Math.abs(eD) - (c[CH_DRIFT_DEV] as number));
  c[CH_LAST] = y;
  c[CH_N] = Math.min(n + 1, 1e12);
  return evidence;
}

const NAMES: Record<Channel, string> = {
  value: 'value',
  count: 'count',
  p50: 'p50',
  p90: 'p90',
  p99: 'p99',
  min: 'min',
  max: 'max',
};

function describe(e: Evidence, valueName: string): Pick<Attribution, 'direction' | 'text'> {
  const name = e.ch === 'value' ? valueName : NAMES[e.ch];
  if (e.test === 'rare-level' || e.test === 'rare-change') {
    // One-sided tail probability of the long-memory test, as "1 in N" values of recent weeks.
    const oneIn = fmtCount(Math.exp(e.surprisal) / (e.test === 'rare-level' ? 2 : 1));
    if (e.test === 'rare-change') {
      const up = e.observed >= e.previous;
      return {
        direction: up ? 'up' : 'down',
        text: `${name} ${up ? 'jumped' : 'dropped'} from ${fmt(e.previous)} to ${fmt(e.observed)} (a change as large as 1 in ${oneIn} of recent weeks)`,
      };
    }
    const up = e.rareUp !== false;
    return {
      direction: up ? 'up' : 'down',
      text: `${name} ${up ? 'rose' : 'fell'} to ${fmt(e.observed)}, usually about ${fmt(e.usual)} (as ${up ? 'high' : 'low'} as 1 in ${oneIn} values of recent weeks)`,
    };
  }
  if (e.test === 'variance') {
    const f = Math.sqrt(e.varianceRatio);
    return e.varianceRatio >= 1
      ? { direction: 'variable', text: `${name} became ${fmt(f)}× as variable as usual` }
      : { direction: 'flat', text: `${name} went flat (${fmt(f)}× its usual variability)` };
  }
  if (e.test === 'drift') {
    const up = e.zDrift >= 0;
    return {
      direction: up ? 'up' : 'down',
      text: `${name} has ${up ? 'risen' : 'fallen'} to about ${fmt(e.recent)} lately, usually about ${fmt(e.usual)}`,
    };
  }
  if (e.test === 'change') {
    const up = e.zChange >= 0;
    return {
      direction: up ? 'up' : 'down',
      text: `${name} ${up ? 'jumped' : 'dropped'} from ${fmt(e.previous)} to ${fmt(e.observed)}`,
    };
  }
  const up = e.zLevel >= 0;
  const ratio = e.usual > 0 && e.observed >= 0 ? ` (${fmt(e.observed / e.usual)}× usual)` : '';
  return {
    direction: up ? 'up' : 'down',
    text: `${name} ${up ? 'rose' : 'fell'} to ${fmt(e.observed)}, usually about ${fmt(e.usual)}${ratio}`,
  };
}

/**
 * Attribution: the features whose own surprisal reaches p ≤ 0.01, strongest first, each with its
 * share of their summed surprisal; when none does, the strongest feature alone.
 */
function attribute(evidence: readonly Evidence[], valueName: string): Attribution[] {
  if (evidence.length === 0) return [];
  const sorted = [...evidence].sort((a, b) => b.surprisal - a.surprisal);
  let moved = sorted.filter((e) => e.surprisal >= MOVED_SURPRISAL);
  if (moved.length === 0) moved = sorted.slice(0, 1);
  const total = moved.reduce((t, e) => t + e.surprisal, 0);
  return moved.map((e) => {
    const share = total > 0 ? e.surprisal / total : 1 / moved.length;
    return {
      feature: e.ch,
      observed: e.observed,
      usual: e.usual,
      surprisal: e.surprisal,
      share,
      ...describe(e, valueName),
    };
  });
}

/**
 * When the long-memory tests, not the calibrated short-memory ones, set the window's p, their
 * evidence stands in for the short-memory evidence of their channel: the sentence then says what
 * made the window rare.
 */
function preferRare(evidence: Evidence[], tails: readonly TailEvidence[]): void {
  for (const t of tails) {
    const e = evidence.find((x) => x.ch === t.ch);
    if (!e) continue;
    e.surprisal = Math.max(t.level, t.change);
    e.test = t.level >= t.change ? 'rare-level' : 'rare-change';
    e.rareUp = t.up;
  }
}

/**
 * The windows a log series did not emit before `point` counted 0: the model learns them, oldest
 * first, and they count as points seen. They are not tested and not added to the calibration: the
 * calibration is the distribution of the windows that are scored, and a silent window never is.
 * Without this, a series that exists only when errors are logged has almost no history, stays in
 * warm-up, and a burst after a quiet spell is judged against the last burst instead of against the
 * silence.
 */
function learnSilence(s: DetectorState, point: Point, config: DetectorConfig): void {
  const w = point.windowMs;
  if (point.valueIsCount !== true || w === undefined || s.lastTs === null) return;
  const gap = Math.round((point.timestampMs - s.lastTs) / w) - 1;
  const silent = Math.min(gap, SILENCE_MEMORIES * config.baselinePoints);
  // Every point has a value, so a series with a previous point has its value model.
  const c = s.ch.value;
  if (!c) return;
  if (silent <= 0) return;
  // The long memory learns the zeros too: one change from the last count to 0, then none.
  tailAdd(s.tc, Math.abs(c[CH_LAST] as number), config.calibrationPoints);
  tailAdd(s.tc, 0, config.calibrationPoints, silent - 1);
  tailAdd(s.tv, 0, config.calibrationPoints, silent);
  for (let i = 0; i < silent; i++) testAndLearn(c, 'value', 0, true, config, false);
  s.n += Math.max(0, silent);
}

/**
 * Score one point and return the next state. Pure and deterministic: the input state is not
 * mutated, and the same (state, point, config) always gives the same result, so a redelivered
 * window replayed on the stored state reproduces the stored outcome.
 *
 * @example
 * let state = initialState();
 * const { state: next, scored } = update(state, { timestampMs: Date.parse(t), value: 42 });
 */
export function update(
  state: DetectorState,
  point: Point,
  config: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
): { state: DetectorState; scored: Scored } {
  return updateInPlace(cloneState(state), point, config);
}

/**
 * `update` without the copy: `state` itself becomes the next state (and is returned). Only for a
 * state the caller owns and no longer needs, e.g. one just deserialised; saves a copy per point.
 *
 * Method (docs/detector.md): every feature is tested against its own model; the point's surprisal
 * is the largest (−ln of the smallest tail probability). Those tail probabilities assume Gaussian
 * residuals, which real series are not, so the surprisal is calibrated against the series' own
 * history of surprisals (`calibration.ts`): p is how often this series was at least as surprised.
 */
export function updateInPlace(
  state: DetectorState,
  point: Point,
  config: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
): { state: DetectorState; scored: Scored } {
  const ts = point.timestampMs;
  if (!Number.isFinite(ts)) throw new DetectorError('point timestamp must be finite');
  // All values are checked before the state is touched: a bad point leaves no trace.
  const values: [Channel, number][] = [];
  for (const ch of CHANNELS) {
    const x = channelValue(point, ch);
    if (x !== undefined) values.push([ch, x]);
  }
  const w = point.windowMs;
  if (w !== undefined && !(Number.isFinite(w) && w > 0)) {
    throw new DetectorError('point windowMs must be finite and positive');
  }
  const s = state;
  learnSilence(s, point, config);
  const warming = s.n < config.warmupPoints;
  // The range expected before this point is learnt (a new series: the point itself).
  // A count's range is computed on its log scale (with its Poisson floor) and mapped back.
  const before = s.ch.value;
  const valueIsCount = point.valueIsCount === true;
  let sd = before ? MAD_TO_SD * (before[CH_LEVEL_DEV] as number) : 0;
  const center = before ? (before[CH_MEAN] as number) : toModel(valueIsCount, point.value);
  if (before && valueIsCount) sd = Math.max(sd, poissonLogSd(center));
  const low = fromModel(valueIsCount, center - EXPECTED_SIGMAS * sd);
  const expectedLow = valueIsCount ? Math.max(0, low) : low;
  const expectedHigh = fromModel(valueIsCount, center + EXPECTED_SIGMAS * sd);
  const evidence: Evidence[] = [];
  const tails: TailEvidence[] = [];
  for (const [ch, x] of values) {
    let c = s.ch[ch];
    if (!c) {
      c = newChannel();
      // Kept in CHANNELS order, so that the serialised state has one canonical form.
      const ch2: Partial<Record<Channel, number[]>> = {};
      for (const k of CHANNELS) {
        const existing = k === ch ? c : s.ch[k];
        if (existing) ch2[k] = existing;
      }
      s.ch = ch2;
    }
    const isCount = ch === 'count' || (ch === 'value' && point.valueIsCount === true);
    if (ch === 'value') {
      const last = (c[CH_N] as number) > 0 ? (c[CH_LAST] as number) : undefined;
      tails.push(tailTestAndLearn(s.tv, s.tc, ch, toModel(isCount, x), last, config));
    }
    const e = testAndLearn(c, ch, x, isCount, config);
    if (e) evidence.push(e);
  }
  s.n += 1;
  s.lastTs = s.lastTs === null ? ts : Math.max(s.lastTs, ts);
  roundState(s);

  let surprisal = 0;
  for (const e of evidence) surprisal = Math.max(surprisal, e.surprisal);
  let lnP = 0;
  if (!warming) {
    lnP = logCalibratedTail(s.hist, surprisal);
    calibrationAdd(s.hist, surprisal, config.calibrationPoints);
    // Bonferroni over the calibrated short-memory p and the two long-memory tests.
    let tailS = 0;
    for (const t of tails) tailS = Math.max(tailS, t.level, t.change);
    if (-tailS < lnP) preferRare(evidence, tails);
    lnP = Math.min(0, Math.min(lnP, -tailS) + Math.log(1 + 2 * tails.length));
  }
  const score = warming ? 0 : scoreOfLogP(lnP);

  const features: Record<string, number> = {
    surprisal,
    log10P: lnP / LN10,
  };
  for (const e of evidence) {
    const k = e.ch === 'value' ? '' : e.ch;
    features[k ? `${k}ZLevel` : 'zLevel'] = e.zLevel;
    features[k ? `${k}ZChange` : 'zChange'] = e.zChange;
    features[k ? `${k}ZDrift` : 'zDrift'] = e.zDrift;
    features[k ? `${k}VarianceRatio` : 'varianceRatio'] = e.varianceRatio;
  }
  for (const t of tails) {
    const k = t.ch === 'value' ? 'rare' : `${t.ch}Rare`;
    features[`${k}LevelLog10P`] = -t.level / LN10;
    features[`${k}ChangeLog10P`] = -t.change / LN10;
  }
  for (const k of Object.keys(features)) if (!Number.isFinite(features[k])) delete features[k];

  const valueName = point.valueIsCount ? 'count' : values.length > 1 ? 'mean' : 'value';
  const attribution = warming ? [] : attribute(evidence, valueName);
  for (const a of attribution) features[`${a.feature}Share`] = a.share;
  let explanation: string;
  if (warming) explanation = `learning (${s.n} points seen)`;
  else {
    const why = attribution
      .map((a) =>
        attribution.length > 1
          ? `${a.text} (${Math.round(a.share * 100)}% of the evidence)`
          : a.text,
      )
      .join('; ');
    explanation = `p = ${fmt(Math.exp(lnP))} (score ${fmt(score)}): ${why || 'nothing moved'}`;
  }
  return {
    state: s,
    scored: {
      score,
      expectedLow,
      expectedHigh,
      features,
      attribution,
      explanation,
      warmingUp: warming,
    },
  };
}
