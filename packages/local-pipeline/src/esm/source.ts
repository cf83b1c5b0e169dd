import { GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { type ShardReader, sdkShardReader, type WireRecord } from './reader.js';
import { compareSequence } from './records.js';

/** Where a reader starts in a shard (Kinesis' shard iterator types). */
export type StartPosition =
  | { readonly type: 'TRIM_HORIZON' | 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestampMs: number }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

/** One read of a shard cursor. */
export interface ShardPage {
  readonly records: readonly WireRecord[];
  /** The shard is closed (resharded) and this cursor has read it to its end. */
  readonly closed: boolean;
  readonly millisBehindLatest: number;
}

/** A reader's position in one shard: each read continues after the last record it returned. */
export interface ShardCursor {
  /** Up to `limit` records after the last one returned (GetRecords semantics). */
  read(limit: number): Promise<ShardPage>;
  /** The reader is done with the shard. */
  close(): void;
}

/** How event source mappings (and Firehose) read shards. */
export interface ShardSource {
  open(streamName: string, shardId: string, start: StartPosition): Promise<ShardCursor>;
}

/** GetShardIterator for a position (through the SDK: called once per cursor, not per read). */
async function shardIterator(
  kinesis: KinesisClient,
  streamName: string,
  shardId: string,
  start: StartPosition,
): Promise<string | undefined> {
  const result = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: shardId,
      ShardIteratorType: start.type,
      ...(start.type === 'AFTER_SEQUENCE_NUMBER'
        ? { StartingSequenceNumber: start.sequenceNumber }
        : {}),
      ...(start.type === 'AT_TIMESTAMP' ? { Timestamp: new Date(start.timestampMs) } : {}),
    }),
  );
  return result.ShardIterator;
}

/**
 * A cursor on its own shard iterator: GetShardIterator once, then GetRecords through `reader`.
 * An expired iterator is replaced by one after the last record read (the error still reaches
 * the caller, which waits before reading again).
 */
class IteratorCursor implements ShardCursor {
  private iterator: string | undefined;
  private opened = false;
  /** Last record returned (where a replacement iterator starts). */
  lastSequence: string | undefined;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly reader: ShardReader,
    private readonly streamName: string,
    private readonly shardId: string,
    private readonly start: StartPosition,
  ) {}

  /** Get the first iterator (GetShardIterator). */
  async open(): Promise<this> {
    this.iterator = await shardIterator(this.kinesis, this.streamName, this.shardId, this.start);
    this.opened = true;
    return this;
  }

  async read(limit: number): Promise<ShardPage> {
    if (!this.opened) await this.open();
    if (!this.iterator) return { records: [], closed: true, millisBehindLatest: 0 };
    try {
      const page = await this.reader(this.iterator, limit);
      this.iterator = page.nextShardIterator;
      const last = page.records[page.records.length - 1];
      if (last) this.lastSequence = last.sequenceNumber;
      return {
        records: page.records,
        closed: this.iterator === undefined,
        millisBehindLatest: page.millisBehindLatest,
      };
    } catch (error) {
      if ((error as Error).name === 'ExpiredIteratorException') {
        const restart: StartPosition = this.lastSequence
          ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.lastSequence }
          : this.start;
        this.iterator = await shardIterator(
          this.kinesis,
          this.streamName,
          this.shardId,
          restart,
        ).catch(() => this.iterator);
      }
      throw error;
    }
  }

  close(): void {
    this.iterator = undefined;
  }
}

/** Every cursor on its own iterator: each reader reads the stream itself, as on Kinesis. */
export function iteratorShardSource(kinesis: KinesisClient, reader?: ShardReader): ShardSource {
  const read = reader ?? sdkShardReader(kinesis);
  return {
    open: (streamName, shardId, start) =>
      new IteratorCursor(kinesis, read, streamName, shardId, start).open(),
  };
}

/** Options of a shared shard source. */
export interface SharedShardSourceOptions {
  readonly kinesis: KinesisClient;
  /** GetRecords (default: through `kinesis`). */
  readonly reader?: ShardReader;
  /**
   * Records a shard's buffer may hold past its slowest reader; beyond it the oldest are dropped
   * and a reader still before them reads Kinesis itself until it catches up. Default 50,000.
   */
  readonly maxBufferedRecords?: number;
  /** Records asked for per GetRecords (Kinesis' maximum is 10,000). */
  readonly fetchLimit?: number;
  /**
   * Least time between two GetRecords of a shard (default 200 ms: Kinesis allows 5 per second
   * per shard, shared by every consumer); readers at the buffer's end wait for the next one.
   */
  readonly minFetchIntervalMs?: number;
}

/** Counters of a shared shard source. */
export interface SharedSourceStats {
  /** GetRecords calls made for the shared buffers. */
  sharedFetches: number;
  /** Records those calls returned (each read once from Kinesis, served to every reader). */
  recordsFetched: number;
  /** Records handed to readers from the buffers. */
  recordsServed: number;
  /** GetRecords calls made by readers on their own iterators (behind a buffer, or not joinable). */
  directReads: number;
  /** Readers that moved from their own iterator onto a buffer. */
  joins: number;
  /** Readers that fell behind a buffer's start and went to their own iterator. */
  fallbacks: number;
}

/** One shard's buffer: the records read once, kept until every reader on it has passed them. */
class ShardFeed {
  records: WireRecord[] = [];
  /** Index in `records` of the first live record (the ones before it are trimmed). */
  head = 0;
  /** Absolute position of `records[head]` (records trimmed so far). */
  base = 0;
  /** Sequence number of the record just before `base` (undefined: none trimmed yet). */
  beforeBase: string | undefined;
  iterator: string | undefined;
  /** Where position 0 is: the first reader's start. */
  origin: StartPosition | undefined;
  /** The first GetShardIterator (readers joining meanwhile wait for it). */
  opening: Promise<void> | undefined;
  closed = false;
  millisBehindLatest = 0;
  fetching: Promise<void> | undefined;
  /** When the last GetRecords was sent (ms). */
  lastFetchAt = Number.NEGATIVE_INFINITY;
  readonly readers = new Set<SharedCursor>();

  constructor(
    readonly streamName: string,
    readonly shardId: string,
  ) {}

  get end(): number {
    return this.base + this.records.length - this.head;
  }

  /** Absolute position just after the record with `sequenceNumber`, if the buffer holds it. */
  positionAfter(sequenceNumber: string): number | undefined {
    if (sequenceNumber === this.beforeBase) return this.base;
    let lo = this.head;
    let hi = this.records.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareSequence((this.records[mid] as WireRecord).sequenceNumber, sequenceNumber);
      if (c === 0) return this.base + (mid - this.head) + 1;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  slice(position: number, limit: number): WireRecord[] {
    const from = this.head + (position - this.base);
    return this.records.slice(from, Math.min(this.records.length, from + limit));
  }

  /** Drop records every reader on the buffer has passed, and the oldest past the cap. */
  trim(cap: number): void {
    let min = this.end;
    for (const reader of this.readers) {
      if (reader.position !== undefined && reader.position < min) min = reader.position;
    }
    const keepFrom = Math.max(min, this.end - cap);
    const drop = keepFrom - this.base;
    if (drop <= 0) return;
    this.head += drop;
    this.base += drop;
    this.beforeBase = (this.records[this.head - 1] as WireRecord).sequenceNumber;
    // Compact now and then instead of shifting the array on every trim.
    if (this.head >= 4096 && this.head * 2 >= this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }
}

/** A reader of a shared shard: on the buffer (`position` set) or on its own iterator. */
class SharedCursor implements ShardCursor {
  /** Absolute position of the next record in the buffer; undefined when reading on its own. */
  position: number | undefined;
  private own: IteratorCursor | undefined;
  private lastSequence: string | undefined;
  private closedByReader = false;

  constructor(
    private readonly source: SharedShardSource,
    private readonly feed: ShardFeed,
    private readonly start: StartPosition,
  ) {}

  /** Read on its own iterator from where this reader is (its last record, else its start). */
  goOwn(): IteratorCursor {
    this.position = undefined;
    this.own = this.source.ownCursor(
      this.feed,
      this.lastSequence
        ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.lastSequence }
        : this.start,
    );
    return this.own;
  }

  async read(limit: number): Promise<ShardPage> {
    if (this.closedByReader) return { records: [], closed: true, millisBehindLatest: 0 };
    const feed = this.feed;
    if (this.position !== undefined && this.position < feed.base) {
      // Fell behind the buffer's cap: the records it still needs are only in Kinesis.
      this.source.stats.fallbacks++;
      this.goOwn();
    }
    if (this.position === undefined) return this.readOwn(limit);
    if (this.position >= feed.end && !feed.closed) await this.source.fetch(feed);
    if (this.position === undefined) return this.readOwn(limit);
    if (this.position < feed.base) return this.read(limit);
    const records = feed.slice(this.position, limit);
    this.position += records.length;
    const last = records[records.length - 1];
    if (last) this.lastSequence = last.sequenceNumber;
    this.source.stats.recordsServed += records.length;
    const atEnd = this.position >= feed.end;
    feed.trim(this.source.cap);
    return {
      records,
      closed: atEnd && feed.closed,
      millisBehindLatest: atEnd ? feed.millisBehindLatest : Math.max(1, feed.millisBehindLatest),
    };
  }

  private async readOwn(limit: number): Promise<ShardPage> {
    const own = this.own as IteratorCursor;
    this.source.stats.directReads++;
    const page = await own.read(limit);
    const last = page.records[page.records.length - 1];
    if (last) this.lastSequence = last.sequenceNumber;
    // Caught up with the buffer: continue from it after the last record read.
    const after = this.lastSequence ? this.feed.positionAfter(this.lastSequence) : undefined;
    if (after !== undefined && !page.closed) {
      this.position = after;
      this.own = undefined;
      own.close();
      this.source.stats.joins++;
    }
    return page;
  }

  close(): void {
    this.closedByReader = true;
    this.own?.close();
    this.feed.readers.delete(this);
    this.position = undefined;
    this.feed.trim(this.source.cap);
  }
}

/**
 * A shard source that reads each shard once for all its readers: one GetRecords per shard
 * serves every mapping on the stream from a per-shard buffer, trimmed once every reader has
 * passed a record. Each reader keeps its own position (and the mapping its own batching,
 * checkpoints, retries and bisection, which work on the records it has read); Kinesis stays
 * the store of record: a reader that cannot start on the buffer (LATEST, AT_TIMESTAMP, a
 * position already trimmed) or falls behind its cap reads Kinesis on its own iterator and moves
 * onto the buffer once the records it reads are in it.
 */
export class SharedShardSource implements ShardSource {
  readonly stats: SharedSourceStats = {
    sharedFetches: 0,
    recordsFetched: 0,
    recordsServed: 0,
    directReads: 0,
    joins: 0,
    fallbacks: 0,
  };
  readonly cap: number;
  private readonly reader: ShardReader;
  private readonly feeds = new Map<string, ShardFeed>();

  constructor(private readonly options: SharedShardSourceOptions) {
    this.reader = options.reader ?? sdkShardReader(options.kinesis);
    this.cap = options.maxBufferedRecords ?? 50_000;
  }

  /** Records buffered over every shard (for tests and the status line). */
  buffered(): number {
    let n = 0;
    for (const feed of this.feeds.values()) n += feed.end - feed.base;
    return n;
  }

  /** A reader's own iterator cursor (opened on its first read). */
  ownCursor(feed: ShardFeed, start: StartPosition): IteratorCursor {
    return new IteratorCursor(
      this.options.kinesis,
      this.reader,
      feed.streamName,
      feed.shardId,
      start,
    );
  }

  async open(streamName: string, shardId: string, start: StartPosition): Promise<ShardCursor> {
    const key = `${streamName}\u0000${shardId}`;
    let feed = this.feeds.get(key);
    if (!feed) {
      feed = new ShardFeed(streamName, shardId);
      this.feeds.set(key, feed);
    }
    const cursor = new SharedCursor(this, feed, start);
    if (!feed.origin) {
      // The first reader sets where the buffer begins.
      const opened = feed;
      opened.origin = start;
      opened.opening = shardIterator(this.options.kinesis, streamName, shardId, start).then(
        (iterator) => {
          opened.iterator = iterator;
          if (!iterator) opened.closed = true;
        },
        (error: unknown) => {
          // Nothing read yet: the next reader to open starts the buffer again.
          if (this.feeds.get(key) === opened) this.feeds.delete(key);
          throw error;
        },
      );
      await opened.opening;
      cursor.position = 0;
    } else {
      await feed.opening;
      const position = this.joinPosition(feed, start);
      // LATEST and AT_TIMESTAMP are taken now, when the reader starts, not at its first read.
      if (position === undefined) await cursor.goOwn().open();
      else cursor.position = position;
    }
    feed.readers.add(cursor);
    return cursor;
  }

  /** Where a new reader starting at `start` is in the buffer, when that is known. */
  private joinPosition(feed: ShardFeed, start: StartPosition): number | undefined {
    const origin = feed.origin as StartPosition;
    if (start.type === 'AFTER_SEQUENCE_NUMBER') {
      const after = feed.positionAfter(start.sequenceNumber);
      if (after !== undefined) return after;
      if (
        feed.base === 0 &&
        origin.type === 'AFTER_SEQUENCE_NUMBER' &&
        origin.sequenceNumber === start.sequenceNumber
      ) {
        return 0;
      }
      return undefined;
    }
    if (start.type === 'TRIM_HORIZON' && origin.type === 'TRIM_HORIZON' && feed.base === 0) {
      return 0;
    }
    // LATEST and AT_TIMESTAMP depend on when they are asked: their own iterator decides.
    return undefined;
  }

  /** One GetRecords for the buffer, shared by every reader waiting at its end. */
  fetch(feed: ShardFeed): Promise<void> {
    if (!feed.fetching) {
      feed.fetching = this.fetchNow(feed).finally(() => {
        feed.fetching = undefined;
      });
    }
    return feed.fetching;
  }

  private async fetchNow(feed: ShardFeed): Promise<void> {
    await feed.opening;
    if (!feed.iterator) {
      feed.closed = true;
      return;
    }
    const wait = feed.lastFetchAt + (this.options.minFetchIntervalMs ?? 200) - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    feed.lastFetchAt = Date.now();
    this.stats.sharedFetches++;
    let page: Awaited<ReturnType<ShardReader>>;
    try {
      page = await this.reader(feed.iterator, this.options.fetchLimit ?? 10_000);
    } catch (error) {
      if ((error as Error).name === 'ExpiredIteratorException') {
        const last = feed.records[feed.records.length - 1]?.sequenceNumber ?? feed.beforeBase;
        const restart: StartPosition = last
          ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last }
          : (feed.origin as StartPosition);
        feed.iterator = await shardIterator(
          this.options.kinesis,
          feed.streamName,
          feed.shardId,
          restart,
        ).catch(() => feed.iterator);
      }
      throw error;
    }
    feed.iterator = page.nextShardIterator;
    if (!feed.iterator) feed.closed = true;
    feed.millisBehindLatest = page.millisBehindLatest;
    for (const record of page.records) feed.records.push(record);
    this.stats.recordsFetched += page.records.length;
    feed.trim(this.cap);
  }
}
