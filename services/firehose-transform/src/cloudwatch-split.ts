import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsPayload } from '@streamlens/schema';

/**
 * Splits a CloudWatch Logs subscription payload into two payloads of half the log events each,
 * gzip-compressed as CloudWatch Logs sends them, so that each half can be re-ingested as its own
 * record (the blueprint's answer to a record whose transformation alone exceeds the response limit).
 * Returns `undefined` when there is nothing to split (fewer than two log events).
 */
export function splitCloudWatchPayload(
  payload: CloudWatchLogsPayload,
): [Buffer, Buffer] | undefined {
  const events = payload.logEvents;
  if (events.length < 2) return undefined;
  const middle = Math.ceil(events.length / 2);
  return [
    gzipSync(JSON.stringify({ ...payload, logEvents: events.slice(0, middle) })),
    gzipSync(JSON.stringify({ ...payload, logEvents: events.slice(middle) })),
  ];
}
