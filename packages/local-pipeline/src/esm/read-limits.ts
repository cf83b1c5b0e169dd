import type { ShardCursor, ShardPage, ShardSource, StartPosition } from './source.js';

// Kinesis' read limits, for a local run that should feel them: per shard, polling readers
// (GetRecords: Lambda's shared mode, Firehose) share 5 calls a second and 2 MiB/s between them;
// an enhanced fan-out consumer has 2 MiB/s per shard of its own and makes no GetRecords calls.
// Past a limit Kinesis answers ProvisionedThroughputExceededException and the reader waits.
// A single read may return more than a second's worth (up to 10 MiB); the reads after it are then
// refused until the shard's budget has recovered, as on Kinesis ("a call that returns 10 MiB
// throttles the calls of the next 5 seconds").

/** Kinesis Data Streams read quotas per shard. */
export const KINESIS_READ_LIMITS = {
  /** GetRecords calls per second, shared by every polling reader of the shard. */
  readsPerSecond: 5,
  /** Bytes per second out: shared by the polling readers; again for each EFO consumer. */
  bytesPerSecond: 2 * 1024 * 1024,
} as const;

export type ReadLimits = { readonly readsPerSecond: number; readonly bytesPerSecond: number };

/** How a reader reads a stream: polling (shared) or through its own enhanced fan-out consumer. */
export type ReadMode =
  | { readonly kind: 'shared' }
  | { readonly kind: 'efo'; readonly consumer: string };

/** A mapping's read mode: through its enhanced fan-out consumer when it names one, else shared. */
export function readModeOf(settings: { readonly consumerArn?: string }): ReadMode {
  return settings.consumerArn
    ? { kind: 'efo', consumer: settings.consumerArn }
    : { kind: 'shared' };
}

/** What Kinesis answers past a shard's read limits (same `name` as the SDK's exception). */
export class ProvisionedThroughputExceededError extends Error {
  override readonly name = 'ProvisionedThroughputExceededException';
}

/** Byte budget of one pipe: refills at the rate, holds at most one second's worth, may go negative. */
interface Budget {
  bytes: number;
  at: number;
}

/**
 * The read quotas of every shard, over a clock. `admit` before a read (throws past the limits),
 * `account` the bytes it returned.
 *
 * @example
 * const limiter = new ShardReadLimiter();
 * limiter.admit('events', 'shardId-000', { kind: 'shared' });
 * limiter.account('events', 'shardId-000', { kind: 'shared' }, 150_000);
 */
export class ShardReadLimiter {
  private readonly calls = new Map<string, number[]>();
  private readonly budgets = new Map<string, Budget>();
  /** Refused reads per pipe (`stream/shard` for polling readers, `stream/shard/consumer` for EFO). */
  readonly throttled = new Map<string, number>();

  constructor(
    private readonly limits: ReadLimits = KINESIS_READ_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Admits one read of `shard` by a reader in `mode`, or throws as Kinesis would. */
  admit(stream: string, shard: string, mode: ReadMode): void {
    const t = this.now();
    const pipe = pipeOf(stream, shard, mode);
    if (this.budget(pipe, t).bytes <= 0) {
      this.refuse(pipe, `${pipe}: read throughput of ${this.limits.bytesPerSecond} B/s exceeded`);
    }
    if (mode.kind === 'efo') return;
    const recent = (this.calls.get(pipe) ?? []).filter((at) => t - at < 1_000);
    this.calls.set(pipe, recent);
    if (recent.length >= this.limits.readsPerSecond) {
      this.refuse(pipe, `${pipe}: more than ${this.limits.readsPerSecond} GetRecords per second`);
    }
    recent.push(t);
  }

  /** Charges the bytes a read returned to its pipe. */
  account(stream: string, shard: string, mode: ReadMode, bytes: number): void {
    const budget = this.budget(pipeOf(stream, shard, mode), this.now());
    budget.bytes -= bytes;
  }

  private budget(pipe: string, t: number): Budget {
    let budget = this.budgets.get(pipe);
    if (!budget) {
      budget = { bytes: this.limits.bytesPerSecond, at: t };
      this.budgets.set(pipe, budget);
    }
    budget.bytes = Math.min(
      this.limits.bytesPerSecond,
      budget.bytes + ((t - budget.at) / 1_000) * this.limits.bytesPerSecond,
    );
    budget.at = t;
    return budget;
  }

  private refuse(pipe: string, message: string): never {
    this.throttled.set(pipe, (this.throttled.get(pipe) ?? 0) + 1);
    throw new ProvisionedThroughputExceededError(`Rate exceeded for ${message}`);
  }
}

function pipeOf(stream: string, shard: string, mode: ReadMode): string {
  return mode.kind === 'efo' ? `${stream}/${shard}/${mode.consumer}` : `${stream}/${shard}`;
}

/** Bytes of a page as Kinesis counts them out: each record's data and partition key. */
export function pageBytes(page: ShardPage): number {
  let bytes = 0;
  for (const r of page.records) {
    const padding = r.data.endsWith('==') ? 2 : r.data.endsWith('=') ? 1 : 0;
    bytes += (r.data.length * 3) / 4 - padding + Buffer.byteLength(r.partitionKey);
  }
  return bytes;
}

/**
 * The hook: `source` as one reader in `mode` sees it under Kinesis' read limits. Give every
 * mapping (and the Firehose reader) its own wrapper around the same limiter; the cursors it opens
 * throw ProvisionedThroughputExceededException past the limits, which the mapping treats like
 * any failed GetRecords (it waits and reads again).
 */
export function limitReads(
  source: ShardSource,
  limiter: ShardReadLimiter,
  mode: ReadMode,
): ShardSource {
  return {
    async open(streamName: string, shardId: string, start: StartPosition): Promise<ShardCursor> {
      const cursor = await source.open(streamName, shardId, start);
      return {
        async read(limit: number): Promise<ShardPage> {
          limiter.admit(streamName, shardId, mode);
          const page = await cursor.read(limit);
          limiter.account(streamName, shardId, mode, pageBytes(page));
          return page;
        },
        close: () => cursor.close(),
      };
    },
  };
}
