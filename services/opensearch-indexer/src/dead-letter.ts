import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { retryWithBackoff } from '@streamlens/lambda-kit';

/**
 * A record that cannot be indexed however often it is retried (invalid event, or a document
 * OpenSearch rejects with a 4xx such as `mapper_parsing_exception`), kept with the reason.
 */
export interface DeadLetter {
  readonly reason: {
    /** HTTP status of the bulk item (absent for events that failed validation). */
    readonly status?: number;
    /** `mapper_parsing_exception`, ..., or a schema `ErrorCode` such as `MISSING_FIELD`. */
    readonly type: string;
    readonly message: string;
    /** JSON path of the offending value, for validation errors. */
    readonly path?: string;
  };
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number;
  /** The event id and target index, when the record was a valid event. */
  readonly id?: string;
  readonly index?: string;
  /** The document that was refused (valid events) ... */
  readonly document?: Record<string, unknown>;
  /** ... or the raw record bytes, base64 (records that are not valid events). */
  readonly raw?: string;
}

/** Stores dead letters durably; throws when it could not (the records are then reported failed). */
export type DeadLetterSink = (
  entries: readonly DeadLetter[],
  ctx: { requestId?: string; deadline: number },
) => Promise<void>;

/**
 * A sink writing one NDJSON object per invocation to
 * `s3://<bucket>/<prefix>dt=YYYY-MM-DD/<epoch ms>-<request id>.ndjson` (one line per dead letter).
 * The key is unique per attempt, so a retried invocation writes a second object rather than
 * overwriting: readers de-duplicate by (sequenceNumber, subSequenceNumber).
 */
export function s3DeadLetterSink(
  s3: S3Client,
  bucket: string,
  prefix: string,
  now: () => number = Date.now,
): DeadLetterSink {
  return async (entries, ctx) => {
    if (entries.length === 0) return;
    const at = now();
    const day = new Date(at).toISOString().slice(0, 10);
    const key = `${prefix}dt=${day}/${at}-${ctx.requestId ?? randomUUID()}.ndjson`;
    const body = entries
      .map((e) => `${JSON.stringify({ ...e, deadLetteredAt: new Date(at).toISOString() })}\n`)
      .join('');
    await retryWithBackoff(
      () =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: 'application/x-ndjson',
          }),
        ),
      { maxAttempts: 3, deadline: ctx.deadline },
    );
  };
}
