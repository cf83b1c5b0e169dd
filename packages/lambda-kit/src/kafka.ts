/*
 * The event Lambda's Kafka event source mappings (Amazon MSK and self-managed Apache Kafka) hand a
 * function (docs/kafka.md), read into the shape the consumers already know from Kinesis: one
 * decoded record per Kafka record, with the topic-partition as its shard, the offset as its
 * sequence number and the structured CloudEvent's bytes as its data (the CloudEvents Kafka
 * binding of either mode, through @streamlens/schema). Consumers keep one decoder per source.
 */

import { cloudEventBytesFromKafka, type KafkaHeader, MAX_KAFKA_HEADERS } from '@streamlens/schema';
import type { DecodedKinesisRecord, KinesisDecodeFailure } from './kinesis/types.js';

/** One Kafka record as Lambda delivers it. */
export interface KafkaEventRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Epoch milliseconds (`timestampType` says whether the producer or the broker set it). */
  timestamp: number;
  timestampType?: string;
  /** Base64; absent or null when the record has no key. */
  key?: string | null;
  /** Base64; null for a tombstone. */
  value: string | null;
  /** One object per header (Kafka allows repeated names): name → the value's bytes. */
  headers?: Record<string, number[]>[];
}

/**
 * The event of an MSK (`aws:kafka`) or self-managed (`SelfManagedKafka`) event source mapping:
 * records grouped under `"<topic>-<partition>"` keys, each group in offset order.
 */
export interface KafkaEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  /** The MSK cluster's ARN (MSK only). */
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<string, KafkaEventRecord[]>;
}

/** Whether a Lambda event came from a Kafka event source mapping (MSK or self-managed). */
export function isKafkaEvent(event: unknown): event is KafkaEvent {
  if (typeof event !== 'object' || event === null) return false;
  const source = (event as { eventSource?: unknown }).eventSource;
  return source === 'aws:kafka' || source === 'SelfManagedKafka';
}

/** A record's place: the `"<topic>-<partition>"` Lambda groups by, and its offset. */
export interface KafkaPosition {
  readonly topicPartition: string;
  readonly offset: string;
}

/** Every record of a Kafka event in delivery order (group by group), with its group's key. */
export function kafkaRecordsOf(
  event: KafkaEvent,
): { readonly group: string; readonly record: KafkaEventRecord }[] {
  const out: { group: string; record: KafkaEventRecord }[] = [];
  const records = event.records;
  if (typeof records !== 'object' || records === null) return out;
  for (const group of Object.keys(records)) {
    const list = records[group];
    if (!Array.isArray(list)) continue;
    for (const record of list) out.push({ group, record });
  }
  return out;
}

/** Outcome of decoding one Kafka record: its one decoded record, or why there is none. */
export type KafkaRecordDecoding =
  | { ok: true; records: [DecodedKinesisRecord] }
  | { ok: false; failure: KinesisDecodeFailure & { arrivalTimeMs: number; data: Uint8Array } };

/** Error code of a Kafka record the consumers cannot read (see the message for what is wrong). */
export const KAFKA_RECORD_INVALID = 'KAFKA_RECORD_INVALID';

/**
 * The record's headers as (name, bytes) pairs, or why they cannot be read: not a list of
 * objects, more than {@link MAX_KAFKA_HEADERS}, or a value that is not a list of bytes.
 */
export function kafkaHeadersOf(
  record: Pick<KafkaEventRecord, 'headers'>,
): { ok: true; headers: KafkaHeader[] } | { ok: false; reason: string } {
  const list = record.headers ?? [];
  if (!Array.isArray(list)) return { ok: false, reason: 'headers is not a list' };
  const headers: KafkaHeader[] = [];
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) {
      return { ok: false, reason: 'a header is not an object' };
    }
    for (const name of Object.keys(entry)) {
      if (headers.length >= MAX_KAFKA_HEADERS) {
        return { ok: false, reason: `more than ${MAX_KAFKA_HEADERS} headers` };
      }
      const bytes = (entry as Record<string, unknown>)[name];
      if (bytes === null) {
        headers.push([name, null]);
        continue;
      }
      if (!Array.isArray(bytes) || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
        return { ok: false, reason: `header ${JSON.stringify(name)} is not a list of bytes` };
      }
      headers.push([name, Uint8Array.from(bytes as number[])]);
    }
  }
  return { ok: true, headers };
}

/**
 * Whether a record carries binary-mode CloudEvents attributes (a `ce_` header): only those need
 * their headers read. Structured records and plain ones are their value, as on Kinesis.
 */
export function hasAttributeHeaders(record: Pick<KafkaEventRecord, 'headers'>): boolean {
  const list = record.headers;
  if (!Array.isArray(list)) return list !== undefined;
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) return true;
    for (const name in entry) if (name.startsWith('ce_')) return true;
  }
  return false;
}

function positionOf(group: string, record: KafkaEventRecord): KafkaPosition {
  const topicPartition =
    typeof record.topic === 'string' && Number.isInteger(record.partition)
      ? `${record.topic}-${record.partition}`
      : group;
  return { topicPartition, offset: String(record.offset) };
}

/**
 * Decodes one record of a Kafka event: the structured event's bytes (the binding's, for a
 * binary-mode record; the value otherwise), with the topic-partition as `shardId`, the offset as
 * `sequenceNumber`, the record key (UTF-8) as `partitionKey` and the record's timestamp as
 * `arrivalTimeMs`. Never throws: a record without a value, with unreadable headers or
 * attributes, or that is not a record at all is a failure with a reason.
 */
export function decodeKafkaRecord(
  group: string,
  record: KafkaEventRecord,
  eventSourceArn: string,
): KafkaRecordDecoding {
  const malformed = typeof record !== 'object' || record === null;
  const { topicPartition, offset } = malformed
    ? { topicPartition: group, offset: '' }
    : positionOf(group, record);
  const key =
    !malformed && typeof record.key === 'string' ? Buffer.from(record.key, 'base64') : undefined;
  const base = {
    sequenceNumber: offset,
    shardId: topicPartition,
    partitionKey: key === undefined ? '' : key.toString('utf8'),
    eventSourceArn,
  };
  const arrivalTimeMs = !malformed && Number.isFinite(record.timestamp) ? record.timestamp : 0;
  const fail = (message: string, data: Uint8Array = new Uint8Array(0)): KafkaRecordDecoding => ({
    ok: false,
    failure: { ...base, code: KAFKA_RECORD_INVALID, message, arrivalTimeMs, data },
  });
  if (malformed) return fail('not a Kafka record');
  const value = typeof record.value === 'string' ? Buffer.from(record.value, 'base64') : null;
  if (!hasAttributeHeaders(record)) {
    if (value === null) return fail('the record has no value (a tombstone)');
    return { ok: true, records: [{ ...base, arrivalTimeMs, data: value }] };
  }
  const headers = kafkaHeadersOf(record);
  if (!headers.ok) return fail(headers.reason, value ?? undefined);
  const decoded = cloudEventBytesFromKafka({ value, headers: headers.headers });
  if (!decoded.ok) return fail(decoded.reason, value ?? undefined);
  return { ok: true, records: [{ ...base, arrivalTimeMs, data: decoded.bytes }] };
}

/**
 * Thrown by a Kafka handler when records of the batch could not be applied: the event source
 * mapping then retries the batch from the committed offsets (its retry and on-failure settings
 * apply), and the consumers' idempotence makes the records already applied no-ops.
 */
export class KafkaBatchIncompleteError extends Error {
  constructor(
    readonly unapplied: number,
    readonly positions: readonly KafkaPosition[],
  ) {
    const first = positions
      .slice(0, 5)
      .map((p) => `${p.topicPartition}@${p.offset}`)
      .join(', ');
    super(`${unapplied} record(s) not applied (first: ${first}); the batch is retried`);
    this.name = 'KafkaBatchIncompleteError';
  }
}
