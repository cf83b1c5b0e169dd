import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from '@jest/globals';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { LakeObject } from '../../src/notification.js';

/** A telemetry reading CloudEvent as firehose-transform writes it to the lake. */
export function reading(id: string, metric: string, value: number, time: string) {
  return {
    specversion: '1.0',
    id,
    source: 'test/producer',
    type: 'telemetry.reading',
    time,
    subject: metric,
    data: { metric, value, unit: 'ms', dimensions: { host: 'a' } },
  };
}

/** An app log CloudEvent. */
export function appLog(id: string, time: string) {
  return {
    specversion: '1.0',
    id,
    source: 'test/app',
    type: 'app.log',
    time,
    data: { level: 'ERROR', message: 'boom', service: 'checkout' },
  };
}

/** Put an object (gzip NDJSON by default) and return it as a notification would name it. */
export async function putLakeObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string,
  gzip = true,
): Promise<LakeObject> {
  const out = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: gzip ? gzipSync(body) : Buffer.from(body),
    }),
  );
  return { bucket, key, etag: (out.ETag ?? '').replace(/"/g, '') };
}

export const ndjson = (events: readonly unknown[]) =>
  events.map((e) => `${JSON.stringify(e)}\n`).join('');

/** An S3 event notification body for objects (keys URL-encoded the way S3 does). */
export function s3NotificationBody(objects: readonly LakeObject[]): string {
  return JSON.stringify({
    Records: objects.map((o) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-11-25T20:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: o.bucket, arn: `arn:aws:s3:::${o.bucket}` },
        object: {
          key: encodeURIComponent(o.key).replace(/%2F/g, '/').replace(/%20/g, '+'),
          size: 1,
          eTag: o.etag,
          sequencer: '0',
        },
      },
    })),
  });
}

/** An SQS event with one message per body. */
export function sqsEvent(bodies: readonly string[], prefix = 'm'): SQSEvent {
  return {
    Records: bodies.map(
      (body, i): SQSRecord => ({
        messageId: `${prefix}-${i}`,
        receiptHandle: `rh-${i}`,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 's3',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:streamlens-dev-warehouse-loader',
        awsRegion: 'us-east-1',
      }),
    ),
  };
}

/**
 * Fail the next `count` statements matching `pattern` on the Redshift Data stand-in (its
 * `/_streamlens/faults` endpoint; the stand-in runs in the global setup's process, not the worker's).
 */
export async function injectRedshiftFault(
  endpoint: string,
  fault: { pattern: string; count: number; error: string },
): Promise<void> {
  const response = await fetch(`${endpoint}/_streamlens/faults`, {
    method: 'POST',
    body: JSON.stringify(fault),
  });
  expect(response.ok).toBe(true);
}
