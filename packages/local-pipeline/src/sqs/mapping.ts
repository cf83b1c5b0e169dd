import type { InvokeOutcome } from '../runtime/container.js';
import type { LocalQueue, ReceivedMessage } from './queue.js';

/** A function's `sqs` event, with AWS's names and defaults. */
export interface SqsEventSettings {
  readonly queueArn: string;
  /** Default 10. */
  readonly batchSize: number;
  /** MaximumBatchingWindowInSeconds (default 0). */
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
}

/** What an SQS event source mapping needs. */
export interface SqsMappingOptions {
  readonly functionName: string;
  readonly settings: SqsEventSettings;
  readonly queue: LocalQueue;
  readonly invoke: (event: unknown) => Promise<InvokeOutcome>;
  readonly region?: string;
  /** Idle poll interval (Lambda long-polls; default 200 ms). */
  readonly pollIntervalMs?: number;
  readonly onNotice?: (message: string) => void;
}

/** Counters of an SQS mapping. */
export interface SqsMappingStats {
  invocations: number;
  /** Messages deleted after the function succeeded on them. */
  messagesDeleted: number;
  /** Messages reported in batchItemFailures (left for redelivery). */
  messagesFailed: number;
  functionErrors: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Emulates a Lambda event source mapping on an SQS queue: receives up to `batchSize` messages,
 * waits up to the batching window to fill the batch, invokes with the SQS event shape, then
 * deletes what succeeded. With ReportBatchItemFailures only the messages named in
 * `batchItemFailures` stay (an entry without a valid messageId fails the whole batch, as on AWS);
 * a function error leaves the whole batch. What stays reappears after the visibility timeout;
 * the queue's redrive policy moves it to its dead-letter queue after `maxReceiveCount` receives.
 */
export class SqsEventSourceMapping {
  readonly stats: SqsMappingStats = {
    invocations: 0,
    messagesDeleted: 0,
    messagesFailed: 0,
    functionErrors: 0,
  };
  private stopped = false;
  private busy = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: SqsMappingOptions) {}

  get settings(): SqsEventSettings {
    return this.options.settings;
  }

  get queue(): LocalQueue {
    return this.options.queue;
  }

  /** Start polling. */
  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const { settings, queue } = this.options;
    const idle = this.options.pollIntervalMs ?? 200;
    while (!this.stopped) {
      const batch = queue.receive(settings.batchSize);
      if (batch.length === 0) {
        await sleep(idle);
        continue;
      }
      this.busy = true;
      try {
        // The batching window: keep receiving until the batch is full or the window has passed.
        const until = Date.now() + settings.maximumBatchingWindowSeconds * 1000;
        while (batch.length < settings.batchSize && Date.now() < until && !this.stopped) {
          await sleep(Math.min(idle, Math.max(1, until - Date.now())));
          batch.push(...queue.receive(settings.batchSize - batch.length));
        }
        await this.deliver(batch);
      } finally {
        this.busy = false;
      }
    }
  }

  private event(batch: readonly ReceivedMessage[]) {
    const region = this.options.region ?? 'us-east-1';
    return {
      Records: batch.map((m) => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        attributes: m.attributes,
        messageAttributes: {},
        md5OfBody: m.md5OfBody,
        eventSource: 'aws:sqs',
        eventSourceARN: this.options.queue.arn,
        awsRegion: region,
      })),
    };
  }

  /** Invoke with one batch and delete what the response says succeeded. */
  async deliver(batch: readonly ReceivedMessage[]): Promise<void> {
    const { queue } = this.options;
    this.stats.invocations++;
    const outcome = await this.options.invoke(this.event(batch));
    const failed = this.failedIds(outcome, batch);
    if (failed === 'all') {
      this.stats.functionErrors++;
      this.stats.messagesFailed += batch.length;
      return;
    }
    for (const m of batch) {
      if (failed.has(m.messageId)) {
        this.stats.messagesFailed++;
        continue;
      }
      if (queue.delete(m.receiptHandle)) this.stats.messagesDeleted++;
    }
  }

  private failedIds(
    outcome: InvokeOutcome,
    batch: readonly ReceivedMessage[],
  ): Set<string> | 'all' {
    if (!outcome.ok) {
      this.options.onNotice?.(
        `${this.options.functionName}: ${outcome.errorType}: ${outcome.errorMessage}`,
      );
      return 'all';
    }
    if (!this.options.settings.reportBatchItemFailures) return new Set();
    const value = outcome.value as { batchItemFailures?: unknown } | null | undefined;
    if (value === null || typeof value !== 'object') return new Set();
    const failures = value.batchItemFailures;
    if (failures === null || failures === undefined) return new Set();
    if (!Array.isArray(failures)) return 'all';
    const ids = new Set(batch.map((m) => m.messageId));
    const failed = new Set<string>();
    for (const f of failures) {
      const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      // AWS: an empty, missing or unknown itemIdentifier fails the whole batch.
      if (typeof id !== 'string' || !ids.has(id)) return 'all';
      failed.add(id);
    }
    return failed;
  }

  /** True when the queue holds nothing and no batch is in flight. */
  isIdle(): boolean {
    return !this.busy && this.options.queue.size() === 0;
  }

  /** Wait until the queue is empty (failed messages come back after the visibility timeout). */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let idleChecks = 0;
    while (Date.now() < deadline) {
      idleChecks = this.isIdle() ? idleChecks + 1 : 0;
      if (idleChecks >= 3) return true;
      await sleep(100);
    }
    return false;
  }

  /** Stop polling (an in-flight batch finishes). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}
