/**
 * Detector configuration. One configuration serves every series: each series is normalised
 * against its own history, so nothing here is per series, and no value below was chosen by
 * benchmark scores (docs/detector.md gives the reason for each).
 */
export interface DetectorConfig {
  /**
   * Points scored as warming up (score 0) at the start of a series. 30 points estimate a standard
   * deviation to within about ±13% (relative standard error 1/√(2n)).
   */
  readonly warmupPoints: number;
  /**
   * Memory, in points, of the baseline statistics (mean, variance, variance of changes): an
   * exponentially weighted average with rate 1/N. 288 points is one day at 5-minute resolution,
   * the default resolution of CloudWatch metrics and of the NAB corpus, and the learning period of
   * Numenta's anomaly likelihood.
   */
  readonly baselinePoints: number;
  /**
   * Memory, in points, of the recent size of changes that is compared with the long-run one
   * (variability changes, flat lines). 10 is the short averaging window of Numenta's anomaly
   * likelihood.
   */
  readonly shortPoints: number;
  /**
   * Memory, in points, of the calibration histograms (counts are halved when they reach it, so
   * between half and all of it is remembered): 8640 points, the historic window of Numenta's
   * anomaly likelihood (30 days at 5-minute resolution).
   */
  readonly calibrationPoints: number;
}

/** The production configuration (the Lambda and `pnpm detect` use exactly this). */
export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = Object.freeze({
  warmupPoints: 30,
  baselinePoints: 288,
  shortPoints: 10,
  calibrationPoints: 8640,
} as const);
