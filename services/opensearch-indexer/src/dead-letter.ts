import { retryWithBackoff } from '@streamlens/lambda-kit';
import type { ObjectPutter } from '@streamlens/lambda-kit/s3-put';
import { DeadLetterError } from './errors.js';

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
  /** Approximate arrival time of the Kinesis record (epoch ms): the same on every delivery. */
  readonly arrivalTimeMs: number;
  /** The event id and target index, when the record was a valid event. */
  readonly id?: string;
  readonly index?: string;
  /** For a valid event OpenSearch refused: the event as it arrived, and the document refused ... */
  readonly event?: unknown;
  readonly document?: Record<string, unknown>;
  /** ... or the raw record bytes, base64 (records that are not valid events). */
  readonly raw?: string;
}

/** Stores dead letters durably; throws when it could not (the records are then reported failed). */
export type DeadLetterSink = (
  entries: readonly DeadLetter[],
  ctx: { deadline: number },
) => Promise<void>;

/** Writes (creates or overwrites) one object; throws when it could not. */
export type ObjectPut = (key: string, body: string) => Promise<void>;

/** An {@link ObjectPut} of JSON objects through lambda-kit's signed S3 PutObject. */
export function objectPut(put: ObjectPutter): ObjectPut {
  return async (key, body) => {
    await put({ key, body, contentType: 'application/json' });
  };
}

/**
 * The object key of a dead letter: `<prefix>dt=YYYY-MM-DD/<shardId>/<sequenceNumber>[-<sub>].json`,
 * the day being the record's arrival day (UTC). Everything in it is fixed by the record's stream
 * position, so a redelivery (a retried or bisected batch) overwrites the same object instead of
 * adding a second one, and `dt=` partitions stay queryable.
 */
export function deadLetterKey(prefix: string, letter: DeadLetter): string {
  const day = new Date(letter.arrivalTimeMs).toISOString().slice(0, 10);
  const sub = letter.subSequenceNumber === undefined ? '' : `-${letter.subSequenceNumber}`;
  return `${prefix}dt=${day}/${letter.shardId}/${letter.sequenceNumber}${sub}.json`;
}

/** Options of {@link objectDeadLetterSink}. */
export interface ObjectSinkOptions {
  /** Objects written at the same time (default 8). */
  readonly concurrency?: number;
  /** Attempts per object, the first included (default 3). */
  readonly maxAttempts?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * A sink writing one JSON object per dead letter at {@link deadLetterKey} (the letter plus
 * `deadLetteredAt`), each retried with backoff until the deadline. Dead letters are rare, so an
 * object each costs little and makes redelivery idempotent. Throws a `DeadLetterError` when any
 * object could not be written; those written stay, and are overwritten by the redelivery.
 */
export function objectDeadLetterSink(
  put: ObjectPut,
  prefix: string,
  opts: ObjectSinkOptions = {},
): DeadLetterSink {
  const now = opts.now ?? Date.now;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  return async (entries, ctx) => {
    if (entries.length === 0) return;
    const deadLetteredAt = new Date(now()).toISOString();
    const failures: unknown[] = [];
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const letter = entries[next++]!;
        const body = JSON.stringify({ ...letter, deadLetteredAt });
        try {
          await retryWithBackoff(() => put(deadLetterKey(prefix, letter), body), {
            maxAttempts: opts.maxAttempts ?? 3,
            deadline: ctx.deadline,
            sleep: opts.sleep,
          });
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
    if (failures.length > 0)
      throw new DeadLetterError(
        `${failures.length} of ${entries.length} dead letters could not be stored`,
        { cause: failures[0] },
      );
  };
}
