import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './config.js';
import { DetectorError } from './errors.js';
import { alphaFor, clamp, normalTail } from './math.js';
import { cloneState, type DetectorState } from './state.js';

/** One observation: a closed window's representative value (the mean) and optional extras. */
export interface Point {
  timestampMs: number;
  value: number;
  count?: number;
  p99?: number;
  min?: number;
  max?: number;
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
const MAD_TO_SIGMA = 1.2533;
const Z_CAP = 1000;
const EXPECTED_Z = 3;
const PREDICTOR_NAMES = ['level', 'previous value', 'seasonal profile'] as const;

function binOf(ts: number, config: DetectorConfig): number {
  const dayMs = ((ts % DAY_MS) + DAY_MS) % DAY_MS;
  const hourBin = Math.min(config.binsPerDay - 1, Math.floor((dayMs / DAY_MS) * config.binsPerDay));
  if (!config.weekendSplit) return hourBin;
  // 1970-01-01 was a Thursday: day index 0 → Thursday; Saturday = 2, Sunday = 3 (mod 7).
  const dow = ((((Math.floor(ts / DAY_MS) % 7) + 7) % 7) + 4) % 7; // 0 = Sunday
  const weekend = dow === 0 || dow === 6;
  return weekend ? config.binsPerDay + hourBin : hourBin;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(3);
  return String(Math.round(x * 1000) / 1000);
}

/**
 * Score one point and return the next state. Pure and deterministic: the input state is not
 * mutated, and the same (state, point, config) always gives the same result, so a redelivered
 * window replayed on the stored state reproduces the stored outcome.
 */
export function update(
  state: DetectorState,
  point: Point,
  config: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
): { state: DetectorState; scored: Scored } {
  const x = point.value;
  const ts = point.timestampMs;
  if (!Number.isFinite(x) || !Number.isFinite(ts)) {
    throw new DetectorError('point value and timestamp must be finite numbers');
  }
  const s = cloneState(state);

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

  // Time since the last point in nominal steps; gaps make the models forget faster.
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

  // Predictions of each model and their residual scales.
  const bin = binOf(ts, config);
  const t0 = s.t0 ?? ts;
  const seasReady = ts - t0 >= config.seasonalMinDays * DAY_MS && (s.seasN[bin] ?? 0) > 0;
  const preds = [s.slowM, s.last, seasReady ? (s.seas[bin] ?? s.slowM) : Number.NaN];
  const floor = 1e-9 + 1e-9 * Math.abs(s.slowM);
  const zs: number[] = [Number.NaN, Number.NaN, Number.NaN];
  let best = -1;
  let bestScale = Number.POSITIVE_INFINITY;
  let minAbsZ = Number.POSITIVE_INFINITY;
  for (let i = 0; i < preds.length; i++) {
    const p = preds[i]!;
    if (Number.isNaN(p) || (s.predN[i] ?? 0) < 10) continue;
    const sc = Math.max((s.predScale[i] ?? 0) * MAD_TO_SIGMA, floor);
    const z = clamp((x - p) / sc, -Z_CAP, Z_CAP);
    zs[i] = z;
    if (Math.abs(z) < minAbsZ) minAbsZ = Math.abs(z);
    if (sc < bestScale) {
      bestScale = sc;
      best = i;
    }
  }
  const warming = s.n < config.warmupPoints || best < 0;
  const zBest = best >= 0 ? zs[best]! : 0;
  const zRaw =
    config.combine === 'min' ? (Number.isFinite(minAbsZ) ? minAbsZ : 0) : Math.abs(zBest);

  // Level shift: CUSUM of the level residual minus its running bias (so a steady trend, which
  // gives a constant lag, does not accumulate).
  const zL = Number.isNaN(zs[0]!) ? 0 : clamp(zs[0]!, -config.clipZ, config.clipZ);
  const zc = zL - s.bias;
  s.cusumP = Math.max(0, s.cusumP + zc - config.cusumK);
  s.cusumN = Math.max(0, s.cusumN - zc - config.cusumK);
  const cus = Math.max(s.cusumP, s.cusumN);
  const cusEvidence = (cus / config.cusumH) * config.cusumZ;

  // Variance change (including a flat line): short vs long variance of first differences.
  const d = x - s.last;
  const d2 = d * d;
  const eps = 1e-3 * s.dvL + 1e-18;
  const varRatio = s.n > 2 / config.varLongAlpha ? Math.log((s.dvS + eps) / (s.dvL + eps)) : 0;
  const varEvidence = config.varWeight * Math.max(0, Math.abs(varRatio) - config.varDeadband);

  const raw = Math.max(zRaw, cusEvidence, varEvidence);

  // Anomaly likelihood: how unusual the recent raw surprise is for this series.
  s.recent.push(Math.log1p(raw));
  while (s.recent.length > config.likelihoodShort) s.recent.shift();
  let avg = 0;
  for (const r of s.recent) avg += r;
  avg /= s.recent.length;
  let score = 0;
  let likelihood = 0;
  if (!warming && s.likN >= config.warmupPoints) {
    const sd = Math.sqrt(Math.max(s.likV, config.likelihoodMinVar));
    const tail = normalTail((avg - s.likM) / sd);
    likelihood = 1 - tail;
    score = clamp(Math.log(tail + 1e-10) / Math.log(1e-10), 0, 1);
  }
  if (!warming) {
    const a = Math.max(1 / (s.likN + 1), config.likelihoodAlpha);
    const diff = avg - s.likM;
    s.likM += a * diff;
    s.likV = (1 - a) * (s.likV + a * diff * diff);
    s.likN += 1;
  }

  // Emit the onset of an episode; later points of the same episode are damped.
  s.peak *= 0.5 ** (steps / config.suppressHalfLife);
  const emitted = score > s.peak ? score : score * config.suppressFactor;
  s.peak = Math.max(s.peak, score);

  // ---- learn from the point (residuals clipped so an anomaly does not blow up the scales) ----
  const aSlow = alphaFor(config.slowAlpha, steps);
  const aFast = alphaFor(config.fastAlpha, steps);
  const aRes = alphaFor(config.residualAlpha, steps);
  for (let i = 0; i < preds.length; i++) {
    const p = preds[i]!;
    if (Number.isNaN(p)) continue;
    const sc = (s.predScale[i] ?? 0) * MAD_TO_SIGMA;
    const n = s.predN[i] ?? 0;
    let r = Math.abs(x - p);
    if (n >= 10 && sc > 0) r = Math.min(r, config.clipZ * sc);
    const a = Math.max(1 / (n + 1), aRes);
    s.predScale[i] = (s.predScale[i] ?? 0) + a * (r - (s.predScale[i] ?? 0));
    s.predN[i] = n + 1;
  }
  const scL = Math.max((s.predScale[0] ?? 0) * MAD_TO_SIGMA, floor);
  const xc = clamp(x, s.slowM - config.clipZ * scL, s.slowM + config.clipZ * scL);
  s.slowM += aSlow * ((s.predN[0] ?? 0) > 10 ? xc - s.slowM : x - s.slowM);
  s.fastM += aFast * (x - s.fastM);
  s.bias += config.biasAlpha * (zL - s.bias);
  if (cus > config.cusumH) {
    // Level shift confirmed: re-anchor the level model on the new level.
    s.slowM = s.fastM;
    s.cusumP = 0;
    s.cusumN = 0;
    s.bias = 0;
  }
  const visitsPerDay = s.step > 0 ? Math.max(1, DAY_MS / config.binsPerDay / s.step) : 1;
  const aSeas = 1 - (1 - config.seasonalDayAlpha) ** (1 / visitsPerDay);
  const sn = s.seasN[bin] ?? 0;
  const sm = s.seas[bin] ?? 0;
  const sx =
    sn > 0 && seasReady
      ? clamp(x, sm - config.clipZ * bestScale, sm + config.clipZ * bestScale)
      : x;
  s.seas[bin] = sn === 0 ? x : sm + Math.max(aSeas, 1 / (sn + 1)) * (sx - sm);
  s.seasN[bin] = Math.min(sn + 1, 1e9);
  const aVS = alphaFor(config.varShortAlpha, 1);
  const aVL = alphaFor(config.varLongAlpha, 1);
  s.dvS += aVS * (d2 - s.dvS);
  s.dvL += Math.max(aVL, 1 / s.n) * (Math.min(d2, 16 * s.dvL + 1e-18) - s.dvL);
  if (gap) {
    s.recent = [];
  }
  s.n += 1;
  s.last = x;
  s.lastTs = Math.max(s.lastTs, ts);

  const center = best >= 0 ? preds[best]! : s.slowM;
  const half = EXPECTED_Z * (Number.isFinite(bestScale) ? bestScale : 0);
  const features: Record<string, number> = {
    z: zBest,
    zLevel: zs[0]!,
    zPrevious: zs[1]!,
    zSeasonal: zs[2]!,
    cusum: cus,
    varianceLogRatio: varRatio,
    raw,
    likelihood,
  };
  for (const k of Object.keys(features)) if (!Number.isFinite(features[k])) delete features[k];
  const drivers: string[] = [];
  if (zRaw >= Math.max(cusEvidence, varEvidence)) {
    drivers.push(`${fmt(zBest)} scales from the ${PREDICTOR_NAMES[best] ?? 'level'} model`);
  }
  if (cusEvidence > zRaw && cusEvidence >= varEvidence) drivers.push('a sustained level shift');
  if (varEvidence > zRaw && varEvidence > cusEvidence) {
    drivers.push(varRatio < 0 ? 'variability collapsed (flat line)' : 'variability jumped');
  }
  const explanation = warming
    ? `learning (${s.n} points seen)`
    : `value ${fmt(x)} vs expected ${fmt(center - half)}..${fmt(center + half)}; ` +
      `score ${fmt(emitted)} driven by ${drivers.join(', ')}`;
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
