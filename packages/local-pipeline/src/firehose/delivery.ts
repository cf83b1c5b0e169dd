import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { EventSourceMapping } from '../esm/mapping.js';
import type { ShardReader } from '../esm/reader.js';
import type { ShardSource } from '../esm/source.js';
import type { InvokeOutcome } from '../runtime/container.js';
import type { DeliveryStreamConfig } from './config.js';
import { type ErrorOutputType, objectName, renderPrefix } from './prefix.js';

/** Options of the Firehose emulator. */
export interface FirehoseOptions {
  readonly config: DeliveryStreamConfig;
  /** Invoke the transformation function (absent: no processor). */
  readonly invoke?: (event: unknown) => Promise<InvokeOutcome>;
  readonly kinesis: KinesisClient;
  /** How the source stream's shards are read (default: through `kinesis`). */
  readonly reader?: ShardReader;
  /** Where the source stream's shards are read from (the pipeline's shared source). */
  readonly source?: ShardSource;
  readonly s3: S3Client;
  readonly region?: string;
  /** Local override of the S3 buffering interval (AWS: 0–900 s, here often 300): printed at start. */
  readonly bufferIntervalSecondsOverride?: number;
  /** Local override of the processor buffering interval. */
  readonly processorIntervalSecondsOverride?: number;
  readonly pollIntervalMs?: number;
  readonly onNotice?: (message: string) => void;
}

/** Counters of a delivery stream. */
export interface FirehoseStats {
  recordsIn: number;
  ok: number;
  dropped: number;
  processingFailed: number;
  partitioningFailed: number;
  invocations: number;
  invocationErrors: number;
  objectsWritten: number;
  errorObjectsWritten: number;
  recordsDelivered: number;
  bytesWritten: number;
  s3Retries: number;
}

interface SourceRecord {
  readonly recordId: string;
  readonly arrivalMs: number;
  readonly data: string;
  readonly shardId: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  readonly bytes: number;
}

interface Buffer_ {
  chunks: Buffer[];
  bytes: number;
  records: number;
  firstAt: number;
  firstArrivalMs: number;
}

const MB = 1024 * 1024;
const MAX_REQUEST_BYTES = 6 * MB;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Outcome of one transformation attempt, Firehose's way. */
type TransformResult =
  | {
      ok: true;
      records: Map<
        string,
        { result: string; data?: string; partitionKeys?: Record<string, string> }
      >;
    }
  | { ok: false; errorCode: string; errorMessage: string };

/**
 * Emulates a Kinesis Data Firehose delivery stream reading a Kinesis stream: processor buffering,
 * the Lambda transformation with Firehose's request shape, response validation and retries,
 * Ok / Dropped / ProcessingFailed, dynamic partitioning, destination buffering by size and
 * interval, GZIP, Firehose's object names and the error-record format at the error prefix.
 */
export class FirehoseEmulator {
  readonly stats: FirehoseStats = {
    recordsIn: 0,
    ok: 0,
    dropped: 0,
    processingFailed: 0,
    partitioningFailed: 0,
    invocations: 0,
    invocationErrors: 0,
    objectsWritten: 0,
    errorObjectsWritten: 0,
    recordsDelivered: 0,
    bytesWritten: 0,
    s3Retries: 0,
  };
  /** Keys of every object written (data and error objects). */
  readonly objectKeys: string[] = [];
  private readonly source: EventSourceMapping;
  private processorBuffer: SourceRecord[] = [];
  private processorBytes = 0;
  private processorFirstAt = 0;
  private readonly destination = new Map<string, Buffer_>();
  private stopped = false;
  private flushing = false;
  private loop: Promise<void> | undefined;
  private nextRecord = 0;

  constructor(private readonly options: FirehoseOptions) {
    const { config } = options;
    this.source = new EventSourceMapping({
      functionName: `firehose-${config.name}`,
      functionArn: config.arn,
      settings: {
        streamArn: config.sourceStreamArn,
        streamName: config.sourceStreamName,
        batchSize: 10_000,
        batchWindowSeconds: 0,
        parallelizationFactor: 1,
        startingPosition: 'TRIM_HORIZON',
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: -1,
        bisectBatchOnFunctionError: false,
        reportBatchItemFailures: false,
        tumblingWindowInSeconds: 0,
        enabled: true,
      },
      kinesis: options.kinesis,
      ...(options.reader ? { reader: options.reader } : {}),
      ...(options.source ? { source: options.source } : {}),
      ...(options.region ? { region: options.region } : {}),
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      invoke: async (event) => {
        this.accept(event as KinesisEventLike);
        return { ok: true, value: null, durationMs: 0 };
      },
    });
  }

  /** The Kinesis stream the delivery stream reads. */
  get sourceStreamName(): string {
    return this.options.config.sourceStreamName;
  }

  /** Effective buffering (after local overrides). */
  get buffering() {
    const { config } = this.options;
    return {
      destinationIntervalSeconds:
        this.options.bufferIntervalSecondsOverride ?? config.bufferIntervalSeconds,
      destinationSizeMb: config.bufferSizeMb,
      processorIntervalSeconds:
        this.options.processorIntervalSecondsOverride ??
        config.processor?.bufferIntervalSeconds ??
        0,
      processorSizeMb: config.processor?.bufferSizeMb ?? 0,
    };
  }

  private accept(event: KinesisEventLike): void {
    for (const r of event.Records) {
      const bytes = Math.floor((r.kinesis.data.length * 3) / 4);
      if (this.processorBuffer.length === 0) this.processorFirstAt = Date.now();
      this.processorBuffer.push({
        // Firehose record ids are opaque strings; unique per delivery stream.
        recordId: `${r.kinesis.sequenceNumber}${String(this.nextRecord++).padStart(10, '0')}`,
        arrivalMs: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
        data: r.kinesis.data,
        shardId: r.eventID.split(':')[0] ?? '',
        partitionKey: r.kinesis.partitionKey,
        sequenceNumber: r.kinesis.sequenceNumber,
        bytes,
      });
      this.processorBytes += bytes;
      this.stats.recordsIn++;
    }
  }

  /** Start reading the source stream and delivering. */
  async start(): Promise<void> {
    await this.source.start();
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.tick(false);
      await sleep(50);
    }
  }

  private async tick(force: boolean): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      const b = this.buffering;
      const processorDue =
        this.processorBuffer.length > 0 &&
        (force ||
          !this.options.config.processor ||
          this.processorBytes >= b.processorSizeMb * MB ||
          Date.now() - this.processorFirstAt >= b.processorIntervalSeconds * 1000);
      if (processorDue) await this.process();
      for (const [key, buffer] of this.destination) {
        const due =
          force ||
          buffer.bytes >= b.destinationSizeMb * MB ||
          Date.now() - buffer.firstAt >= b.destinationIntervalSeconds * 1000;
        if (due) {
          this.destination.delete(key);
          await this.writeObject(key, buffer);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Take up to 6 MB of buffered source records (Firehose caps a request there). */
  private takeRequest(): SourceRecord[] {
    const batch: SourceRecord[] = [];
    let bytes = 0;
    let raw = 0;
    // A request holds one processor buffer (BufferSizeInMBs of source data), never over 6 MB.
    const bufferBytes = (this.options.config.processor?.bufferSizeMb ?? 6) * MB;
    for (const record of this.processorBuffer) {
      const size = Math.ceil(record.bytes / 3) * 4 + 300;
      if (
        batch.length > 0 &&
        (bytes + size > MAX_REQUEST_BYTES || raw + record.bytes > bufferBytes)
      )
        break;
      raw += record.bytes;
      batch.push(record);
      bytes += size;
    }
    this.processorBuffer = this.processorBuffer.slice(batch.length);
    this.processorBytes -= batch.reduce((sum, r) => sum + r.bytes, 0);
    this.processorFirstAt = Date.now();
    return batch;
  }

  private async process(): Promise<void> {
    while (this.processorBuffer.length > 0) {
      const batch = this.takeRequest();
      const { config } = this.options;
      if (!config.processor || !this.options.invoke) {
        for (const r of batch) this.deliverOk(r, Buffer.from(r.data, 'base64'), undefined);
        continue;
      }
      const attempts = config.processor.retries + 1;
      let last: TransformResult | undefined;
      let attemptsMade = 0;
      for (let attempt = 0; attempt < attempts; attempt++) {
        attemptsMade++;
        last = await this.transform(batch);
        if (last.ok) break;
        this.stats.invocationErrors++;
        this.options.onNotice?.(`firehose ${config.name}: ${last.errorCode}: ${last.errorMessage}`);
        if (attempt + 1 < attempts) await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
      if (!last?.ok) {
        const failure = last as { errorCode: string; errorMessage: string };
        for (const r of batch) {
          this.deliverError(
            r,
            'processing-failed',
            failure.errorCode,
            failure.errorMessage,
            attemptsMade,
          );
        }
        continue;
      }
      for (const r of batch) {
        const out = last.records.get(r.recordId);
        if (!out) continue;
        if (out.result === 'Dropped') this.stats.dropped++;
        else if (out.result === 'Ok')
          this.deliverOk(r, Buffer.from(out.data ?? '', 'base64'), out.partitionKeys);
        else {
          this.deliverError(
            r,
            'processing-failed',
            'Lambda.ProcessingFailedStatus',
            'ProcessingFailed status set for record',
            attemptsMade,
          );
        }
      }
    }
  }

  private async transform(batch: readonly SourceRecord[]): Promise<TransformResult> {
    const { config, region } = this.options;
    const invoke = this.options.invoke as NonNullable<FirehoseOptions['invoke']>;
    this.stats.invocations++;
    const request = {
      invocationId: randomUUID(),
      deliveryStreamArn: config.arn,
      sourceKinesisStreamArn: config.sourceStreamArn,
      region: region ?? 'us-east-1',
      records: batch.map((r) => ({
        recordId: r.recordId,
        approximateArrivalTimestamp: r.arrivalMs,
        data: r.data,
        kinesisRecordMetadata: {
          shardId: r.shardId,
          partitionKey: r.partitionKey,
          approximateArrivalTimestamp: r.arrivalMs,
          sequenceNumber: r.sequenceNumber,
          subsequenceNumber: 0,
        },
      })),
    };
    const outcome = await invoke(request);
    if (!outcome.ok) {
      return {
        ok: false,
        errorCode: 'Lambda.FunctionError',
        errorMessage: `${outcome.errorType}: ${outcome.errorMessage}`,
      };
    }
    return validateResponse(outcome.value, batch);
  }

  private deliverOk(
    record: SourceRecord,
    data: Buffer,
    partitionKeys: Record<string, string> | undefined,
  ): void {
    const { config } = this.options;
    const prefix = renderPrefix(config.prefix, {
      ...(partitionKeys ? { partitionKeys } : {}),
      timestampMs: record.arrivalMs,
    });
    if (prefix === undefined) {
      this.deliverError(
        record,
        'partitioning-failed',
        'DynamicPartitioning.MetadataExtractionFailed',
        'a partition key named in the prefix is missing from the Lambda metadata',
        1,
      );
      return;
    }
    this.stats.ok++;
    this.buffer(prefix, data, record.arrivalMs);
  }

  private deliverError(
    record: SourceRecord,
    type: ErrorOutputType,
    errorCode: string,
    errorMessage: string,
    attemptsMade: number,
  ): void {
    const { config } = this.options;
    if (type === 'partitioning-failed') this.stats.partitioningFailed++;
    else this.stats.processingFailed++;
    const line = `${JSON.stringify({
      attemptsMade,
      arrivalTimestamp: record.arrivalMs,
      errorCode,
      errorMessage,
      attemptEndingTimestamp: Date.now(),
      rawData: record.data,
      ...(type === 'processing-failed' && config.processor
        ? { lambdaArn: config.processor.lambdaArn }
        : {}),
    })}\n`;
    const prefix =
      renderPrefix(config.errorOutputPrefix || '!{firehose:error-output-type}/', {
        timestampMs: record.arrivalMs,
        errorOutputType: type,
      }) ?? `${type}/`;
    this.buffer(`error:${prefix}`, Buffer.from(line), record.arrivalMs);
  }

  private buffer(key: string, data: Buffer, arrivalMs: number): void {
    let buffer = this.destination.get(key);
    if (!buffer) {
      buffer = { chunks: [], bytes: 0, records: 0, firstAt: Date.now(), firstArrivalMs: arrivalMs };
      this.destination.set(key, buffer);
    }
    buffer.chunks.push(data);
    buffer.bytes += data.length;
    buffer.records++;
  }

  private async writeObject(key: string, buffer: Buffer_): Promise<void> {
    const { config, s3 } = this.options;
    const isError = key.startsWith('error:');
    const prefix = isError ? key.slice('error:'.length) : key;
    const gzip = config.compression === 'GZIP';
    const raw = Buffer.concat(buffer.chunks);
    const body = gzip ? gzipSync(raw) : raw;
    const objectKey = prefix + objectName(config.name, Date.now(), randomUUID(), gzip);
    // Firehose retries S3 delivery for up to 24 h: here, until it works or the emulator stops.
    for (let attempt = 0; ; attempt++) {
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: objectKey,
            Body: body,
            ...(gzip ? { ContentEncoding: 'gzip' } : {}),
            ContentType: 'application/octet-stream',
          }),
        );
        break;
      } catch (error) {
        this.stats.s3Retries++;
        if (this.stopped && attempt > 20) throw error;
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
      }
    }
    this.objectKeys.push(objectKey);
    this.stats.bytesWritten += body.length;
    if (isError) this.stats.errorObjectsWritten++;
    else {
      this.stats.objectsWritten++;
      this.stats.recordsDelivered += buffer.records;
    }
  }

  /** Read the source to its end, transform and write everything buffered now. */
  async drain(timeoutMs: number): Promise<boolean> {
    const drained = await this.source.drain(timeoutMs);
    while (this.flushing) await sleep(10);
    await this.tick(true);
    return drained;
  }

  /** Records read but not yet written (processor + destination buffers). */
  backlog(): number {
    let n = this.processorBuffer.length + this.source.backlog();
    for (const b of this.destination.values()) n += b.records;
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.source.stop();
    await this.loop;
  }
}

interface KinesisEventLike {
  Records: {
    eventID: string;
    kinesis: {
      data: string;
      partitionKey: string;
      sequenceNumber: string;
      approximateArrivalTimestamp: number;
    };
  }[];
}

const RESULTS = new Set(['Ok', 'Dropped', 'ProcessingFailed']);

/**
 * Firehose's checks of a transformation response: a `records` array holding every request
 * recordId exactly once, each with a known `result` (and base64 `data` when Ok).
 */
export function validateResponse(
  value: unknown,
  batch: readonly { recordId: string }[],
): TransformResult {
  const records = (value as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) {
    return {
      ok: false,
      errorCode: 'Lambda.JsonProcessingException',
      errorMessage: 'the response has no records array',
    };
  }
  const wanted = new Set(batch.map((r) => r.recordId));
  const seen = new Map<
    string,
    { result: string; data?: string; partitionKeys?: Record<string, string> }
  >();
  for (const entry of records as Record<string, unknown>[]) {
    const id = entry?.recordId;
    if (typeof id !== 'string' || !wanted.has(id)) {
      return {
        ok: false,
        errorCode: 'Lambda.MissingRecordId',
        errorMessage: `unknown recordId ${String(id)} in the response`,
      };
    }
    if (seen.has(id)) {
      return {
        ok: false,
        errorCode: 'Lambda.DuplicatedRecordId',
        errorMessage: `recordId ${id} twice`,
      };
    }
    const result = String(entry.result);
    if (!RESULTS.has(result)) {
      return {
        ok: false,
        errorCode: 'Lambda.InvalidRecordResult',
        errorMessage: `result "${result}" for ${id}`,
      };
    }
    const metadata = entry.metadata as { partitionKeys?: Record<string, string> } | undefined;
    seen.set(id, {
      result,
      ...(typeof entry.data === 'string' ? { data: entry.data } : {}),
      ...(metadata?.partitionKeys ? { partitionKeys: metadata.partitionKeys } : {}),
    });
  }
  if (seen.size !== wanted.size) {
    return {
      ok: false,
      errorCode: 'Lambda.MissingRecordId',
      errorMessage: `${wanted.size - seen.size} recordId(s) missing from the response`,
    };
  }
  return { ok: true, records: seen };
}
