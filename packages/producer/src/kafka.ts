import { compatibilityPartitioner, Producer } from '@platformatic/kafka';
import {
  type KafkaEncoded,
  type StreamlensEvent,
  toKafkaBinary,
  toKafkaStructured,
} from '@streamlens/schema';
import {
  BatchingProducer,
  type CoreOptions,
  errorMessage,
  errorName,
  type PendingRecord,
} from './core.js';
import {
  DeliveryFailedError,
  ProducerClosedError,
  ProducerConfigError,
  RecordRejectedError,
} from './errors.js';

/** How events travel in Kafka records (the CloudEvents Kafka protocol binding; docs/kafka.md). */
export type KafkaBindingModeOption = 'structured' | 'binary';

export interface KafkaProducerOptions extends CoreOptions {
  /** `host:port[,host:port…]` (default KAFKA_BOOTSTRAP_SERVERS). */
  bootstrapServers?: string | undefined;
  topic: string;
  /** Structured (default): the event JSON is the value. Binary: attributes in `ce_` headers. */
  mode?: KafkaBindingModeOption | undefined;
  clientId?: string | undefined;
  /** Records per produce request (default 500). */
  maxBatchRecords?: number | undefined;
  /**
   * Bytes per produce request (default 1 MiB less room for the request's own fields: the
   * broker's and the Java client's default `max.request.size` is 1 MiB).
   */
  maxBatchBytes?: number | undefined;
  /** Key of an event given as an object (default its subject, else its id). */
  partitionKeyOf?: ((event: StreamlensEvent) => string) | undefined;
  /** Pause before the client's first retry of a failed request, doubling after (default 100 ms). */
  retryDelayMs?: number | undefined;
  /** A client to use instead of one built from the options (tests). */
  client?: Producer<Buffer, Buffer, Buffer, Buffer> | undefined;
}

/** Where Kafka stored a record. */
export interface KafkaPutResult {
  topic: string;
  partition: number;
  offset: bigint;
  attempts: number;
}

export interface KafkaProducerMetrics {
  recordsPut: number;
  recordsFailed: number;
  bytesPut: number;
  requests: number;
  retries: number;
  inFlightBytes: number;
  queued: number;
  waitingPuts: number;
  latencyMs: { count: number; p50: number; p90: number; p99: number; max: number };
}

interface KafkaRecord extends PendingRecord<KafkaPutResult> {
  key: Buffer;
  encoded: KafkaEncoded;
  bytes: number;
}

/** Bytes a record adds to a request besides key, value and headers (record framing, varints). */
const RECORD_OVERHEAD = 32;
const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024 - 16 * 1024;

/**
 * A Kafka producer with the guarantees of the Kinesis one (docs/kafka.md): `put` settles once the
 * broker acknowledged the record on every in-sync replica (acks=all); the client is idempotent
 * (a producer id and per-partition sequence numbers, so the broker drops a batch it already has
 * when a retry follows a lost acknowledgement) and retries retryable errors itself; one request
 * is in flight at a time and a failed batch is the next one sent, so records of one key (one
 * partition) are stored in the order they were put. Keys map to partitions as the Java client
 * maps them (murmur2, positive, modulo the partition count), so mixed producers agree.
 */
export class KafkaProducer extends BatchingProducer<KafkaPutResult, KafkaRecord> {
  readonly topic: string;
  private readonly client: Producer<Buffer, Buffer, Buffer, Buffer>;
  private readonly ownsClient: boolean;
  private readonly mode: KafkaBindingModeOption;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly partitionKeyOf: (event: StreamlensEvent) => string;
  private partitions: number | undefined;
  private sending = false;

  constructor(opts: KafkaProducerOptions) {
    super({ ...opts, maxConcurrentRequests: 1 });
    this.topic = opts.topic;
    if (!this.topic) throw new ProducerConfigError('topic is required');
    this.mode = opts.mode ?? 'structured';
    this.maxBatchRecords = opts.maxBatchRecords ?? 500;
    this.maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.partitionKeyOf = opts.partitionKeyOf ?? ((e) => e.subject ?? e.id);
    if (this.maxBatchRecords < 1 || this.maxAttempts < 1) {
      throw new ProducerConfigError('maxBatchRecords and maxAttempts must be ≥ 1');
    }
    const servers = opts.bootstrapServers ?? process.env.KAFKA_BOOTSTRAP_SERVERS;
    if (!opts.client && !servers) {
      throw new ProducerConfigError('bootstrapServers (or KAFKA_BOOTSTRAP_SERVERS) is required');
    }
    this.ownsClient = opts.client === undefined;
    this.client =
      opts.client ??
      new Producer({
        clientId: opts.clientId ?? 'streamlens-producer',
        bootstrapBrokers: (servers as string).split(','),
        idempotent: true,
        acks: -1,
        // The client retries with the batch's own sequence numbers: no duplicate, no reordering.
        retries: Math.max(2, this.maxAttempts - 1),
        retryDelay: (_client, _op, attempt) =>
          Math.min((opts.retryDelayMs ?? 100) * 2 ** (attempt - 1), opts.backoffMaxMs ?? 5000),
      });
  }

  /**
   * Queues a record (an event object is sent as its JSON, keyed by `partitionKeyOf`; a record's
   * `data` is the event's JSON text, keyed by `partitionKey`). Waits while the in-flight byte
   * budget is full. Resolves with where Kafka stored it; rejects with `RecordRejectedError`,
   * `DeliveryFailedError` or `ProducerClosedError`.
   */
  async put(
    input: StreamlensEvent | { data: string | Uint8Array; partitionKey: string },
  ): Promise<KafkaPutResult> {
    if (this.closed) throw new ProducerClosedError();
    const record = this.toRecord(input);
    return this.admit(record, record.bytes);
  }

  metrics(): KafkaProducerMetrics {
    return { ...this.coreMetrics(), waitingPuts: this.budget.waiting };
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.ownsClient && !this.client.closed) await this.client.close();
  }

  private toRecord(
    input: StreamlensEvent | { data: string | Uint8Array; partitionKey: string },
  ): KafkaRecord {
    let json: string | Uint8Array;
    let key: string;
    let event: Record<string, unknown> | undefined;
    if ('specversion' in input) {
      event = input;
      json = JSON.stringify(input);
      key = this.partitionKeyOf(input);
    } else {
      json = input.data;
      key = input.partitionKey;
    }
    if (key.length === 0) throw new RecordRejectedError('partition key must not be empty');
    let encoded: KafkaEncoded;
    if (this.mode === 'binary') {
      event ??= eventObject(json);
      // Not a CloudEvent (generated junk, a plain line): sent as it is, with no headers to lie.
      encoded = event
        ? toKafkaBinary(event)
        : { value: Buffer.from(json), headers: new Map<string, Buffer>() };
    } else {
      encoded = toKafkaStructured(json);
    }
    const keyBytes = Buffer.from(key);
    let bytes = RECORD_OVERHEAD + keyBytes.length + encoded.value.length;
    for (const [name, value] of encoded.headers) bytes += name.length + value.length;
    if (bytes > this.maxBatchBytes) {
      throw new RecordRejectedError(
        `record of ${bytes} bytes exceeds the request limit of ${this.maxBatchBytes}`,
      );
    }
    return {
      key: keyBytes,
      encoded,
      bytes,
      data: encoded.value,
      attempts: 0,
      putAt: 0,
      resolve: () => {},
      reject: () => {},
    };
  }

  protected enqueue(record: KafkaRecord): void {
    this.queue.push(record);
    const queued = this.queue.length;
    this.schedule(queued >= this.maxBatchRecords ? 0 : this.lingerMs);
  }

  protected async drain(): Promise<void> {
    if (this.sending || this.queue.length === 0) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        await this.send(batch);
        // Below a full batch, wait for the linger unless someone flushes.
        if (this.queue.length < this.maxBatchRecords && !this.closed) break;
      }
    } finally {
      this.sending = false;
    }
    if (this.queue.length > 0) this.schedule(this.closed ? 0 : this.lingerMs);
  }

  private takeBatch(): KafkaRecord[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.maxBatchRecords) {
      const next = (this.queue[n] as KafkaRecord).bytes;
      if (n > 0 && bytes + next > this.maxBatchBytes) break;
      bytes += next;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async partitionCount(refresh: boolean): Promise<number> {
    if (this.partitions === undefined || refresh) {
      const metadata = await this.client.metadata({ topics: [this.topic], forceUpdate: refresh });
      const count = metadata.topics.get(this.topic)?.partitionsCount;
      if (!count) throw new Error(`topic ${this.topic} has no partitions`);
      this.partitions = count;
    }
    return this.partitions;
  }

  private async send(batch: KafkaRecord[]): Promise<void> {
    this.startAttempt(batch);
    this.counters.requests++;
    try {
      const count = await this.partitionCount(false);
      const partitionOf = batch.map(
        (r) => compatibilityPartitioner({ topic: this.topic }, r.key) % count,
      );
      const result = await this.client.send({
        messages: batch.map((r, i) => ({
          topic: this.topic,
          partition: partitionOf[i],
          key: r.key,
          value: r.encoded.value,
          headers: new Map([...r.encoded.headers].map(([k, v]) => [Buffer.from(k), v])),
        })),
      });
      const base = new Map<number, bigint>();
      for (const o of result.offsets ?? []) base.set(o.partition, o.offset);
      const next = new Map<number, bigint>();
      batch.forEach((r, i) => {
        const partition = partitionOf[i] as number;
        const offset = next.get(partition) ?? base.get(partition) ?? -1n;
        next.set(partition, offset + 1n);
        r.resolve({ topic: this.topic, partition, offset, attempts: r.attempts });
      });
    } catch (error) {
      // The client retried what was worth retrying; partitions may have changed meanwhile.
      this.partitions = undefined;
      const code = kafkaErrorCode(error);
      for (const r of batch) {
        r.reject(new DeliveryFailedError(code, errorMessage(error), r.attempts, { cause: error }));
      }
    }
  }
}

/** The event object of a record's JSON text, or undefined when it is not one. */
function eventObject(json: string | Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(
      typeof json === 'string' ? json : Buffer.from(json).toString(),
    );
    return typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      'specversion' in parsed
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A failed send's most telling code: the broker's error name when it gave one. */
function kafkaErrorCode(error: unknown): string {
  const inner = (error as { errors?: unknown[] }).errors?.[0];
  const apiCode = (inner as { apiCode?: string } | undefined)?.apiCode;
  if (typeof apiCode === 'string') return apiCode;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : errorName(error);
}
