/**
 * Detector configuration. One default configuration serves every series: the detector adapts its
 * scales online, so nothing here is per-series.
 */
export interface DetectorConfig {
  /** Points scored as warming up (score 0) while the models learn a first scale. */
  readonly warmupPoints: number;
  /** EWMA rate of the slow level model (per nominal step). */
  readonly slowAlpha: number;
  /** EWMA rate of the fast level model (per nominal step), used for level-shift evidence. */
  readonly fastAlpha: number;
  /** EWMA rate of the residual scale estimates of every predictor. */
  readonly residualAlpha: number;
  /** Seasonal profile bins per day (hour-of-day resolution). */
  readonly binsPerDay: number;
  /** Learn weekday and weekend profiles separately. */
  readonly weekendSplit: boolean;
  /** Per-day learning rate of a seasonal bin. */
  readonly seasonalDayAlpha: number;
  /** Days of history before the seasonal predictor may be used. */
  readonly seasonalMinDays: number;
  /** Residuals are clipped at this many scales before they update any model (robustness). */
  readonly clipZ: number;
  /** CUSUM slack (in residual scales) and decision height. */
  readonly cusumK: number;
  readonly cusumH: number;
  /** Short/long EWMA rates of the variance of first differences (variance-change detector). */
  readonly varShortAlpha: number;
  readonly varLongAlpha: number;
  /** Weight of the variance-change evidence relative to a z-score. */
  readonly varWeight: number;
  /** Rate of the running distribution of raw surprise (anomaly-likelihood normalisation). */
  readonly likelihoodAlpha: number;
  /** Number of raw surprises averaged in the short window of the likelihood. */
  readonly likelihoodShort: number;
  /** Half-life, in points, of the emitted peak that suppresses repeated alarms in one episode. */
  readonly suppressHalfLife: number;
  /** How the predictors' z-scores combine: the best predictor's, or the smallest (all must agree). */
  readonly combine: 'best' | 'min';
  /** z-score equivalent of a CUSUM reaching its decision height. */
  readonly cusumZ: number;
  /** Rate of the running bias of the level residual (removes steady trend lag before the CUSUM). */
  readonly biasAlpha: number;
  /** |log variance ratio| below this is ignored. */
  readonly varDeadband: number;
  /** Floor on the variance of the likelihood's raw-surprise distribution. */
  readonly likelihoodMinVar: number;
  /** Factor applied to scores inside an episode (below the decaying peak). */
  readonly suppressFactor: number;
  /** A gap longer than this many nominal steps counts as a gap (models decay faster). */
  readonly gapSteps: number;
}

/** The production configuration (the Lambda and `pnpm detect` use exactly this). */
export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = Object.freeze({
  warmupPoints: 30,
  slowAlpha: 0.02,
  fastAlpha: 0.2,
  residualAlpha: 0.01,
  binsPerDay: 24,
  weekendSplit: true,
  seasonalDayAlpha: 0.25,
  seasonalMinDays: 2,
  clipZ: 4,
  cusumK: 0.5,
  cusumH: 8,
  varShortAlpha: 0.1,
  varLongAlpha: 0.005,
  varWeight: 1.5,
  likelihoodAlpha: 0.002,
  likelihoodShort: 5,
  suppressHalfLife: 200,
  gapSteps: 3,
  combine: 'best',
  cusumZ: 4,
  biasAlpha: 0.01,
  varDeadband: 1.5,
  likelihoodMinVar: 0.0025,
  suppressFactor: 0.5,
});
