import { randomUUID } from 'node:crypto';
import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import { type KafkaTopicRecord, lambdaKafkaEvent } from '@streamlens/local-aws';
import type { InvokeOutcome } from '../runtime/container.js';
import { emptyMappingStats, type MappingStats } from './mapping.js';
import { MAX_PAYLOAD_BYTES } from './records.js';

/** Settings of a Kafka event source mapping (AWS::Lambda::EventSourceMapping on MSK or Kafka). */
export interface KafkaMappingSettings {
  readonly topic: string;
  readonly consumerGroup: string;
  /** `aws:kafka` (Amazon MSK, with `eventSourceArn`) or `SelfManagedKafka`. */
  readonly eventSource: 'aws:kafka' | 'SelfManagedKafka';
  readonly eventSourceArn?: string;
  /** BatchSize (Lambda: default 100, at most 10,000). */
  readonly batchSize: number;
  /** MaximumBatchingWindowInSeconds (Lambda's default for Kafka: 0.5 s). */
  readonly batchWindowSeconds: number;
  /** Where a new consumer group starts; a group with committed offsets resumes from them. */
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** MaximumRetryAttempts: -1 retries until the batch succeeds. */
  readonly maximumRetryAttempts: number;
  /** OnFailure destination ARN; with it, infinite retries become 10 (as Lambda does). */
  readonly onFailureArn?: string;
}

/** The metadata Lambda sends to an SQS or SNS on-failure destination for a discarded Kafka batch. */
export interface KafkaFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: { readonly functionError: 'Unhandled'; readonly statusCode: 200 };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KafkaBatchInfo: {
    readonly topic: string;
    readonly partition: number;
    readonly startOffset: number;
    readonly endOffset: number;
    readonly batchSize: number;
    readonly consumerGroupId: string;
  };
}

export interface KafkaMappingOptions {
  readonly functionName: string;
  readonly functionArn: string;
  readonly bootstrapServers: string;
  readonly settings: KafkaMappingSettings;
  /** Invoke the function with an event (a container's `invoke`). */
  readonly invoke: (event: unknown) => Promise<InvokeOutcome>;
  readonly failureSink?: {
    write(destinationArn: string, record: KafkaFailureRecord): void | Promise<void>;
  };
  /** Pause before retrying a failed batch, by retry number (default 100 ms × 2^n, ≤ 2 s). */
  readonly retryDelayMs?: (retry: number) => number;
  readonly onNotice?: (message: string) => void;
}

/**
 * Counters of one mapping: the Kinesis mapping's (`MappingStats`), so that the run's status line,
 * dashboard and summary read both alike. Bisections, partial failures, redeliveries and tumbling
 * windows stay 0: this emulation has none of them.
 */
export type KafkaMappingStats = MappingStats;

interface Partition {
  readonly partition: number;
  queue: Message[];
  /** When the oldest queued record was read: the batching window runs from there. */
  since: number;
  busy: boolean;
}

/** Retries Lambda allows when infinite retries meet an on-failure destination. */
const RETRIES_WITH_DESTINATION = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Emulates Lambda's Kafka event source mapping on a real broker: one consumer in the mapping's
 * consumer group; per topic-partition, in offset order, one batch at a time of up to BatchSize
 * records or what arrived within the batching window; the offset committed only after the
 * function succeeded on the batch; a failed batch retried whole until it succeeds or the retry
 * limit is spent, then its metadata sent to the on-failure destination and its offset committed
 * (Lambda moves on). Without a commit, a restarted mapping (or Lambda after a rebalance) reads
 * the batch again: at-least-once.
 * @example
 * const esm = new KafkaEventSourceMapping({ functionName, functionArn, bootstrapServers, settings, invoke });
 * await esm.start(); ... await esm.drain(30_000); await esm.stop();
 */
export class KafkaEventSourceMapping {
  readonly stats: KafkaMappingStats = emptyMappingStats();
  private readonly partitions = new Map<number, Partition>();
  private readonly loops: Promise<void>[] = [];
  private consumer: Consumer | undefined;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private stopped = false;
  private draining = false;
  private paused = false;
  private readonly highWater: number;
  /** Newest offset read per partition, and newest committed (or given up) + 1. */
  private readonly read = new Map<number, bigint>();
  private readonly settled = new Map<number, bigint>();

  constructor(private readonly options: KafkaMappingOptions) {
    this.highWater = Math.max(10_000, 4 * options.settings.batchSize);
  }

  /** The settings, with the topic as `streamName`: what the run reports a mapping's source by. */
  get settings(): KafkaMappingSettings & { readonly streamName: string } {
    return { ...this.options.settings, streamName: this.options.settings.topic };
  }

  /** Join the consumer group and start polling (from the committed offsets, else the position). */
  async start(): Promise<void> {
    const { settings, bootstrapServers, functionName } = this.options;
    this.consumer = new Consumer({
      clientId: `lambda-esm-${functionName}`,
      groupId: settings.consumerGroup,
      bootstrapBrokers: bootstrapServers.split(','),
      // Short broker waits: the batching window, not the fetch, decides how long records wait.
      maxWaitTime: 100,
    });
    this.stream = await this.consumer.consume({
      topics: [settings.topic],
      mode: 'committed',
      fallbackMode: settings.startingPosition === 'LATEST' ? 'latest' : 'earliest',
      autocommit: false,
    });
    const stream = this.stream;
    stream.on('data', (message: Message) => this.accept(message));
    stream.on('error', (error: Error) => {
      if (!this.stopped)
        this.options.onNotice?.(`${functionName}: Kafka consumer: ${error.message}`);
    });
  }

  private accept(message: Message): void {
    let p = this.partitions.get(message.partition);
    if (!p) {
      p = { partition: message.partition, queue: [], since: 0, busy: false };
      this.partitions.set(message.partition, p);
      this.loops.push(this.partitionLoop(p));
    }
    if (p.queue.length === 0) p.since = Date.now();
    p.queue.push(message);
    this.read.set(message.partition, message.offset);
    this.stats.recordsRead++;
    if (!this.paused && this.backlog() >= this.highWater) {
      this.paused = true;
      this.stream?.pause();
    }
  }

  private ready(p: Partition): boolean {
    if (p.queue.length === 0) return false;
    const { batchSize, batchWindowSeconds } = this.options.settings;
    return (
      this.draining ||
      p.queue.length >= batchSize ||
      Date.now() - p.since >= batchWindowSeconds * 1000
    );
  }

  /**
   * How many queued records the next batch takes: up to BatchSize, and no more than fit Lambda's
   * 6 MB invocation payload as base64 (a first record alone however large: Lambda would fail it).
   */
  private batchLength(queue: readonly Message[]): number {
    const { batchSize } = this.options.settings;
    let bytes = 0;
    let n = 0;
    for (const m of queue) {
      if (n >= batchSize) break;
      // base64 of key and value, the headers as JSON lists of numbers (≤ 4 characters a byte).
      let size = Math.ceil(((m.key?.length ?? 0) + (m.value?.length ?? 0)) / 3) * 4 + 200;
      for (const [k, v] of m.headers) size += k.length + 4 * v.length + 8;
      if (n > 0 && bytes + size > MAX_PAYLOAD_BYTES) break;
      bytes += size;
      n++;
    }
    return n;
  }

  private async partitionLoop(p: Partition): Promise<void> {
    while (!this.stopped) {
      if (!this.ready(p)) {
        await sleep(this.draining ? 5 : 20);
        continue;
      }
      p.busy = true;
      const batch = p.queue.splice(0, this.batchLength(p.queue));
      // What is left was read while the batch filled: its window starts now.
      p.since = Date.now();
      try {
        await this.runBatch(p, batch);
      } finally {
        p.busy = false;
      }
      if (this.paused && this.backlog() < this.highWater / 2) {
        this.paused = false;
        this.stream?.resume();
      }
    }
  }

  private event(batch: readonly Message[]) {
    const { settings, bootstrapServers } = this.options;
    const records: KafkaTopicRecord[] = batch.map((m) => ({
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
      key: m.key === undefined || m.key === null || m.key.length === 0 ? undefined : m.key,
      value: m.value === undefined || m.value === null ? undefined : m.value,
      headers: new Map([...m.headers].map(([k, v]) => [k.toString(), v])),
      timestamp: m.timestamp,
    }));
    return lambdaKafkaEvent(records, {
      eventSource: settings.eventSource,
      ...(settings.eventSourceArn ? { eventSourceArn: settings.eventSourceArn } : {}),
      bootstrapServers,
    });
  }

  private retryLimit(): number {
    const { maximumRetryAttempts, onFailureArn } = this.options.settings;
    if (maximumRetryAttempts >= 0) return maximumRetryAttempts;
    return onFailureArn ? RETRIES_WITH_DESTINATION : Number.POSITIVE_INFINITY;
  }

  /** Invoke until the batch succeeds or its retries are spent; then commit past it. */
  private async runBatch(p: Partition, batch: Message[]): Promise<void> {
    const delay = this.options.retryDelayMs ?? ((n: number) => Math.min(2000, 100 * 2 ** n));
    const last = batch[batch.length - 1] as Message;
    for (let attempt = 0; !this.stopped; attempt++) {
      this.stats.invocations++;
      this.stats.iteratorAgeMs = Math.max(0, Date.now() - Number(last.timestamp));
      this.stats.maxIteratorAgeMs = Math.max(this.stats.maxIteratorAgeMs, this.stats.iteratorAgeMs);
      const outcome = await this.options.invoke(this.event(batch));
      if (outcome.ok) {
        await this.commit(p, last);
        this.stats.recordsProcessed += batch.length;
        return;
      }
      this.stats.functionErrors++;
      this.options.onNotice?.(
        `${this.options.functionName}: ${this.options.settings.topic}-${p.partition} offsets ${batch[0]?.offset}..${last.offset}: ${outcome.errorType}: ${outcome.errorMessage}`,
      );
      if (attempt >= this.retryLimit()) {
        await this.discard(p, batch, attempt + 1);
        await this.commit(p, last);
        return;
      }
      this.stats.retries++;
      await sleep(delay(attempt));
    }
  }

  private async commit(p: Partition, last: Message): Promise<void> {
    // Message.commit commits the message's offset + 1 for the group (the next one to read).
    await last.commit();
    this.settled.set(p.partition, last.offset + 1n);
  }

  private async discard(p: Partition, batch: readonly Message[], invokes: number): Promise<void> {
    const { settings, failureSink, functionArn, functionName } = this.options;
    const first = batch[0] as Message;
    const last = batch[batch.length - 1] as Message;
    this.stats.recordsDiscarded += batch.length;
    this.options.onNotice?.(
      `${functionName}: ${batch.length} record(s) of ${settings.topic}-${p.partition} discarded after ${invokes} invocation(s), offsets ${first.offset}..${last.offset}`,
    );
    if (!settings.onFailureArn || !failureSink) return;
    await failureSink.write(settings.onFailureArn, {
      requestContext: {
        requestId: randomUUID(),
        functionArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: invokes,
      },
      responseContext: { functionError: 'Unhandled', statusCode: 200 },
      version: '1.0',
      timestamp: new Date().toISOString(),
      KafkaBatchInfo: {
        topic: settings.topic,
        partition: p.partition,
        startOffset: Number(first.offset),
        endOffset: Number(last.offset),
        batchSize: batch.length,
        consumerGroupId: settings.consumerGroup,
      },
    });
  }

  /** Records read but not yet settled (queued or in flight). */
  backlog(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.queue.length;
    return n;
  }

  /** True when every record read so far is committed (or given up) and none is in flight. */
  isIdle(): boolean {
    for (const p of this.partitions.values()) {
      if (p.queue.length > 0 || p.busy) return false;
      const read = this.read.get(p.partition);
      if (read !== undefined && (this.settled.get(p.partition) ?? 0n) <= read) return false;
    }
    return true;
  }

  /** Every partition settled up to the topic's current end (nothing written is left to read). */
  private async caughtUp(): Promise<boolean> {
    if (!this.consumer || !this.isIdle()) return false;
    const { topic } = this.options.settings;
    const ends = (await this.consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const partitions = ends.map((_, partition) => partition);
    // A partition this mapping read nothing of may have been committed to its end before it started.
    const committed =
      (await this.consumer.listCommittedOffsets({ topics: [{ topic, partitions }] })).get(topic) ??
      [];
    return ends.every((end, partition) => {
      const settled = this.settled.get(partition) ?? committed[partition] ?? 0n;
      return end === 0n || settled >= end;
    });
  }

  /** Stop waiting for batching windows and wait until the topic is settled to its current end. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await this.caughtUp().catch(() => false)) return true;
      await sleep(100);
    }
    return false;
  }

  /** Stop polling and invoking; leave the group (uncommitted records go to the next member). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.loops);
    await Promise.allSettled([this.stream?.close()]);
    await Promise.allSettled([this.consumer?.close(true)]);
  }
}
