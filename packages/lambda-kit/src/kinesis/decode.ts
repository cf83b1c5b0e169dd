import { deaggregate, isKplAggregated } from '@streamlens/schema';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { DecodedKinesisRecord, KinesisDecodeFailure } from './types.js';

/** Outcome of decoding one Kinesis record: its user records, or why it could not be decoded. */
export type KinesisRecordDecoding =
  | { ok: true; records: DecodedKinesisRecord[] }
  | { ok: false; failure: KinesisDecodeFailure };

/** The shard id of a Kinesis event record: the part of `eventID` before the colon. */
export function shardIdOf(record: Pick<KinesisStreamRecord, 'eventID'>): string {
  const id = record.eventID ?? '';
  const colon = id.indexOf(':');
  return colon === -1 ? id : id.slice(0, colon);
}

/**
 * Decodes one Kinesis event record: base64 to bytes, then KPL de-aggregation (checksum verified)
 * when the bytes start with the KPL magic. Never throws: a malformed aggregate is a failure.
 */
export function decodeKinesisRecord(record: KinesisStreamRecord): KinesisRecordDecoding {
  const { kinesis } = record;
  const shardId = shardIdOf(record);
  // Buffer is a Uint8Array; decoding straight into it avoids a copy on the hot path.
  const data: Uint8Array = Buffer.from(kinesis.data, 'base64');
  const base = {
    sequenceNumber: kinesis.sequenceNumber,
    shardId,
    partitionKey: kinesis.partitionKey,
    eventSourceArn: record.eventSourceARN,
    arrivalTimeMs: Math.round(kinesis.approximateArrivalTimestamp * 1000),
  };
  if (!isKplAggregated(data)) return { ok: true, records: [{ ...base, data }] };
  const result = deaggregate(data);
  if (!result.ok) {
    return {
      ok: false,
      failure: {
        sequenceNumber: base.sequenceNumber,
        shardId,
        partitionKey: base.partitionKey,
        eventSourceArn: base.eventSourceArn,
        code: result.error.code,
        message: result.error.message,
      },
    };
  }
  return {
    ok: true,
    records: result.value.map((user, subSequenceNumber) => ({
      ...base,
      subSequenceNumber,
      partitionKey: user.partitionKey,
      ...(user.explicitHashKey === undefined ? {} : { explicitHashKey: user.explicitHashKey }),
      data: user.data,
    })),
  };
}

/**
 * Decodes every record of a Kinesis event, in order: plain records as one entry each, KPL
 * aggregates as one entry per user record. Records that cannot be decoded are returned in
 * `failures` instead of throwing.
 *
 * @example
 * const { records, failures } = decodeKinesisEvent(event);
 */
export function decodeKinesisEvent(event: KinesisStreamEvent): {
  records: DecodedKinesisRecord[];
  failures: KinesisDecodeFailure[];
} {
  const records: DecodedKinesisRecord[] = [];
  const failures: KinesisDecodeFailure[] = [];
  for (const record of event.Records) {
    const decoded = decodeKinesisRecord(record);
    if (decoded.ok) {
      for (const r of decoded.records) records.push(r);
    } else {
      failures.push(decoded.failure);
    }
  }
  return { records, failures };
}
