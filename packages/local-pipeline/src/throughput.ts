import type { SharedSourceStats } from './esm/source.js';
import type { LagSummary } from './lag.js';

/** One event source mapping's load during a run. */
export interface MappingLoad {
  readonly function: string;
  readonly batchWindowSeconds: number;
  readonly maxIteratorAgeMs: number;
  /** Time the function's container spent in invocations (ms). */
  readonly busyMs: number;
  readonly recordsProcessed: number;
}

/** Did the pipeline keep up with the rate it was fed? (`--summary-json` → `throughput`). */
export interface ThroughputVerdict {
  readonly requestedRate: number;
  /** Seconds of rate ramp before the sustained phase (`--ramp`; 0 = none). */
  readonly rampSeconds: number;
  /** Records sent per second of the sustained phase (the produce phase after the ramp). */
  readonly achievedRate: number;
  /** Length of the sustained phase (s). */
  readonly producedSeconds: number;
  readonly drainSeconds: number;
  /** Event-loop utilisation of the harness main thread (the ESM, Firehose, SQS/EventBridge emulators; SNS and Redshift stand-ins), 0..1. */
  readonly mainThreadUtilization?: number;
  /** How the shards were read: the shared source's counters (GetRecords made, records served). */
  readonly kinesisReads?: SharedSourceStats;
  /** GetRecords refused past Kinesis' per-shard read limits (the reader waited and read again). */
  readonly readThrottles?: number;
  readonly lag: LagSummary;
  readonly mappings: readonly (MappingLoad & { readonly recordsPerBusySecond: number })[];
  /** Highest max iterator age over the mappings, and whose it is (the bottleneck). */
  readonly slowest?: { readonly function: string; readonly maxIteratorAgeMs: number };
  /**
   * `kept up` / `fell behind`, or `not judged` when every criterion that could be measured held
   * but no window was stored during the run (a run shorter than a window and its lateness), so
   * the end-to-end lag is unknown: such a run is neither reported healthy nor behind.
   */
  readonly verdict: 'kept up' | 'fell behind' | 'not judged';
  /** `verdict === 'kept up'`. */
  readonly keptUp: boolean;
  /** Why not, one reason per failed criterion (or, when not judged, what was not measured). */
  readonly reasons: readonly string[];
}

/** Iterator age above the batching window that still counts as keeping up (ms). */
export const ITERATOR_AGE_SLACK_MS = 10_000;

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Why the lag bound was exceeded, and which stage used the time: the wait for an event that
 * closes the window (the feed's event time), or the delivery after it (the pipeline).
 */
export function lagReason(lag: LagSummary): string {
  const head = `end-to-end lag max ${sec(lag.maxMs)} over the ${sec(lag.boundMs)} bound`;
  const { bound, worst } = lag;
  if (!bound || !worst) return head;
  const stages = `${sec(worst.closeWaitMs)} until an event closing its window was produced (allowed ${sec(bound.closeMs)}), ${sec(worst.afterCloseMs)} from then to the stored window (allowed ${sec(bound.deliveryMs)}: ${Object.entries(
    bound.delivery,
  )
    .map(([name, ms]) => `${name} ${sec(ms)}`)
    .join(', ')})`;
  const culprit =
    worst.afterCloseMs > bound.deliveryMs
      ? 'the pipeline after the close (the aggregator, its batching and flush, or the aggregates stream) used the time'
      : worst.closeWaitMs > bound.closeMs
        ? 'the feed used the time (events past the window end + lateness were produced late)'
        : 'neither stage alone exceeded its share';
  return `${head} (window ${new Date(worst.windowStartMs).toISOString()}: ${stages}): ${culprit}`;
}

/**
 * The verdict: kept up when the feed reached ≥ 95 % of the requested rate in the sustained phase
 * (after the ramp, if any), every mapping's iterator age stayed within its batching window + 10 s
 * over the whole run (the ramp included), and every measured event's window was
 * stored within the lag bound (window + allowed lateness in wall time + 5 s).
 */
export function throughputVerdict(input: {
  requestedRate: number;
  rampSeconds?: number;
  /** Records sent in the sustained phase, which lasted `producedSeconds` (`sustainedPhase`). */
  produced: number;
  producedSeconds: number;
  drainSeconds: number;
  mainThreadUtilization?: number;
  kinesisReads?: SharedSourceStats;
  readThrottles?: number;
  lag: LagSummary;
  mappings: readonly MappingLoad[];
}): ThroughputVerdict {
  const achievedRate = input.producedSeconds > 0 ? input.produced / input.producedSeconds : 0;
  const reasons: string[] = [];
  if (achievedRate < 0.95 * input.requestedRate) {
    reasons.push(
      `feed reached ${Math.round(achievedRate)}/s of the ${input.requestedRate}/s requested`,
    );
  }
  let slowest: ThroughputVerdict['slowest'];
  for (const m of input.mappings) {
    if (!slowest || m.maxIteratorAgeMs > slowest.maxIteratorAgeMs) {
      slowest = { function: m.function, maxIteratorAgeMs: m.maxIteratorAgeMs };
    }
    const limit = m.batchWindowSeconds * 1000 + ITERATOR_AGE_SLACK_MS;
    if (m.maxIteratorAgeMs > limit) {
      reasons.push(
        `${m.function}: iterator age reached ${(m.maxIteratorAgeMs / 1000).toFixed(1)} s (limit ${(limit / 1000).toFixed(0)} s)`,
      );
    }
  }
  const lagMeasured = input.lag.eventsMeasured > 0;
  if (lagMeasured && !input.lag.withinBound) reasons.push(lagReason(input.lag));
  const verdict =
    reasons.length > 0 ? 'fell behind' : lagMeasured ? 'kept up' : ('not judged' as const);
  if (verdict === 'not judged')
    reasons.push('no window stored during the run: end-to-end lag not measured');
  return {
    requestedRate: input.requestedRate,
    rampSeconds: input.rampSeconds ?? 0,
    achievedRate: Math.round(achievedRate),
    producedSeconds: input.producedSeconds,
    drainSeconds: input.drainSeconds,
    ...(input.mainThreadUtilization !== undefined
      ? { mainThreadUtilization: input.mainThreadUtilization }
      : {}),
    ...(input.kinesisReads ? { kinesisReads: { ...input.kinesisReads } } : {}),
    ...(input.readThrottles !== undefined ? { readThrottles: input.readThrottles } : {}),
    lag: input.lag,
    mappings: input.mappings.map((m) => ({
      ...m,
      recordsPerBusySecond: m.busyMs > 0 ? Math.round((m.recordsProcessed * 1000) / m.busyMs) : 0,
    })),
    ...(slowest ? { slowest } : {}),
    verdict,
    keptUp: verdict === 'kept up',
    reasons,
  };
}

/**
 * The sustained phase of a run: the records sent after the ramp and how long that phase lasted.
 * Valid events are counted by their send time; invalid records (not timed by the ledger) in the
 * same proportion. Without a ramp it is the whole produce phase.
 */
export function sustainedPhase(input: {
  /** Send times (wall ms) of the valid events. */
  sentAtMs: Iterable<number>;
  valid: number;
  invalid: number;
  /** When the produce phase started (wall ms) and how long it lasted (s). */
  startedAtMs: number;
  producedSeconds: number;
  rampSeconds: number;
}): { produced: number; seconds: number } {
  const all = input.valid + input.invalid;
  if (input.rampSeconds <= 0) return { produced: all, seconds: input.producedSeconds };
  const rampEndMs = input.startedAtMs + input.rampSeconds * 1000;
  let validAfter = 0;
  for (const at of input.sentAtMs) if (at >= rampEndMs) validAfter++;
  return {
    produced: input.valid > 0 ? Math.round((validAfter * all) / input.valid) : 0,
    seconds: Math.max(0, input.producedSeconds - input.rampSeconds),
  };
}

/** The verdict as a few lines. */
export function formatThroughput(t: ThroughputVerdict): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `throughput: ${t.verdict.toUpperCase()} at ${t.achievedRate}/s (requested ${t.requestedRate}/s${t.rampSeconds > 0 ? ` after a ${t.rampSeconds} s ramp` : ''}, produced for ${t.producedSeconds.toFixed(1)} s, drained in ${t.drainSeconds.toFixed(1)} s)`,
    `  lag (event produced → its window's aggregate stored): p50 ${s(t.lag.p50Ms)}, p99 ${s(t.lag.p99Ms)}, max ${s(t.lag.maxMs)} over ${t.lag.eventsMeasured} events in ${t.lag.windowsStored} windows; bound ${s(t.lag.boundMs)}`,
    ...(t.mainThreadUtilization !== undefined
      ? [
          `  harness main thread (emulators; SNS, Redshift stand-ins) busy ${Math.round(t.mainThreadUtilization * 100)} % of the run`,
        ]
      : []),
    ...(t.kinesisReads
      ? [
          `  kinesis reads: ${t.kinesisReads.sharedFetches} shared GetRecords fetched ${t.kinesisReads.recordsFetched} records, served ${t.kinesisReads.recordsServed} to the readers; ${t.kinesisReads.directReads} reads on a reader's own iterator (${t.kinesisReads.fallbacks} fell behind the buffer, ${t.kinesisReads.joins} moved back onto it)${t.readThrottles !== undefined ? `; ${t.readThrottles} reads refused past Kinesis' read limits` : ''}`,
        ]
      : []),
    `  max iterator age: ${t.mappings.map((m) => `${m.function.replace(/^streamlens-/, '')} ${s(m.maxIteratorAgeMs)} (${m.recordsPerBusySecond} rec/busy s)`).join(', ')}`,
  ];
  for (const r of t.reasons) lines.push(`  ${t.verdict === 'not judged' ? '?' : '✗'} ${r}`);
  return `${lines.join('\n')}\n`;
}
