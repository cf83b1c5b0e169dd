import { decodeKinesisRecord } from '@streamlens/lambda-kit/kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { looksGzip, looksKpl } from '../decode/detect.js';
import {
  type DecodeOptions,
  inputRecord,
  RecordDecoder,
  type RecordOrigin,
} from '../decode/record-decoder.js';
import type { InputRecord, RecordSource } from '../domain/types.js';

/** Shard id from a Kinesis record's `eventID` (`shardId-…:sequenceNumber`). */
function shardIdFromEventId(id: string, previous: string): string {
  // One shard per invocation in practice: reuse the previous string rather than slicing a new one.
  if (
    previous.length > 0 &&
    id.length > previous.length &&
    id.charCodeAt(previous.length) === 58 &&
    id.startsWith(previous)
  ) {
    return previous;
  }
  const colon = id.indexOf(':');
  return colon === -1 ? id : id.slice(0, colon);
}

/**
 * One Kinesis event record → its input records: one for a plain record, one per log event of a
 * CloudWatch Logs subscription record, one per user record of a KPL aggregate (checksum verified
 * by lambda-kit), one invalid record for a malformed aggregate. Never throws.
 */
export function expandKinesisRecord(
  decoder: RecordDecoder,
  record: KinesisStreamRecord,
  shardId: string,
  out: InputRecord[],
): void {
  const k = record.kinesis;
  const origin = {
    shardId,
    seq: k.sequenceNumber,
    sub: 0,
    partitionKey: k.partitionKey,
    arrivalTimeMs: Math.round(k.approximateArrivalTimestamp * 1000),
  };
  if (looksGzip(k.data)) {
    decoder.expandCloudWatchLogs(origin, Buffer.from(k.data, 'base64'), k.data, out);
    return;
  }
  if (!looksKpl(k.data)) {
    out.push(decoder.recordBase64(origin, k.data));
    return;
  }
  const decoded = decodeKinesisRecord(record);
  if (decoded.ok) {
    const first = out.length;
    for (const r of decoded.records) {
      out.push(
        decoder.recordOfBytes(
          {
            shardId,
            seq: r.sequenceNumber,
            sub: r.subSequenceNumber ?? 0,
            partitionKey: r.partitionKey,
            arrivalTimeMs: origin.arrivalTimeMs,
          },
          r.data,
        ),
      );
    }
    // Lambda orders (and, when parallelized, splits batches) by the aggregate's own key.
    for (let i = first; i < out.length; i++) out[i]!.orderKey = k.partitionKey;
    return;
  }
  const f = decoded.failure;
  out.push(inputRecord(origin, undefined, { code: f.code, message: f.message, path: '$' }, k.data));
}

/**
 * Decodes a whole Kinesis event into input records, in event order (base64, KPL de-aggregation,
 * JSON parse and validation). Never throws; a record that cannot be decoded or validated becomes
 * an invalid record at its position. The handler uses the lazy {@link KinesisRecordSource}.
 */
export function toInputRecords(
  event: KinesisStreamEvent,
  decoder: RecordDecoder | DecodeOptions,
): InputRecord[] {
  const d = decoder instanceof RecordDecoder ? decoder : new RecordDecoder(decoder);
  const out: InputRecord[] = [];
  let shardId = '';
  for (const record of event.Records) {
    shardId = shardIdFromEventId(record.eventID ?? '', shardId);
    expandKinesisRecord(d, record, shardId, out);
  }
  return out;
}

/**
 * Per decoder, an empty source kept alive as long as the decoder: V8 holds hidden classes only
 * weakly, and a live object of the sources' shape keeps the optimised code that reads them across
 * the full garbage collections between invocations (as the decoder's recent events do).
 */
const shapeAnchors = new WeakMap<RecordDecoder, KinesisRecordSource>();

/**
 * The records of a Kinesis event as a {@link RecordSource} that decodes plain records on demand
 * (KPL aggregates and CloudWatch Logs records are expanded up front, since their records change
 * the indexes). The engine reads each record once, so decoded records die young instead of living
 * for the whole batch.
 */
export class KinesisRecordSource implements RecordSource {
  private readonly entries: Array<KinesisStreamRecord | InputRecord> = [];
  private readonly shardIds: string[] = [];
  private readonly decoder: RecordDecoder;
  /** Refilled for every record {@link at} decodes (the decoder keeps no reference to it). */
  private readonly origin: RecordOrigin = {
    shardId: '',
    seq: '',
    sub: 0,
    partitionKey: '',
    arrivalTimeMs: 0,
  };

  constructor(event: KinesisStreamEvent, decoder: RecordDecoder | DecodeOptions) {
    this.decoder = decoder instanceof RecordDecoder ? decoder : new RecordDecoder(decoder);
    const entries = this.entries;
    const shardIds = this.shardIds;
    let shardId = '';
    let expanded: InputRecord[] | undefined;
    for (const record of event.Records) {
      shardId = shardIdFromEventId(record.eventID ?? '', shardId);
      if (!looksKpl(record.kinesis.data) && !looksGzip(record.kinesis.data)) {
        entries.push(record);
        shardIds.push(shardId);
        continue;
      }
      expanded ??= [];
      expanded.length = 0;
      expandKinesisRecord(this.decoder, record, shardId, expanded);
      for (const r of expanded) {
        entries.push(r);
        shardIds.push(shardId);
      }
    }
    if (event.Records.length > 0 && !shapeAnchors.has(this.decoder)) {
      shapeAnchors.set(this.decoder, new KinesisRecordSource({ Records: [] }, this.decoder));
    }
  }

  get length(): number {
    return this.entries.length;
  }

  shardIdAt(i: number): string {
    return this.shardIds[i]!;
  }

  orderKeyAt(i: number): string {
    const e = this.entries[i]!;
    return 'kinesis' in e ? e.kinesis.partitionKey : e.orderKey;
  }

  at(i: number): InputRecord {
    const e = this.entries[i]!;
    if (!('kinesis' in e)) return e;
    const k = e.kinesis;
    const origin = this.origin;
    origin.shardId = this.shardIds[i]!;
    origin.seq = k.sequenceNumber;
    origin.partitionKey = k.partitionKey;
    origin.arrivalTimeMs = Math.round(k.approximateArrivalTimestamp * 1000);
    return this.decoder.recordBase64(origin, k.data);
  }
}
