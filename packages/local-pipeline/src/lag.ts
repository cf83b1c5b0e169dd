import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { ShardCursor, ShardSource } from './esm/source.js';

/** End-to-end lag of a run: event produced → its window's aggregate stored. */
export interface LagSummary {
  /** Window starts (event time) whose aggregate was seen on the aggregates stream. */
  readonly windowsStored: number;
  /** Valid events whose window was stored (the others are in windows still open). */
  readonly eventsMeasured: number;
  /** Per-event lag (ms): aggregate stored − event produced. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The bound checked (ms): `bound.totalMs`. */
  readonly boundMs: number;
  /** What the bound is made of (`lagBound`), when the run gave its parts. */
  readonly bound?: LagBound;
  /** Where the time of the event with the highest lag went. */
  readonly worst?: LagBreakdown;
  readonly withinBound: boolean;
}

/**
 * The end-to-end lag the configuration allows, in two stages. **Close**: a window is emitted only
 * once the aggregator has applied an event past its end plus the allowed lateness, so the oldest
 * event of a window waits up to (window + lateness) of event time, i.e. divided by the time scale
 * in wall time. **Delivery**: that closing event then passes the producer's linger, one poll of
 * the events stream, the aggregator's batching window, processing (a fixed 5 s allowance for the
 * batch and its flush, docs/performance-targets.md) and one poll of the aggregates tap.
 */
export interface LagBound {
  readonly closeMs: number;
  readonly deliveryMs: number;
  readonly totalMs: number;
  /** The delivery stage's parts (ms), named. */
  readonly delivery: Readonly<Record<string, number>>;
}

/** Processing allowance of the delivery stage: one aggregator batch and its flush (ms). */
export const PROCESSING_ALLOWANCE_MS = 5000;

export function lagBound(input: {
  windowSeconds: number;
  latenessSeconds: number;
  timeScale: number;
  aggregatorBatchWindowSeconds: number;
  pollIntervalMs: number;
  tapIntervalMs: number;
  producerLingerMs: number;
}): LagBound {
  const closeMs = ((input.windowSeconds + input.latenessSeconds) / input.timeScale) * 1000;
  const delivery = {
    'producer linger': input.producerLingerMs,
    'events poll': input.pollIntervalMs,
    'aggregator batching window': input.aggregatorBatchWindowSeconds * 1000,
    processing: PROCESSING_ALLOWANCE_MS,
    'aggregates poll': input.tapIntervalMs,
  };
  const deliveryMs = Object.values(delivery).reduce((a, b) => a + b, 0);
  return { closeMs, deliveryMs, totalMs: closeMs + deliveryMs, delivery };
}

/** The worst event's lag, split at the production of the first event that closes its window. */
export interface LagBreakdown {
  readonly windowStartMs: number;
  readonly lagMs: number;
  /**
   * Event produced → the first event with event time ≥ its window end + lateness produced (the
   * whole lag when none was: the window was closed by the drain or the idle rule).
   */
  readonly closeWaitMs: number;
  /** That closing event produced → the window's first aggregate stored. */
  readonly afterCloseMs: number;
}

/**
 * Follows when each window's aggregate is stored: the first `metrics.window` of a window start
 * on the aggregates stream (the aggregator writes the window table and the stream in the same
 * flush), keyed by the Kinesis arrival time. Produce times come from the ledger; `windowMs` is
 * the aggregator's window in event time.
 */
export class WindowLagTracker {
  /** Window start (ms, event time) → first arrival of one of its aggregates (ms, wall time). */
  readonly storedAt = new Map<number, number>();
  /** Window start → earliest produce time of its events (wall ms), kept by `produced`. */
  private readonly firstSent = new Map<number, number>();
  private lastStored: { start: number; at: number } | undefined;

  constructor(readonly windowMs: number) {}

  /** Window start (ms) of an event time. */
  windowOf(eventTimeMs: number): number {
    return Math.floor(eventTimeMs / this.windowMs) * this.windowMs;
  }

  /** One event was produced at `sentAtMs` (wall) with event time `eventTimeMs`. */
  produced(eventTimeMs: number, sentAtMs: number): void {
    const start = this.windowOf(eventTimeMs);
    const first = this.firstSent.get(start);
    if (first === undefined || sentAtMs < first) this.firstSent.set(start, sentAtMs);
  }

  /** An aggregate of the window starting at `windowStartMs` arrived at `atMs`. */
  stored(windowStartMs: number, atMs: number): void {
    const seen = this.storedAt.get(windowStartMs);
    if (seen !== undefined && seen <= atMs) return;
    this.storedAt.set(windowStartMs, atMs);
    if (!this.lastStored || windowStartMs >= this.lastStored.start) {
      this.lastStored = { start: windowStartMs, at: atMs };
    }
  }

  /** Lag of the oldest event of the latest stored window (ms), for the progress line. */
  latestWindowLagMs(): number | undefined {
    if (!this.lastStored) return undefined;
    const first = this.firstSent.get(this.lastStored.start);
    return first === undefined ? undefined : this.lastStored.at - first;
  }

  /**
   * Exact per-event lag over the events whose window was stored, against `bound` (a `LagBound`,
   * or a plain number of ms); with `latenessMs` (the allowed lateness in event time), the worst
   * event's lag is split into its close and delivery stages (one more pass over the events).
   */
  summarize(
    events: Iterable<{ eventTimeMs: number; sentAtMs: number }>,
    bound: number | LagBound,
    latenessMs?: number,
  ): LagSummary {
    const all = Array.isArray(events) ? events : [...events];
    const lags: number[] = [];
    let worst: { eventTimeMs: number; sentAtMs: number; lag: number } | undefined;
    for (const { eventTimeMs, sentAtMs } of all) {
      const at = this.storedAt.get(this.windowOf(eventTimeMs));
      if (at === undefined) continue;
      const lag = at - sentAtMs;
      lags.push(lag);
      if (!worst || lag > worst.lag) worst = { eventTimeMs, sentAtMs, lag };
    }
    lags.sort((a, b) => a - b);
    const pick = (q: number) =>
      lags.length === 0
        ? 0
        : (lags[Math.min(lags.length - 1, Math.ceil(q * lags.length) - 1)] ?? 0);
    const maxMs = lags.length === 0 ? 0 : (lags[lags.length - 1] ?? 0);
    const boundMs = typeof bound === 'number' ? bound : bound.totalMs;
    return {
      windowsStored: this.storedAt.size,
      eventsMeasured: lags.length,
      p50Ms: pick(0.5),
      p99Ms: pick(0.99),
      maxMs,
      boundMs,
      ...(typeof bound === 'number' ? {} : { bound }),
      ...(worst && latenessMs !== undefined
        ? { worst: this.breakdown(worst, all, latenessMs) }
        : {}),
      withinBound: lags.length > 0 && maxMs <= boundMs,
    };
  }

  private breakdown(
    worst: { eventTimeMs: number; sentAtMs: number; lag: number },
    events: readonly { eventTimeMs: number; sentAtMs: number }[],
    latenessMs: number,
  ): LagBreakdown {
    const windowStartMs = this.windowOf(worst.eventTimeMs);
    const closesAt = windowStartMs + this.windowMs + latenessMs;
    let closerSentAt = Number.POSITIVE_INFINITY;
    for (const e of events) {
      if (e.eventTimeMs >= closesAt && e.sentAtMs < closerSentAt) closerSentAt = e.sentAtMs;
    }
    const storedAt = worst.sentAtMs + worst.lag;
    const closeWaitMs = Number.isFinite(closerSentAt)
      ? Math.min(worst.lag, Math.max(0, closerSentAt - worst.sentAtMs))
      : worst.lag;
    return {
      windowStartMs,
      lagMs: worst.lag,
      closeWaitMs,
      afterCloseMs: storedAt - (worst.sentAtMs + closeWaitMs),
    };
  }
}

/**
 * Reads the aggregates stream (every shard from TRIM_HORIZON, like one more consumer) and reports
 * each window's arrival to a tracker. Polls every `intervalMs`. With a `source` (the pipeline's
 * shared one) it reads the records the anomaly-alerts mapping reads, from the same GetRecords;
 * else on its own iterators through the SDK.
 */
export class AggregatesTap {
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly tracker: WindowLagTracker,
    private readonly intervalMs = 250,
    private readonly source?: ShardSource,
  ) {}

  private cursors: ShardCursor[] = [];

  /** Start following the stream. */
  async start(): Promise<void> {
    const shards = await this.kinesis.send(new ListShardsCommand({ StreamName: this.streamName }));
    if (this.source) {
      for (const shard of shards.Shards ?? []) {
        if (!shard.ShardId) continue;
        this.cursors.push(
          await this.source.open(this.streamName, shard.ShardId, { type: 'TRIM_HORIZON' }),
        );
      }
      this.loop = this.runOnSource();
      return;
    }
    const iterators: (string | undefined)[] = [];
    for (const shard of shards.Shards ?? []) {
      const it = await this.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: this.streamName,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      iterators.push(it.ShardIterator);
    }
    this.loop = this.run(iterators);
  }

  private async run(iterators: (string | undefined)[]): Promise<void> {
    const decoder = new TextDecoder();
    while (!this.stopped) {
      let read = 0;
      for (let i = 0; i < iterators.length; i++) {
        const iterator = iterators[i];
        if (!iterator) continue;
        try {
          const page = await this.kinesis.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
          );
          iterators[i] = page.NextShardIterator;
          for (const record of page.Records ?? []) {
            read++;
            this.report(
              decoder.decode(record.Data ?? new Uint8Array()),
              record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
            );
          }
        } catch {
          // A failed poll is retried on the next round.
        }
      }
      if (read === 0) await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }

  /** `stored` for one window event (its JSON text), arrived at `atMs`. */
  private report(text: string, atMs: number): void {
    try {
      const event = JSON.parse(text) as { data?: { windowStart?: string } };
      const start = Date.parse(event.data?.windowStart ?? '');
      if (Number.isFinite(start)) this.tracker.stored(start, atMs);
    } catch {
      // Not a window event: not ours to judge here.
    }
  }

  private async runOnSource(): Promise<void> {
    while (!this.stopped) {
      let read = 0;
      for (const cursor of this.cursors) {
        try {
          const page = await cursor.read(10_000);
          for (const record of page.records) {
            read++;
            this.report(
              Buffer.from(record.data, 'base64').toString('utf8'),
              record.arrivalMs ?? Date.now(),
            );
          }
        } catch {
          // A failed poll is retried on the next round.
        }
      }
      if (read === 0) await new Promise((r) => setTimeout(r, this.intervalMs));
    }
    for (const cursor of this.cursors) cursor.close();
  }

  /** Stop following, after two more polling rounds so that the last windows are seen. */
  async stop(): Promise<void> {
    await new Promise((r) => setTimeout(r, 2 * this.intervalMs));
    this.stopped = true;
    await this.loop;
  }
}
