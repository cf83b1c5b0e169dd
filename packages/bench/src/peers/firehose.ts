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

const envelopeRecordSchema = JSONStringified(InputEventSchema4);

/**
 * Peer: Powertools parser's Firehose envelope. `KinesisFirehoseEnvelope.safeParse` runs
 * `KinesisFirehoseSchema` over the event (base64-decoding every record) and then the user schema,
 * `JSONStringified(schema)`, on each record; but on any failure it returns only the batch error,
 * not per-record results, which a transform must return. So this runs exactly those two steps
 * itself, keeping per-record results, then encodes the output like the floor.
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
