import { Base64Encoded, JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { KinesisFirehoseSchema } from '@aws-lambda-powertools/parser/schemas';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { InputEventSchema4 } from './schemas.js';

/** Anything with a zod-style `safeParse` (zod 3 and zod 4 schemas alike). */
export interface SafeParser {
  safeParse(input: unknown): { success: true; data: unknown } | { success: false };
}

const ok = (recordId: string, value: unknown): FirehoseTransformationResultRecord => ({
  recordId,
  result: 'Ok',
  data: Buffer.from(`${JSON.stringify(value)}\n`, 'utf8').toString('base64'),
});

/**
 * Peer: the floor plus a zod schema per record (`safeParse`; invalid → ProcessingFailed).
 *
 * @example
 * const transform = zodPerRecordTransform(InputEventSchema4);
 * transform(event);
 */
export function zodPerRecordTransform(
  schema: SafeParser,
): (event: FirehoseTransformationEvent) => FirehoseTransformationResult {
  return (event) => {
    const records: FirehoseTransformationResultRecord[] = new Array(event.records.length);
    for (let i = 0; i < event.records.length; i++) {
      const record = event.records[i]!;
      let parsed: { success: true; data: unknown } | { success: false };
      try {
        parsed = schema.safeParse(JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')));
      } catch {
        parsed = { success: false };
      }
      records[i] = parsed.success
        ? ok(record.recordId, parsed.data)
        : { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    }
    return { records };
  };
}

/**
 * The record schema a user passes to the envelope, as the Powertools docs have it: the envelope
 * hands the user schema each record's data already base64-decoded to a string, so a JSON payload
 * takes `JSONStringified(schema)` (`Base64Encoded` would decode it a second time).
 */
export const envelopeRecordSchema = JSONStringified(InputEventSchema4);

/**
 * Peer: Powertools parser's Firehose envelope, as documented:
 * `parse(event, KinesisFirehoseEnvelope, JSONStringified(schema), true)`.
 *
 * Fairness: that call is all or nothing: one invalid record makes it return
 * `{ success: false }` without the records that did parse, and a transform must answer every
 * record (a batch of this workload always holds some invalid ones). So this runs exactly the two
 * steps the envelope's `safeParse` runs (`KinesisFirehoseSchema` over the event, base64-decoding
 * every record, then the user schema on each record's data) and keeps the per-record results.
 * That is the cheapest faithful way to use the envelope for a transform: a user who called the
 * envelope and then re-parsed the valid records of a failed batch would pay twice, which would
 * flatter streamlens. The schema is the same CloudEvent schema the other peers use, written as a
 * Powertools user would (`z.object`: unknown fields stripped; no per-record size limit, so the
 * few oversize records of a workload are accepted). tests/unit/firehose-peer.test.ts checks that
 * this answers what the documented call answers: the same records, the same failed indexes.
 */
export function powertoolsEnvelopeTransform(
  event: FirehoseTransformationEvent,
): FirehoseTransformationResult {
  const envelope = KinesisFirehoseSchema.parse(event);
  const records: FirehoseTransformationResultRecord[] = new Array(envelope.records.length);
  for (let i = 0; i < envelope.records.length; i++) {
    const record = envelope.records[i]!;
    const parsed = envelopeRecordSchema.safeParse(record.data);
    records[i] = parsed.success
      ? ok(record.recordId, parsed.data)
      : {
          recordId: record.recordId,
          result: 'ProcessingFailed',
          data: event.records[i]!.data,
        };
  }
  return { records };
}

const base64RecordSchema = Base64Encoded(InputEventSchema4);

/**
 * Peer: Powertools parser's `Base64Encoded(schema)` helper per record (it tries gunzip on every
 * record before decoding it as plain base64).
 */
export function powertoolsBase64Transform(
  event: FirehoseTransformationEvent,
): FirehoseTransformationResult {
  const records: FirehoseTransformationResultRecord[] = new Array(event.records.length);
  for (let i = 0; i < event.records.length; i++) {
    const record = event.records[i]!;
    const parsed = base64RecordSchema.safeParse(record.data);
    records[i] = parsed.success
      ? ok(record.recordId, parsed.data)
      : { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
  }
  return { records };
}
