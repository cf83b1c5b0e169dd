import { decodeKinesisRecord, shardIdOf } from '@streamlens/lambda-kit/kinesis';
import {
  type InputEvent,
  isKplAggregated,
  LOG_COUNT_METRIC,
  parseInputEventJson,
  seriesKeyOf,
} from '@streamlens/schema';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { InputRecord, Observation, RecordIssue, RecordSource } from './domain/types.js';

/** Options of {@link toInputRecords}. */
export type DecodeOptions = {
  /** Only these telemetry dimensions form the series (empty: all). */
  seriesDimensions: readonly string[];
  maxRecordBytes?: number;
};

/**
 * Turns one validated input event into what the aggregator needs. Event time comes from the
 * CloudEvent `time` (already checked as RFC 3339 by the schema).
 */
export function observationOf(event: InputEvent, opts: DecodeOptions): Observation | RecordIssue {
  const timeMs = Date.parse(event.time);
  if (Number.isNaN(timeMs)) {
    return { code: 'INVALID_VALUE', message: `unparseable time ${event.time}`, path: '$.time' };
  }
  const dims = opts.seriesDimensions.length > 0 ? { dimensions: opts.seriesDimensions } : undefined;
  const series = seriesKeyOf(event, dims);
  if (event.type === 'app.log') {
    return {
      series,
      kind: 'log',
      metric: LOG_COUNT_METRIC,
      dimensions: { level: event.data.level, service: event.data.service },
      timeMs,
      value: 1,
    };
  }
  const all = event.data.dimensions ?? {};
  let dimensions: Record<string, string> = all;
  if (dims) {
    dimensions = {};
    for (const name of opts.seriesDimensions) {
      const v = all[name];
      if (v !== undefined && Object.hasOwn(all, name)) dimensions[name] = v;
    }
  }
  return {
    series,
    kind: 'telemetry',
    metric: event.data.metric,
    dimensions,
    timeMs,
    value: event.data.value,
  };
}

function fromBytes(
  shardId: string,
  seq: string,
  sub: number,
  partitionKey: string,
  arrivalTimeMs: number,
  data: Uint8Array,
  payload: Uint8Array | string,
  opts: DecodeOptions,
): InputRecord {
  const parsed = parseInputEventJson(data, { maxBytes: opts.maxRecordBytes });
  let obs: Observation | undefined;
  let error: RecordIssue | undefined;
  if (!parsed.ok) {
    error = parsed.error;
  } else {
    const o = observationOf(parsed.value, opts);
    if ('series' in o) obs = o;
    else error = o;
  }
  return { shardId, seq, sub, partitionKey, arrivalTimeMs, obs, error, payload };
}

/**
 * Decodes a Kinesis event into the aggregator's input records, in event order: base64, KPL
 * de-aggregation (one record per user record), JSON parse and validation. Never throws; a record
 * that cannot be decoded or validated becomes an invalid record at its position.
 *
 * Plain records are decoded here directly (the hot path: no intermediate objects, and the record
 * keeps the event's base64 string rather than a copy of its bytes); KPL aggregates go through
 * lambda-kit's `decodeKinesisRecord`.
 */
export function toInputRecords(event: KinesisStreamEvent, opts: DecodeOptions): InputRecord[] {
  const out: InputRecord[] = [];
  for (const record of event.Records) {
    const k = record.kinesis;
    const shardId = shardIdOf(record);
    const arrivalTimeMs = Math.round(k.approximateArrivalTimestamp * 1000);
    const bytes: Uint8Array = Buffer.from(k.data, 'base64');
    if (!isKplAggregated(bytes)) {
      out.push(
        fromBytes(shardId, k.sequenceNumber, 0, k.partitionKey, arrivalTimeMs, bytes, k.data, opts),
      );
      continue;
    }
    const decoded = decodeKinesisRecord(record);
    if (decoded.ok) {
      for (const r of decoded.records) {
        out.push(
          fromBytes(
            shardId,
            r.sequenceNumber,
            r.subSequenceNumber ?? 0,
            r.partitionKey,
            arrivalTimeMs,
            r.data,
            r.data,
            opts,
          ),
        );
      }
    } else {
      const f = decoded.failure;
      out.push({
        shardId,
        seq: k.sequenceNumber,
        sub: 0,
        partitionKey: k.partitionKey,
        arrivalTimeMs,
        obs: undefined,
        error: { code: f.code, message: f.message, path: '$' },
        payload: k.data,
      });
    }
  }
  return out;
}

// 'F3 89 9A C2' (the KPL magic) is the base64 prefix "84ma" + 2 bits of the 5th byte.
function looksKpl(b64: string): boolean {
  return b64.length >= 8 && isKplAggregated(Buffer.from(b64.slice(0, 8), 'base64'));
}

/**
 * The records of a Kinesis event as a {@link RecordSource} that decodes plain records on demand
 * (KPL aggregates are expanded up front, since their user records change the indexes). The engine
 * reads each record once, so decoded records die young instead of living for the whole batch.
 */
export class KinesisRecordSource implements RecordSource {
  private readonly entries: Array<KinesisStreamRecord | InputRecord> = [];
  private readonly shardIds: string[] = [];

  constructor(
    event: KinesisStreamEvent,
    private readonly opts: DecodeOptions,
  ) {
    for (const record of event.Records) {
      const shardId = shardIdOf(record);
      if (!looksKpl(record.kinesis.data)) {
        this.entries.push(record);
        this.shardIds.push(shardId);
        continue;
      }
      for (const r of toInputRecords({ Records: [record] }, opts)) {
        this.entries.push(r);
        this.shardIds.push(shardId);
      }
    }
  }

  get length(): number {
    return this.entries.length;
  }

  shardIdAt(i: number): string {
    return this.shardIds[i]!;
  }

  partitionKeyAt(i: number): string {
    const e = this.entries[i]!;
    return 'kinesis' in e ? e.kinesis.partitionKey : e.partitionKey;
  }

  at(i: number): InputRecord {
    const e = this.entries[i]!;
    if (!('kinesis' in e)) return e;
    const k = e.kinesis;
    return fromBytes(
      this.shardIds[i]!,
      k.sequenceNumber,
      0,
      k.partitionKey,
      Math.round(k.approximateArrivalTimestamp * 1000),
      Buffer.from(k.data, 'base64'),
      k.data,
      this.opts,
    );
  }
}
