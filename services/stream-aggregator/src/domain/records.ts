import { isUtf8 } from 'node:buffer';
import type { InputRecord, RecordSource, RejectedRecord } from './types.js';
import { isoMs } from './window.js';

/**
 * One shard's records of an invocation, in order: all of the source (the usual case: Lambda sends
 * one shard per invocation) or the given indexes. A class rather than closures, so that the
 * engine's calls through it stay monomorphic from one invocation to the next.
 */
export class ShardView {
  readonly length: number;

  constructor(
    private readonly src: RecordSource,
    readonly shardId: string,
    private readonly idx: readonly number[] | undefined,
    private readonly lanePerKey: boolean,
  ) {
    this.length = idx === undefined ? src.length : idx.length;
  }

  at(j: number): InputRecord {
    return this.src.at(this.idx === undefined ? j : this.idx[j]!);
  }

  /**
   * The record's lane: its shard, or, when parallelized, shard × the partition key Lambda keeps
   * order by: the Kinesis record's own key, which for a KPL user record is its aggregate's key.
   */
  laneAt(j: number): string {
    if (!this.lanePerKey) return this.shardId;
    return `${this.shardId}#${this.src.orderKeyAt(this.idx === undefined ? j : this.idx[j]!)}`;
  }
}

/** An array of input records as a {@link RecordSource}. */
export class ArraySource implements RecordSource {
  constructor(private readonly records: readonly InputRecord[]) {}
  get length(): number {
    return this.records.length;
  }
  shardIdAt(i: number): string {
    return this.records[i]!.shardId;
  }
  orderKeyAt(i: number): string {
    return this.records[i]!.orderKey;
  }
  at(i: number): InputRecord {
    return this.records[i]!;
  }
}

/** The invocation's records per shard, in shard order (Lambda sends one shard per invocation). */
export function shardViews(src: RecordSource, lanePerKey: boolean): ShardView[] {
  const first = src.length > 0 ? src.shardIdAt(0) : '';
  let mixed = false;
  for (let i = 1; i < src.length && !mixed; i++) mixed = src.shardIdAt(i) !== first;
  if (!mixed) return src.length > 0 ? [new ShardView(src, first, undefined, lanePerKey)] : [];
  const byShard = new Map<string, number[]>();
  for (let i = 0; i < src.length; i++) {
    const shardId = src.shardIdAt(i);
    let list = byShard.get(shardId);
    if (!list) {
      list = [];
      byShard.set(shardId, list);
    }
    list.push(i);
  }
  return [...byShard].map(([shardId, idx]) => new ShardView(src, shardId, idx, lanePerKey));
}

// Records of a batch mostly share their arrival millisecond: format it once.
let lastArrivalMs = Number.NaN;
let lastArrivalIso = '';
function arrivalIso(ms: number): string {
  if (ms !== lastArrivalMs) {
    lastArrivalIso = isoMs(ms);
    lastArrivalMs = ms;
  }
  return lastArrivalIso;
}

/** A record that is not applied, with its bytes, for the late-data sink. */
export function rejected(
  r: InputRecord,
  reason: RejectedRecord['reason'],
  error?: RejectedRecord['error'],
): RejectedRecord {
  // A string payload is the base64 of the record's bytes (the Kinesis event's own `data`).
  const bytes =
    typeof r.payload === 'string'
      ? Buffer.from(r.payload, 'base64')
      : Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
  // Readable text when the bytes are UTF-8 (JSON, logs), else base64 (a KPL aggregate that failed
  // to decode, binary junk), so that nothing is lost or mangled.
  const utf8 = isUtf8(bytes);
  // Every field in one literal (one shape); undefined fields are left out of the JSON line.
  return {
    reason,
    shardId: r.shardId,
    sequenceNumber: r.seq,
    subSequenceNumber: r.sub,
    partitionKey: r.partitionKey,
    arrivalTime: arrivalIso(r.arrivalTimeMs),
    error,
    windowStart: undefined,
    data: bytes.toString(utf8 ? 'utf8' : 'base64'),
    dataEncoding: utf8 ? 'utf8' : 'base64',
  };
}
