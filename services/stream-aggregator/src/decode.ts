import type { DecodedKinesisRecord } from '@streamlens/lambda-kit/kinesis';
import { decodeKinesisRecord } from '@streamlens/lambda-kit/kinesis';
import {
  type InputEvent,
  LOG_COUNT_METRIC,
  parseInputEventJson,
  seriesKeyOf,
} from '@streamlens/schema';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { InputRecord, Observation, RecordIssue } from './domain/types.js';

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

function fromDecoded(r: DecodedKinesisRecord, opts: DecodeOptions): InputRecord {
  const parsed = parseInputEventJson(r.data, { maxBytes: opts.maxRecordBytes });
  let result: InputRecord['parsed'];
  if (!parsed.ok) {
    result = { ok: false, error: parsed.error };
  } else {
    const obs = observationOf(parsed.value, opts);
    result = 'series' in obs ? { ok: true, value: obs } : { ok: false, error: obs };
  }
  return {
    shardId: r.shardId,
    seq: r.sequenceNumber,
    sub: r.subSequenceNumber ?? 0,
    partitionKey: r.partitionKey,
    arrivalTimeMs: r.arrivalTimeMs,
    parsed: result,
    payload: r.data,
  };
}

/**
 * Decodes a Kinesis event into the aggregator's input records, in event order: base64, KPL
 * de-aggregation (one record per user record), JSON parse and validation. Never throws; a record
 * that cannot be decoded or validated becomes an invalid record at its position.
 */
export function toInputRecords(event: KinesisStreamEvent, opts: DecodeOptions): InputRecord[] {
  const out: InputRecord[] = [];
  for (const record of event.Records) {
    const decoded = decodeKinesisRecord(record);
    if (decoded.ok) {
      for (const r of decoded.records) out.push(fromDecoded(r, opts));
    } else {
      const f = decoded.failure;
      out.push({
        shardId: f.shardId,
        seq: f.sequenceNumber,
        sub: 0,
        partitionKey: f.partitionKey,
        arrivalTimeMs: Math.round(record.kinesis.approximateArrivalTimestamp * 1000),
        parsed: { ok: false, error: { code: f.code, message: f.message, path: '$' } },
        payload: record.kinesis.data,
      });
    }
  }
  return out;
}
