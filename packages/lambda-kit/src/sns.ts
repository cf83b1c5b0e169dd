import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { clientConfig } from './clients.js';
import {
  type AttemptOutcome,
  chunk,
  deliverReliably,
  type SinkFailure,
  utf8Length,
} from './internal/sink.js';
import type { BackoffOptions } from './retry.js';

/** PublishBatch limits (SNS API reference). */
export const PUBLISH_BATCH_LIMITS = {
  maxEntries: 10,
  /** Per call and per message: message body plus attribute names, types and values. */
  maxBytes: 256 * 1024,
} as const;

/** Options of `publishBatchReliably`. */
export interface PublishBatchReliablyOptions extends BackoffOptions {}

/** Result of `publishBatchReliably`: entries not published, and why. */
export interface PublishBatchReliablyResult {
  failed: SinkFailure<PublishBatchRequestEntry>[];
}

/** An SNS client built with `clientConfig` (endpoint from `AWS_ENDPOINT_URL_SNS`). */
export function createSnsClient(extra: object = {}): SNSClient {
  return new SNSClient(clientConfig(extra));
}

function entryBytes(entry: PublishBatchRequestEntry): number {
  let bytes = utf8Length(entry.Message) + utf8Length(entry.Subject);
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += utf8Length(name) + utf8Length(value.DataType) + utf8Length(value.StringValue);
    bytes += value.BinaryValue?.byteLength ?? 0;
  }
  return bytes;
}

interface Tagged {
  index: number;
  entry: PublishBatchRequestEntry;
}

/**
 * Publishes to an SNS topic with PublishBatch in chunks of at most 10 entries and 256 KiB,
 * retrying only the entries that failed without sender fault (per-entry failures come inside an
 * HTTP 200) or the whole chunk after a throttling/5xx error, with backoff and full jitter, bounded
 * by `maxAttempts` and `deadline`. Sender faults (bad attributes, oversize) come back in `failed`
 * right away. Batch `Id`s are assigned internally, so callers' Ids need not be unique.
 *
 * @example
 * const { failed } = await publishBatchReliably(sns, topicArn, alerts.map((a, i) => ({ Id: `${i}`, Message: JSON.stringify(a) })));
 */
export async function publishBatchReliably(
  client: SNSClient,
  topicArn: string,
  entries: readonly PublishBatchRequestEntry[],
  opts: PublishBatchReliablyOptions = {},
): Promise<PublishBatchReliablyResult> {
  const failed: SinkFailure<PublishBatchRequestEntry>[] = [];
  const sendable: Tagged[] = [];
  entries.forEach((entry, index) => {
    const bytes = entryBytes(entry);
    if (bytes > PUBLISH_BATCH_LIMITS.maxBytes) {
      failed.push({
        entry,
        code: 'EntryTooLarge',
        message: `Message of ${bytes} bytes exceeds 256 KiB`,
      });
    } else {
      sendable.push({ index, entry });
    }
  });
  const attempt = async (pending: Tagged[]): Promise<AttemptOutcome<Tagged>> => {
    const byId = new Map(pending.map((t) => [String(t.index), t]));
    const out = await client.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: pending.map((t) => ({ ...t.entry, Id: String(t.index) })),
      }),
    );
    const outcome: AttemptOutcome<Tagged> = { retry: [], permanent: [] };
    for (const f of out.Failed ?? []) {
      const tagged = f.Id === undefined ? undefined : byId.get(f.Id);
      if (!tagged) continue;
      const failure = { entry: tagged, code: f.Code ?? 'UnknownError', message: f.Message };
      (f.SenderFault ? outcome.permanent : outcome.retry).push(failure);
    }
    return outcome;
  };
  for (const group of chunk(
    sendable,
    PUBLISH_BATCH_LIMITS.maxEntries,
    PUBLISH_BATCH_LIMITS.maxBytes,
    (t) => entryBytes(t.entry),
  )) {
    for (const f of await deliverReliably(group, attempt, opts)) {
      failed.push({ entry: f.entry.entry, code: f.code, message: f.message });
    }
  }
  return { failed };
}
export type { SinkFailure } from './internal/sink.js';
