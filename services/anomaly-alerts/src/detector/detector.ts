import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './config.js';
import { DetectorError } from './errors.js';
import { alphaFor, clamp } from './math.js';
import { histAdd, tailProbability } from './rarity.js';
import { cloneState, type DetectorState, PREDICTORS } from './state.js';

/**
 * One observation: a closed window's representative value (the mean). A service window also gives
 * its `count` (records in the window) and `p99`: the model then watches the count (a source that
 * reports half as often, or floods) and the spread p99 − mean (a tail that blows up while the mean
 * holds). A bare `timestamp,value` point (NAB) has neither and is scored on `value` alone.
 */
export interface Point {
  timestampMs: number;
  value: number;
  count?: number;
  p99?: number;
}

/** The detector's verdict on one point. */
export interface Scored {
  /** Anomaly score in [0, 1]; high only at the onset of an episode. */
  score: number;
  /** Range the detector expected the value in (about ±3 residual scales around its prediction). */
  expectedLow: number;
  expectedHigh: number;
  /** Evidence behind the score (z-scores, CUSUM, variance ratio, likelihood...). */
  features: Record<string, number>;
  /** One sentence a person can read. */
  explanation: string;
  /** True while the detector is still learning (score is 0 then). */
  warmingUp: boolean;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Mean absolute deviation to standard deviation, for a normal distribution. */
const MAD_TO_SIGMA = 1.2533;
const Z_CAP = 1000;
const EXPECTED_Z = 3;
/** Largest accepted |value|. */
export const MAX_ABS_VALUE = 1e100;
const LEVEL = 0;
const PREVIOUS = 1;
const DAILY = 2;
const WEEKLY = 3;

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(3);
  return String(Math.round(x * 1000) / 1000);
}

/** Per-visit rate of a seasonal bin that should learn at `periodAlpha` per period. */
function visitAlpha(periodAlpha: number, binMs: number, stepMs: number, visits: number): number {
  const perPeriod = stepMs > 0 ? Math.max(1, binMs / stepMs) : 1;
  return Math.max(1 - (1 - periodAlpha) ** (1 / perPeriod), 1 / (visits + 1));
}

/**
 * z-score of `x` against a robust EWMA model (mean `m`, mean absolute residual `sc`, `n` seen),
 * 0 until it has seen `minN` values; the scale never goes below `floor`.
 */
function shapeZ(x: number, m: number, sc: number, n: number, minN: number, floor: number): number {
  if (n < minN) return 0;
  return clamp((x - m) / Math.max(sc * MAD_TO_SIGMA, floor), -Z_CAP, Z_CAP);
}

/** Next [mean, scale, n] of a shape model after `x` (residual clipped once the model is ready). */
function shapeLearn(
  x: number,
  m: number,
  sc: number,
  n: number,
  steps: number,
  config: DetectorConfig,
): [number, number, number] {
  if (n === 0) return [x, 0, 1];
  const a = Math.max(alphaFor(config.shapeAlpha, steps), 1 / (n + 1));
  let r = Math.abs(x - m);
  if (n >= config.predictorMinN) {
    r = Math.min(r, config.clipZ * Math.max(sc * MAD_TO_SIGMA, config.shapeScaleFloor));
  }
  return [m + a * (x - m), sc + Math.max(1 / (n + 1), config.residualAlpha) * (r - sc), n + 1];
}

function resize(s: DetectorState, config: DetectorConfig): void {
  // A state written under another configuration keeps what still fits and relearns the rest.
  if (s.day.length !== config.binsPerDay) {
    s.day = new Array<number>(config.binsPerDay).fill(0);
    s.dayN = new Array<number>(config.binsPerDay).fill(0);
    s.week = new Array<number>(7 * config.binsPerDay).fill(0);
    s.weekN = new Array<number>(7 * config.binsPerDay).fill(0);
    s.predN[DAILY] = 0;
    s.predN[WEEKLY] = 0;
  }
  if (s.ms.length !== config.multiScaleAlphas.length) {
    s.ms = new Array<number>(config.multiScaleAlphas.length).fill(0);
    s.msScale = new Array<number>(config.multiScaleAlphas.length).fill(0);
  }
  if (s.hist.length !== config.histBins) s.hist = new Array<number>(config.histBins).fill(0);
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
 */
export function updateInPlace(
  state: DetectorState,
  point: Point,
  config: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
): { state: DetectorState; scored: Scored } {
  // `+ 0` turns -0 into 0: JSON has no -0, so a state holding one would not survive persistence
  // unchanged (found by the round-trip property).
  const x = point.value + 0;
  const ts = point.timestampMs;
  // Squares of larger values overflow to Infinity and would poison the state.
  if (!Number.isFinite(x) || !Number.isFinite(ts) || Math.abs(x) > MAX_ABS_VALUE) {
    throw new DetectorError(`point value must be finite and within ±${MAX_ABS_VALUE}`);
  }
  const s = state;
  resize(s, config);

  if (s.n === 0 || s.last === null || s.lastTs === null) {
    s.n = 1;
    s.t0 = ts;
    s.lastTs = ts;
    s.last = x;
    s.slowM = x;
    s.fastM = x;
    return {
      state: s,
      scored: {
        score: 0,
        expectedLow: x,
        expectedHigh: x,
        features: {},
        explanation: 'first point of the series: learning',
        warmingUp: true,
      },
    };
  }

  // Time since the last point in nominal steps; EWMAs decay by the elapsed steps.
  let steps = 1;
  const dt = ts - s.lastTs;
  if (dt > 0) {
    if (s.step <= 0) s.step = dt;
    else {
      steps = dt / s.step;
      s.step *= Math.exp(0.05 * clamp(Math.log(dt / s.step), -1, 1));
    }
  }
  steps = clamp(steps, 1, 1e6);
  const gap = steps > config.gapSteps;

  // ---- predictions and their residual scales ----
  const bpd = config.binsPerDay;
  const dayPos = (((ts % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
  const dayBin = Math.min(bpd - 1, Math.floor(dayPos * bpd));
  // Epoch day 0 was a Thursday; the week bin only has to be consistent, not calendar-aligned.
  const dow = ((Math.floor(ts / DAY_MS) % 7) + 7) % 7;
  const weekBin = dow * bpd + dayBin;
  const elapsed = ts - (s.t0 ?? ts);
  const dayReady = elapsed >= config.seasonalMinDays * DAY_MS && (s.dayN[dayBin] ?? 0) > 0;
  const weekReady = elapsed >= config.seasonalMinDays * WEEK_MS && (s.weekN[weekBin] ?? 0) > 0;
  const preds = [
    s.slowM,
    s.last,
    dayReady ? s.day[dayBin]! : Number.NaN,
    weekReady ? s.week[weekBin]! : Number.NaN,
  ];
  const floor = 1e-9 + 1e-9 * Math.abs(s.slowM);
  const zs = [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
  const scales = [0, 0, 0, 0];
  let best = -1;
  let bestScale = Number.POSITIVE_INFINITY;
  let base = -1; // best predictor of the expected level (not the previous value)
  let baseScale = Number.POSITIVE_INFINITY;
  let minAbsZ = Number.POSITIVE_INFINITY;
  for (let i = 0; i < PREDICTORS.length; i++) {
    const p = preds[i]!;
    scales[i] = Math.max(s.predScale[i]! * MAD_TO_SIGMA, floor);
    if (Number.isNaN(p) || s.predN[i]! < config.predictorMinN) continue;
    const z = clamp((x - p) / scales[i]!, -Z_CAP, Z_CAP);
    zs[i] = z;
    minAbsZ = Math.min(minAbsZ, Math.abs(z));
    if (scales[i]! < bestScale) {
      bestScale = scales[i]!;
      best = i;
    }
    if (i !== PREVIOUS && scales[i]! < baseScale) {
      baseScale = scales[i]!;
      base = i;
    }
  }
  const warming = s.n < config.warmupPoints || best < 0;
  const zBest = best >= 0 ? zs[best]! : 0;
  const zPoint =
    config.combine === 'min' ? (Number.isFinite(minAbsZ) ? minAbsZ : 0) : Math.abs(zBest);

  // ---- level shift: CUSUM of the level residual minus its running bias ----
  const zL = Number.isNaN(zs[LEVEL]!) ? 0 : clamp(zs[LEVEL]!, -config.clipZ, config.clipZ);
  const zc = zL - s.bias;
  s.cusumP = Math.max(0, s.cusumP + zc - config.cusumK);
  s.cusumN = Math.max(0, s.cusumN - zc - config.cusumK);
  const cus = Math.max(s.cusumP, s.cusumN);
  const cusEvidence = (cus / config.cusumH) * config.cusumZ;

  // ---- variance change (a flat line included): short vs long variance of first differences ----
  const d = x - s.last;
  const eps = 1e-3 * s.dvL + 1e-18;
  const varRatio = s.n > 2 / config.varLongAlpha ? Math.log((s.dvS + eps) / (s.dvL + eps)) : 0;
  const varEvidence = config.varWeight * Math.max(0, Math.abs(varRatio) - config.varDeadband);

  // ---- sustained deviations: multi-scale averages of the baseline residual ----
  const e = base >= 0 ? x - preds[base]! : 0;
  const eClip = base >= 0 ? clamp(e, -10 * baseScale, 10 * baseScale) : 0;
  const msZ: number[] = [];
  for (let j = 0; j < config.multiScaleAlphas.length; j++) {
    const a = alphaFor(config.multiScaleAlphas[j]!, steps);
    const m = s.ms[j]! + a * (eClip - s.ms[j]!);
    s.ms[j] = m;
    const sc = Math.max(s.msScale[j]! * MAD_TO_SIGMA, floor);
    const z = s.n > config.warmupPoints * 2 ? clamp(m / sc, -Z_CAP, Z_CAP) : 0;
    msZ.push(z);
    const am = Math.max(config.multiScaleScaleAlpha, 1 / s.n);
    const absM = s.msScale[j]! > 0 ? Math.min(Math.abs(m), config.clipZ * sc) : Math.abs(m);
    s.msScale[j] = s.msScale[j]! + am * (absM - s.msScale[j]!);
  }

  // ---- window shape: log count and log spread (p99 − mean), when the point carries them ----
  const hasCount = point.count !== undefined && Number.isFinite(point.count) && point.count > 0;
  const lc = hasCount ? Math.log(point.count as number) : 0;
  const zCount = hasCount
    ? shapeZ(lc, s.cntM, s.cntS, s.cntN, config.predictorMinN, config.shapeScaleFloor)
    : 0;
  // No spread without at least two readings above the mean: a one-reading window has p99 = mean,
  // and log(0 + ε) would only echo log(value).
  const spread = point.p99 !== undefined ? point.p99 - x : Number.NaN;
  const hasSpread =
    Number.isFinite(spread) && spread > 0 && (point.count === undefined || point.count >= 2);
  const ls = hasSpread ? Math.log(spread) : 0;
  const zSpread = hasSpread
    ? shapeZ(ls, s.sprM, s.sprS, s.sprN, config.predictorMinN, config.shapeScaleFloor)
    : 0;

  // ---- combine: the strongest evidence, in z-score units ----
  const feats = [
    zPoint,
    cusEvidence,
    varEvidence,
    ...msZ.map((z) => Math.abs(z) * config.multiScaleWeight),
  ];
  // Appended only when present, so a bare value point (NAB) is scored exactly as before.
  if (hasCount) feats.push(Math.abs(zCount) * config.countWeight);
  if (hasSpread) feats.push(Math.abs(zSpread) * config.spreadWeight);
  const raw = Math.max(...feats);

  // ---- anomaly likelihood: how rare the recent surprise is for this series ----
  s.recent.push(Math.log1p(raw));
  while (s.recent.length > config.likelihoodShort) s.recent.shift();
  let avg = 0;
  for (const r of s.recent) avg += r;
  avg /= s.recent.length;
  // A lone extreme point must not be diluted by the average of its quiet neighbours.
  avg = Math.max(avg, config.likelihoodPointWeight * Math.log1p(raw));
  let score = 0;
  let likelihood = 0;
  const pos = avg / config.histWidth;
  if (!warming && s.likN >= config.warmupPoints) {
    const tail = tailProbability(s.hist, 0, s.hist.length, pos, config.histDecayPerBin);
    likelihood = 1 - tail;
    score = clamp(Math.log(tail) / Math.log(config.histMinTail), 0, 1);
  }
  if (!warming) {
    histAdd(s.hist, 0, s.hist.length, pos, 1 / config.likelihoodAlpha);
    s.likN += 1;
  }

  // ---- emit the onset of an episode; later points of the same episode are damped ----
  s.peak *= 0.5 ** (steps / config.suppressHalfLife);
  const onset = score > s.peak;
  const emitted = onset ? score : score * config.suppressFactor;
  // A new onset raises the bar for the rest of its episode, so a rising run alarms once.
  s.peak = onset ? score + config.suppressBump : s.peak;

  // ---- learn from the point (residuals clipped so an anomaly does not blow up the scales) ----
  const aRes = alphaFor(config.residualAlpha, steps);
  for (let i = 0; i < PREDICTORS.length; i++) {
    const p = preds[i]!;
    if (Number.isNaN(p)) continue;
    const n = s.predN[i]!;
    let r = Math.abs(x - p);
    if (n >= config.predictorMinN && s.predScale[i]! > 0)
      r = Math.min(r, config.clipZ * scales[i]!);
    s.predScale[i] = s.predScale[i]! + Math.max(1 / (n + 1), aRes) * (r - s.predScale[i]!);
    s.predN[i] = Math.min(n + 1, 1e9);
  }
  const scL = scales[LEVEL]!;
  const xc =
    s.predN[LEVEL]! > config.predictorMinN
      ? clamp(x, s.slowM - config.clipZ * scL, s.slowM + config.clipZ * scL)
      : x;
  s.slowM += alphaFor(config.slowAlpha, steps) * (xc - s.slowM);
  s.fastM += alphaFor(config.fastAlpha, steps) * (x - s.fastM);
  s.bias += config.biasAlpha * (zL - s.bias);
  if (cus > config.cusumH) {
    // Level shift confirmed: re-anchor the level model on the new level.
    s.slowM = s.fastM;
    s.cusumP = 0;
    s.cusumN = 0;
    s.bias = 0;
  }
  const seasClip = (m: number, n: number, sc: number): number =>
    n > 0 && Number.isFinite(sc) && sc > 0
      ? clamp(x, m - config.clipZ * sc, m + config.clipZ * sc)
      : x;
  const dn = s.dayN[dayBin]!;
  const dm = s.day[dayBin]!;
  const da = visitAlpha(config.dayAlpha, DAY_MS / bpd, s.step, dn);
  s.day[dayBin] = dn === 0 ? x : dm + da * (seasClip(dm, dn, dayReady ? scales[DAILY]! : 0) - dm);
  s.dayN[dayBin] = Math.min(dn + 1, 1e9);
  const wn = s.weekN[weekBin]!;
  const wm = s.week[weekBin]!;
  const wa = visitAlpha(config.weekAlpha, DAY_MS / bpd, s.step, wn);
  s.week[weekBin] =
    wn === 0 ? x : wm + wa * (seasClip(wm, wn, weekReady ? scales[WEEKLY]! : 0) - wm);
  s.weekN[weekBin] = Math.min(wn + 1, 1e9);
  const d2 = d * d;
  s.dvS += alphaFor(config.varShortAlpha, 1) * (d2 - s.dvS);
  s.dvL += Math.max(config.varLongAlpha, 1 / s.n) * (Math.min(d2, 16 * s.dvL + 1e-18) - s.dvL);
  const usualCount = Math.exp(s.cntM);
  const usualSpread = Math.exp(s.sprM);
  if (hasCount) [s.cntM, s.cntS, s.cntN] = shapeLearn(lc, s.cntM, s.cntS, s.cntN, steps, config);
  if (hasSpread) [s.sprM, s.sprS, s.sprN] = shapeLearn(ls, s.sprM, s.sprS, s.sprN, steps, config);
  if (gap) s.recent = [];
  s.n += 1;
  s.last = x;
  s.lastTs = Math.max(s.lastTs, ts);

  // ---- explanation ----
  const center = base >= 0 ? preds[base]! : best >= 0 ? preds[best]! : s.slowM;
  const half = EXPECTED_Z * (base >= 0 ? baseScale : Number.isFinite(bestScale) ? bestScale : 0);
  const features: Record<string, number> = {
    z: zBest,
    zLevel: zs[LEVEL]!,
    zPrevious: zs[PREVIOUS]!,
    zDaily: zs[DAILY]!,
    zWeekly: zs[WEEKLY]!,
    cusum: cus,
    varianceLogRatio: varRatio,
    raw,
    likelihood,
  };
  msZ.forEach((z, j) => {
    features[`zSustained${j}`] = z;
  });
  if (hasCount) features.zCount = zCount;
  if (hasSpread) features.zSpread = zSpread;
  for (const k of Object.keys(features)) if (!Number.isFinite(features[k])) delete features[k];
  const msEvidence = Math.max(0, ...feats.slice(3, 3 + msZ.length));
  const countEvidence = hasCount ? Math.abs(zCount) * config.countWeight : 0;
  const spreadEvidence = hasSpread ? Math.abs(zSpread) * config.spreadWeight : 0;
  const strongest = Math.max(
    zPoint,
    cusEvidence,
    varEvidence,
    msEvidence,
    countEvidence,
    spreadEvidence,
  );
  let driver = `${fmt(zBest)} residual scales from the ${PREDICTORS[best] ?? 'level'} model`;
  if (strongest === cusEvidence && cusEvidence > zPoint) driver = 'a sustained level shift';
  else if (strongest === msEvidence && msEvidence > zPoint) {
    driver = `a sustained deviation from the ${PREDICTORS[base] ?? 'level'} baseline`;
  } else if (strongest === varEvidence && varEvidence > zPoint) {
    driver = varRatio < 0 ? 'variability collapsed (flat line)' : 'variability jumped';
  } else if (strongest === countEvidence && countEvidence > zPoint) {
    driver = `the window count (${fmt(point.count as number)}, usually about ${fmt(usualCount)})`;
  } else if (strongest === spreadEvidence && spreadEvidence > zPoint) {
    driver = `the spread p99 − mean (${fmt((point.p99 as number) - x)}, usually about ${fmt(usualSpread)})`;
  }
  const explanation = warming
    ? `learning (${s.n} points seen)`
    : `value ${fmt(x)}, expected ${fmt(center - half)}..${fmt(center + half)}; ` +
      `score ${fmt(emitted)} driven by ${driver}`;
  return {
    state: s,
    scored: {
      score: warming ? 0 : emitted,
      expectedLow: center - half,
      expectedHigh: center + half,
      features,
      explanation,
      warmingUp: warming,
    },
  };
}
