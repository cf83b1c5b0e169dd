import {
  ListShardsCommand,
  type ListShardsCommandOutput,
  type PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import type { KinesisSendClient } from './producer.js';
import { hashKeyOf, MAX_HASH_KEY, type ShardMap, shardMapFrom } from './shards.js';

/** Hash-key ranges of `count` shards splitting the key space evenly, as CreateStream does. */
export function evenShards(
  count: number,
  prefix = 'shardId-',
): NonNullable<ListShardsCommandOutput['Shards']> {
  const step = (MAX_HASH_KEY + 1n) / BigInt(count);
  return Array.from({ length: count }, (_, i) => ({
    ShardId: `${prefix}${i.toString().padStart(12, '0')}`,
    HashKeyRange: {
      StartingHashKey: (step * BigInt(i)).toString(),
      EndingHashKey: (i === count - 1 ? MAX_HASH_KEY : step * BigInt(i + 1) - 1n).toString(),
    },
    SequenceNumberRange: { StartingSequenceNumber: '0' },
  }));
}

/**
 * A Kinesis stand-in that accepts every record at once, routed to even shards by hash key: the
 * "null sink" of the producer benchmark (the producer's own cost, no network) and a base for
 * fault-injecting fakes in unit tests (`onPut` may rewrite the answer).
 */
export class NullKinesisClient implements KinesisSendClient {
  shards: NonNullable<ListShardsCommandOutput['Shards']>;
  private map: ShardMap;
  private seq = 0n;
  calls = 0;
  records = 0;
  bytes = 0;
  /** Every accepted entry, when `keep` is true (tests). */
  readonly accepted: {
    shardId: string;
    partitionKey: string;
    explicitHashKey?: string;
    data: Uint8Array;
  }[] = [];

  constructor(
    shardCount = 4,
    private readonly opts: {
      keep?: boolean;
      /** Decides per entry whether to fail it (returns an ErrorCode) or accept it. */
      failEntry?: (
        call: number,
        index: number,
        entry: { PartitionKey?: string | undefined },
      ) => string | undefined;
      /** Throws instead of answering (call-level failures). */
      failCall?: (call: number) => Error | undefined;
      /** Delay per call in ms. */
      latencyMs?: number;
    } = {},
  ) {
    this.shards = evenShards(shardCount);
    this.map = shardMapFrom(this.shards);
  }

  /** Replaces the shard layout (simulates resharding). */
  reshard(shards: NonNullable<ListShardsCommandOutput['Shards']>): void {
    this.shards = shards;
    this.map = shardMapFrom(shards);
  }

  async send(command: PutRecordsCommand | ListShardsCommand): Promise<unknown> {
    if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
    if (command instanceof ListShardsCommand) {
      return { Shards: this.shards, $metadata: {} } satisfies ListShardsCommandOutput;
    }
    const call = this.calls++;
    const thrown = this.opts.failCall?.(call);
    if (thrown) throw thrown;
    const entries = command.input.Records ?? [];
    let failed = 0;
    const results: PutRecordsResultEntry[] = entries.map((e, i) => {
      const code = this.opts.failEntry?.(call, i, e);
      if (code) {
        failed++;
        return { ErrorCode: code, ErrorMessage: 'injected' };
      }
      const shardId =
        this.map.shardOf(hashKeyOf(e.PartitionKey ?? '', e.ExplicitHashKey)) ?? 'none';
      this.records++;
      const data = e.Data ?? new Uint8Array();
      this.bytes += data.length;
      if (this.opts.keep) {
        this.accepted.push({
          shardId,
          partitionKey: e.PartitionKey ?? '',
          data,
          ...(e.ExplicitHashKey !== undefined ? { explicitHashKey: e.ExplicitHashKey } : {}),
        });
      }
      this.seq++;
      return { ShardId: shardId, SequenceNumber: this.seq.toString().padStart(20, '0') };
    });
    return {
      FailedRecordCount: failed,
      Records: results,
      $metadata: {},
    } satisfies PutRecordsCommandOutput;
  }
}
