import {
  deaggregate,
  decodeCloudWatchLogsRecord,
  normalizeEvent,
  parseEventJson,
  type StreamlensEvent,
  type ValidationIssue,
} from '@streamlens/schema';
import {
  DropReason,
  type FirehoseInputRecord,
  type PartitionKeys,
  type ReingestItem,
} from './model.js';
import type { PartitionKeyCache } from './partition.js';
import type {
  DroppedOutcome,
  Extended,
  InnerIssue,
  InvocationSource,
  OkOutcome,
  RecordOutcome,
} from './transform.js';

/*
 * Firehose records that hold several events: a CloudWatch Logs subscription batch (gzip) or a KPL
 * aggregate. The expansion is written once, on the schema's shared decoders; what an event turns
 * into (its filter, its NDJSON line, its partition keys) is the transformer's, passed in.
 */

export const DROPPED_DENIED: DroppedOutcome = { kind: 'dropped', reason: DropReason.DeniedType };
export const DROPPED_LEVEL: DroppedOutcome = { kind: 'dropped', reason: DropReason.BelowMinLevel };
const DROPPED_CONTROL: DroppedOutcome = { kind: 'dropped', reason: DropReason.ControlMessage };

/** What the multi-event paths need of a transformer, per event. */
export interface EventWriter {
  /** Why the event is dropped by configuration, or undefined when it is kept. */
  filter(event: StreamlensEvent): DroppedOutcome | undefined;
  /** The NDJSON line (with `\n`) of a normalised event, enriched from its record. */
  line(
    event: Extended,
    record: FirehoseInputRecord,
    source: InvocationSource,
    subsequence: number | undefined,
  ): string;
  readonly keys: PartitionKeyCache;
}

/** One Firehose record whose decoded bytes hold several events. */
export interface MultiEventRecord {
  readonly record: FirehoseInputRecord;
  readonly source: InvocationSource;
  readonly bytes: Buffer;
}

/**
 * A CloudWatch Logs subscription record → one line per log event (the schema's shared decoder);
 * a control message is dropped, an invalid log event fails the record whole (a Firehose record
 * has one result).
 */
export function cloudWatchOutcome(
  writer: EventWriter,
  denyTypes: ReadonlySet<string>,
  { record, source, bytes }: MultiEventRecord,
): RecordOutcome {
  const decoded = decodeCloudWatchLogsRecord(bytes);
  if (!decoded.ok) return { kind: 'failed', issue: decoded.error };
  if (decoded.value.kind === 'control') return DROPPED_CONTROL;
  const { payload, events: results } = decoded.value;
  if (denyTypes.has('app.log')) return DROPPED_DENIED;
  let body = '';
  let events = 0;
  let keys: PartitionKeys | undefined;
  for (const result of results) {
    if (!result.ok) return { kind: 'failed', issue: result.error };
    if (writer.filter(result.value) !== undefined) continue;
    const normalized = normalizeEvent(result.value) as Extended;
    keys ??= writer.keys.keysOf(normalized.type, normalized.time);
    body += writer.line(normalized, record, source, undefined);
    events++;
  }
  if (keys === undefined) return DROPPED_LEVEL;
  return { kind: 'ok', data: base64Of(body), partitionKeys: keys, events, cloudWatch: payload };
}

/**
 * A KPL aggregate → one line per user record (sub-sequence number = its index), de-aggregated by
 * the schema. Invalid user records, and those of another type or hour than the first kept one (one
 * Firehose record has one S3 prefix), travel on their own (`reingest`); with nothing kept, the
 * aggregate fails with its first issue, or is dropped.
 */
export function kplOutcome(
  writer: EventWriter,
  parseOptions: { maxBytes: number },
  { record, source, bytes }: MultiEventRecord,
): RecordOutcome {
  const decoded = deaggregate(bytes);
  if (!decoded.ok) return { kind: 'failed', issue: decoded.error };
  const users = decoded.value;
  let body = '';
  let events = 0;
  let keys: PartitionKeys | undefined;
  let firstIssue: ValidationIssue | undefined;
  const reingest: ReingestItem[] = [];
  const issues: InnerIssue[] = [];
  for (let i = 0; i < users.length; i++) {
    const user = users[i]!;
    const parsed = parseEventJson(user.data, parseOptions);
    if (!parsed.ok) {
      const e = parsed.error;
      firstIssue ??= { code: e.code, message: `user record ${i}: ${e.message}`, path: e.path };
      issues.push({ ...e, index: i });
      reingest.push({
        recordId: record.recordId,
        data: user.data,
        partitionKey: user.partitionKey,
      });
      continue;
    }
    if (writer.filter(parsed.value) !== undefined) continue;
    const normalized = normalizeEvent(parsed.value) as Extended;
    const own = writer.keys.keysOf(normalized.type, normalized.time);
    if (keys !== undefined && !samePartition(keys, own)) {
      reingest.push({
        recordId: record.recordId,
        data: user.data,
        partitionKey: user.partitionKey,
      });
      continue;
    }
    keys ??= own;
    body += writer.line(normalized, record, source, i);
    events++;
  }
  if (keys === undefined) {
    // Nothing to keep: if anything was invalid the whole aggregate goes to the error prefix.
    if (firstIssue !== undefined) return { kind: 'failed', issue: firstIssue };
    return DROPPED_LEVEL;
  }
  const ok: OkOutcome = { kind: 'ok', data: base64Of(body), partitionKeys: keys, events };
  if (reingest.length > 0) ok.reingest = reingest;
  if (issues.length > 0) ok.issues = issues;
  return ok;
}

function base64Of(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function samePartition(a: PartitionKeys, b: PartitionKeys): boolean {
  return a.type === b.type && a.date === b.date && a.hour === b.hour;
}
