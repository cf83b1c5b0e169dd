import { createHash } from 'node:crypto';
import { type PutRecordsCall, putRecordsWith } from '@streamlens/lambda-kit/kinesis';
import type { ObjectPutter } from '@streamlens/lambda-kit/s3-put';
import type {
  MetricsWindowEvent,
  RejectedRecord,
  RejectSink,
  WindowSink,
} from '../domain/types.js';
import { SinkError } from '../errors.js';

const encoder = new TextEncoder();

/** Kinesis partition keys are 1–256 characters; longer series keys are hashed (stable). */
export function partitionKeyOf(series: string): string {
  return series.length <= 256 ? series : `h:${createHash('sha256').update(series).digest('hex')}`;
}

/** `YYYY-MM-DD` of an RFC 3339 UTC timestamp. */
function dateOf(iso: string): string {
  return iso.slice(0, 10);
}

/** NDJSON body. */
function ndjson(items: readonly unknown[]): string {
  let out = '';
  for (const i of items) out += `${JSON.stringify(i)}\n`;
  return out;
}

/**
 * One NDJSON object; `put` (lambda-kit's `createObjectPut`, bound to the lake bucket) retries
 * transient failures with backoff until the invocation deadline.
 */
async function putObject(
  put: ObjectPutter,
  bucket: string,
  key: string,
  body: string,
  deadlineMs: number,
): Promise<void> {
  try {
    await put({ key, body, contentType: 'application/x-ndjson', deadline: deadlineMs });
  } catch (error) {
    throw new SinkError(`S3 PutObject s3://${bucket}/${key} failed`, { cause: error });
  }
}

/** Options of {@link AggregatesSink}. */
export type AggregatesSinkOptions = {
  /** PutRecords (lambda-kit `createPutRecordsCall`: a signed request, not the Kinesis client). */
  putRecords: PutRecordsCall;
  streamName: string;
  /** PUTs into `bucket` (lambda-kit `createObjectPut`). */
  archive: ObjectPutter;
  bucket: string;
  /** e.g. `aggregates/`; objects go to `<prefix>dt=YYYY-MM-DD/<hash>.ndjson`. */
  archivePrefix: string;
};

/**
 * Sends windows to the aggregates stream (partition key = series, so each series stays in order on
 * one shard; only failed entries are retried) and archives them to S3 as NDJSON, one object per
 * window-start date. The object key is a hash of the event ids it holds, so a retry of the same
 * flush overwrites the same object instead of adding a duplicate.
 */
export class AggregatesSink implements WindowSink {
  constructor(private readonly o: AggregatesSinkOptions) {}

  async emit(events: readonly MetricsWindowEvent[], deadlineMs: number): Promise<void> {
    await Promise.all([this.toStream(events, deadlineMs), this.toArchive(events, deadlineMs)]);
  }

  private async toStream(events: readonly MetricsWindowEvent[], deadlineMs: number): Promise<void> {
    const entries = events.map((e) => ({
      Data: encoder.encode(JSON.stringify(e)),
      PartitionKey: partitionKeyOf(e.subject),
    }));
    const { failed } = await putRecordsWith(this.o.putRecords, this.o.streamName, entries, {
      deadline: deadlineMs,
      maxAttempts: 6,
    });
    if (failed.length > 0) {
      throw new SinkError(
        `${failed.length} of ${entries.length} windows not written to ${this.o.streamName} (${failed[0]?.code})`,
      );
    }
  }

  private async toArchive(
    events: readonly MetricsWindowEvent[],
    deadlineMs: number,
  ): Promise<void> {
    const byDate = new Map<string, MetricsWindowEvent[]>();
    for (const e of events) {
      const d = dateOf(e.data.windowStart);
      const list = byDate.get(d);
      if (list) list.push(e);
      else byDate.set(d, [e]);
    }
    await Promise.all(
      [...byDate].map(([date, list]) => {
        const hash = createHash('sha256');
        for (const id of list.map((e) => e.id).sort()) hash.update(`${id}\n`);
        const key = `${this.o.archivePrefix}dt=${date}/${hash.digest('hex').slice(0, 32)}.ndjson`;
        return putObject(this.o.archive, this.o.bucket, key, ndjson(list), deadlineMs);
      }),
    );
  }
}

/**
 * Writes rejected records (invalid, or later than the maximum lateness) to
 * `<prefix>dt=YYYY-MM-DD/<shardId>/<first>_<last>.ndjson`; the key comes from the sub-batch's
 * positions, so a retry overwrites. Each line names its shard, sequence and sub-sequence number,
 * the dedup key if a replay with different batch boundaries writes a record twice.
 */
export class S3RejectSink implements RejectSink {
  constructor(
    private readonly putter: ObjectPutter,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  async put(
    batchKey: string,
    records: readonly RejectedRecord[],
    deadlineMs: number,
  ): Promise<void> {
    const date = dateOf(records[0]?.arrivalTime ?? new Date().toISOString());
    const key = `${this.prefix}dt=${date}/${batchKey}.ndjson`;
    await putObject(this.putter, this.bucket, key, ndjson(records), deadlineMs);
  }
}

/**
 * The window table as a query store, behind the sink that sends (the aggregates stream and the
 * archive): once `next` took the events, each is written to the table. A failure here fails the
 * emit like a failed send: the flush state keeps the revisions pending and the next flush sends
 * and writes them again (the table keeps the latest revision either way).
 */
export class WindowTableSink implements WindowSink {
  constructor(
    private readonly next: WindowSink,
    private readonly table: {
      putWindowItems(events: readonly MetricsWindowEvent[], deadlineMs: number): Promise<void>;
    },
  ) {}

  async emit(events: readonly MetricsWindowEvent[], deadlineMs: number): Promise<void> {
    await this.next.emit(events, deadlineMs);
    await this.table.putWindowItems(events, deadlineMs);
  }
}
