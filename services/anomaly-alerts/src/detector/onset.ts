/**
 * Onsets: a row-by-row anomaly signal (`pnpm detect`, NAB's results format) in which an anomaly
 * counts once. After a high score the short-memory tests (drift, variability) keep the anomalous
 * value for about `span` points, so the scores that follow repeat the same evidence; the Lambda
 * folds them into one alert episode (`alerting/episode.ts`). This filter does the same for a
 * plain score stream without a threshold: a score is reported only when it exceeds every score
 * reported within the last `span` points, otherwise 0.
 */
export interface OnsetFilter {
  /** Highest score reported within the span (0 when it has expired). */
  peak: number;
  /** Points since that score was reported. */
  age: number;
}

export function newOnsetFilter(): OnsetFilter {
  return { peak: 0, age: Number.POSITIVE_INFINITY };
}

/** The score to report for the next point, given its detector score; updates `f`. */
export function onsetScore(f: OnsetFilter, score: number, span: number): number {
  f.age += 1;
  if (f.age > span) f.peak = 0;
  if (score <= f.peak) return 0;
  f.peak = score;
  f.age = 0;
  return score;
}
