/**
 * Lambda's published on-demand price for arm64 (Graviton) duration, first pricing tier (first
 * 7.5 billion GB-seconds a month), us-east-1, from https://aws.amazon.com/lambda/pricing/
 * (unchanged since arm64 launched in September 2021; recorded 2026-11-25). Requests cost
 * $0.20 per million on both architectures.
 */
export const LAMBDA_ARM64_USD_PER_GB_SECOND = 0.0000133334;
export const LAMBDA_USD_PER_MILLION_REQUESTS = 0.2;
/** The memory size the cost line assumes (MB), the size the memory target of docs/performance-targets.md names. */
export const COST_MEMORY_MB = 256;

/**
 * Dollars of Lambda duration per million events, for a run that takes `durationMs` to process
 * `events` events at `memoryMb` (billed in 1 ms steps). Requests are extra (see
 * {@link requestUsdPerMillionEvents}).
 *
 * @example
 * durationUsdPerMillionEvents(40, 5500); // ≈ 0.0243 (40 ms for 5,500 events at 256 MB)
 */
export function durationUsdPerMillionEvents(
  durationMs: number,
  events: number,
  memoryMb = COST_MEMORY_MB,
  usdPerGbSecond = LAMBDA_ARM64_USD_PER_GB_SECOND,
): number {
  const billedSeconds = Math.ceil(durationMs) / 1000;
  const perInvocation = billedSeconds * (memoryMb / 1024) * usdPerGbSecond;
  return (perInvocation / events) * 1_000_000;
}

/** Request charge per million events when each invocation carries `events` events. */
export function requestUsdPerMillionEvents(events: number): number {
  return LAMBDA_USD_PER_MILLION_REQUESTS / events;
}
