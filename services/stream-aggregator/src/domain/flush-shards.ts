/**
 * Series one flush-state shard is sized for. A shard is one DynamoDB item holding, per series,
 * its key, digest and revision deflated (≈ 11 bytes per series with short keys; a longer key
 * adds what it does not compress to): 10,000 series leave room for keys several times longer
 * inside the 350 KB the store accepts.
 */
export const SERIES_PER_FLUSH_SHARD = 10_000;

/** FLUSH_SHARDS for a window of `series` series: ⌈series / 10,000⌉, at least 1. */
export function flushShardsFor(series: number): number {
  return Math.max(1, Math.ceil(series / SERIES_PER_FLUSH_SHARD));
}
