import {
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { type MetricsWindowData, parseEventJson } from '@streamlens/schema';
import { unavailable as unavailableAs } from './problems.js';

/** Where the reader starts on each shard. */
export type StartPosition =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'AT_TIMESTAMP'; readonly atMs: number };

/** What one read round found. */
export interface AggregatesRead {
  readonly windows: MetricsWindowData[];
  /** Records that are not a valid `metrics.window` (by error code). */
  readonly rejected: Readonly<Record<string, number>>;
}

interface ShardReader {
  readonly shardId: string;
  iterator: string | undefined;
  /** Last sequence number read: an expired iterator resumes after it. */
  after?: string;
}

/**
 * Reads the window events of the aggregates stream like one more consumer: every shard from the
 * start position, a page per shard per `read()` call, through the SDK's Kinesis client (the same
 * code for the local stand-in and a deployed stream; only the client's endpoint differs). It reads
 * at least once: a record may come again after an expired iterator, and the model ignores a
 * revision it already holds.
 */
export class AggregatesReader {
  private shards: ShardReader[] = [];
  private opened = false;

  constructor(
    private readonly kinesis: KinesisClient,
    readonly streamName: string,
    private readonly start: StartPosition,
    private readonly pageLimit = 10_000,
  ) {}

  /** One page from every shard. */
  async read(): Promise<AggregatesRead> {
    if (!this.opened) await this.open();
    const windows: MetricsWindowData[] = [];
    const rejected: Record<string, number> = {};
    let closed = false;
    for (const shard of this.shards) {
      if (!shard.iterator) continue;
      let page: GetRecordsCommandOutput;
      try {
        page = await this.kinesis.send(
          new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: this.pageLimit }),
        );
      } catch (error) {
        if (error instanceof ExpiredIteratorException) {
          shard.iterator = await this.iteratorOf(shard.shardId, shard.after);
          continue;
        }
        throw unavailable(this.streamName, error);
      }
      for (const record of page.Records ?? []) {
        if (record.SequenceNumber) shard.after = record.SequenceNumber;
        const parsed = parseEventJson(record.Data ?? new Uint8Array());
        if (parsed.ok && parsed.value.type === 'metrics.window') windows.push(parsed.value.data);
        else {
          const code = parsed.ok ? 'NOT_A_WINDOW' : parsed.error.code;
          rejected[code] = (rejected[code] ?? 0) + 1;
        }
      }
      shard.iterator = page.NextShardIterator;
      if (!shard.iterator) closed = true;
    }
    // A closed shard (after a reshard) has children: pick them up from their start.
    if (closed) await this.addNewShards();
    return { windows, rejected };
  }

  private async open(): Promise<void> {
    const ids = await this.shardIds();
    for (const shardId of ids) {
      this.shards.push({ shardId, iterator: await this.iteratorOf(shardId) });
    }
    this.opened = true;
  }

  private async addNewShards(): Promise<void> {
    const known = new Set(this.shards.map((s) => s.shardId));
    for (const shardId of await this.shardIds()) {
      if (known.has(shardId)) continue;
      const iterator = await this.iterator(shardId, { ShardIteratorType: 'TRIM_HORIZON' });
      this.shards.push({ shardId, iterator });
    }
  }

  private async shardIds(): Promise<string[]> {
    const ids: string[] = [];
    let next: string | undefined;
    try {
      do {
        const page = await this.kinesis.send(
          new ListShardsCommand(next ? { NextToken: next } : { StreamName: this.streamName }),
        );
        for (const s of page.Shards ?? []) if (s.ShardId) ids.push(s.ShardId);
        next = page.NextToken;
      } while (next);
    } catch (error) {
      throw unavailable(this.streamName, error);
    }
    return ids;
  }

  private iteratorOf(shardId: string, after?: string): Promise<string | undefined> {
    if (after) {
      return this.iterator(shardId, {
        ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
        StartingSequenceNumber: after,
      });
    }
    return this.iterator(
      shardId,
      this.start.type === 'AT_TIMESTAMP'
        ? { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(this.start.atMs) }
        : { ShardIteratorType: 'TRIM_HORIZON' },
    );
  }

  private async iterator(
    shardId: string,
    at: {
      ShardIteratorType: ShardIteratorType;
      Timestamp?: Date;
      StartingSequenceNumber?: string;
    },
  ): Promise<string | undefined> {
    try {
      const res = await this.kinesis.send(
        new GetShardIteratorCommand({ StreamName: this.streamName, ShardId: shardId, ...at }),
      );
      return res.ShardIterator;
    } catch (error) {
      throw unavailable(this.streamName, error);
    }
  }
}

/** The stream's error as the page's error state (the stream is what makes a stage found). */
function unavailable(stream: string, error: unknown) {
  return unavailableAs(`stream ${stream}`, error);
}
