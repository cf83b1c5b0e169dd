/**
 * Detector configuration. One default configuration serves every series: the detector adapts its
 * scales online, so nothing here is per-series.
 */
export interface DetectorConfig {
  /** Points scored as warming up (score 0) while the models learn a first scale. */
  readonly warmupPoints: number;
  /** EWMA rate of the slow level model (per nominal step). */
  readonly slowAlpha: number;
  /** EWMA rate of the fast level model (per nominal step), the level a confirmed shift jumps to. */
  readonly fastAlpha: number;
  /** EWMA rate of the residual scale estimates of every predictor. */
  readonly residualAlpha: number;
  /** Minimum residuals a predictor must have seen before it may be used. */
  readonly predictorMinN: number;
  /** Seasonal profile bins per day (the weekly profile has 7 times as many). */
  readonly binsPerDay: number;
  /** Per-period learning rates of a daily and of a weekly bin (per day / per week). */
  readonly dayAlpha: number;
  readonly weekAlpha: number;
  /** Days of history before the daily profile may be used (the weekly one needs 7 times more). */
  readonly seasonalMinDays: number;
  /** Residuals are clipped at this many scales before they update any model (robustness). */
  readonly clipZ: number;
  /** How the point z-scores combine: the best predictor's, or the smallest (all must agree). */
  readonly combine: 'best' | 'min';
  /** CUSUM slack (in residual scales) and decision height. */
  readonly cusumK: number;
  readonly cusumH: number;
  /** z-score equivalent of a CUSUM reaching its decision height. */
  readonly cusumZ: number;
  /** Rate of the running bias of the level residual (removes steady trend lag before the CUSUM). */
  readonly biasAlpha: number;
  /** Short/long EWMA rates of the variance of first differences (variance-change detector). */
  readonly varShortAlpha: number;
  readonly varLongAlpha: number;
  /** Weight of the variance-change evidence, and |log variance ratio| below which it is ignored. */
  readonly varWeight: number;
  readonly varDeadband: number;
  /** EWMA rates of the multi-scale residual averages (sustained deviations, spike density). */
  readonly multiScaleAlphas: readonly number[];
  /** Rate of the multi-scale averages' own scale, and the weight of their z-scores. */
  readonly multiScaleScaleAlpha: number;
  readonly multiScaleWeight: number;
  /** Forgetting rate of the histograms (they remember about 1/rate points). */
  readonly likelihoodAlpha: number;
  /** Number of raw surprises averaged in the short window of the likelihood. */
  readonly likelihoodShort: number;
  /** Histogram bins, their width (log1p surprise units), tail decay per bin past the top. */
  readonly histBins: number;
  readonly histWidth: number;
  readonly histDecayPerBin: number;
  /** Tail probability that maps to score 1. */
  readonly histMinTail: number;
  /** The averaged surprise is at least this fraction of the current point's surprise. */
  readonly likelihoodPointWeight: number;
  /** Half-life, in points, of the peak that suppresses repeated alarms in one episode. */
  readonly suppressHalfLife: number;
  /** Factor applied to scores inside an episode (below the decaying peak). */
  readonly suppressFactor: number;
  /** Added to the peak at an onset: later points of the episode must beat it by this much. */
  readonly suppressBump: number;
  /** A gap longer than this many nominal steps counts as a gap. */
  readonly gapSteps: number;
  /**
   * Window shape (service windows only; a bare `timestamp,value` point has none): EWMA rate of the
   * log count and log spread (p99 − mean) models, the floor of their residual scale (log units:
   * 0.1 ≈ a 10% change per scale) and the weights of their z-scores in the evidence.
   */
  readonly shapeAlpha: number;
  readonly shapeScaleFloor: number;
  readonly countWeight: number;
  readonly spreadWeight: number;
}

/** The production configuration (the Lambda and `pnpm detect` use exactly this). */
export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = Object.freeze({
  warmupPoints: 30,
  slowAlpha: 0.02,
  fastAlpha: 0.2,
  residualAlpha: 0.01,
  predictorMinN: 10,
  binsPerDay: 24,
  dayAlpha: 0.25,
  weekAlpha: 0.3,
  seasonalMinDays: 2,
  clipZ: 4,
  combine: 'best',
  cusumK: 0.5,
  cusumH: 8,
  cusumZ: 4,
  biasAlpha: 0.01,
  varShortAlpha: 0.1,
  varLongAlpha: 0.005,
  varWeight: 1.5,
  varDeadband: 1.5,
  multiScaleAlphas: Object.freeze([0.3, 0.1, 0.03]),
  multiScaleScaleAlpha: 0.005,
  multiScaleWeight: 0.85,
  likelihoodAlpha: 0.0002,
  likelihoodShort: 5,
  likelihoodPointWeight: 0.7,
  histBins: 32,
  histWidth: 0.25,
  histDecayPerBin: 1,
  histMinTail: 1e-7,
  suppressHalfLife: 1000,
  suppressFactor: 0.1,
  suppressBump: 0.1,
  gapSteps: 3,
  shapeAlpha: 0.05,
  shapeScaleFloor: 0.1,
  countWeight: 1,
  spreadWeight: 1,
} as const);
