import type { SNSClient } from '@aws-sdk/client-sns';
import { publishBatchReliably } from '@streamlens/lambda-kit/sns';
import type { OutboxEntry } from './alerting/message.js';
import type { AlertPublisher } from './processor.js';

/** Options of the SNS publisher. */
export interface SnsAlertPublisherOptions {
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
}

/**
 * Publishes outbox entries to the alerts topic with lambda-kit's publishBatchReliably
 * (≤ 10 per call, per-entry retries with backoff), attributes for subscription filter policies.
 */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    private readonly opts: SnsAlertPublisherOptions = {},
  ) {}

  async publish(entries: readonly OutboxEntry[], { deadline }: { readonly deadline: number }) {
    const { failed } = await publishBatchReliably(
      this.client,
      this.topicArn,
      entries.map((e) => ({ Id: e.id, Message: e.message, MessageAttributes: e.attributes })),
      {
        ...(this.opts.maxAttempts !== undefined ? { maxAttempts: this.opts.maxAttempts } : {}),
        deadline,
        ...(this.opts.baseDelayMs !== undefined ? { baseDelayMs: this.opts.baseDelayMs } : {}),
      },
    );
    return {
      failed: failed.map((f) => ({
        id: f.entry.Id ?? '',
        code: f.code,
        ...(f.message ? { message: f.message } : {}),
      })),
    };
  }
}
