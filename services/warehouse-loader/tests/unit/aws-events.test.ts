import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { SQSEvent } from 'aws-lambda';
import { NotificationError } from '../../src/errors.js';
import { parseNotification, targetOf } from '../../src/notification.js';

/** One of AWS's published envelopes in events/aws/ (sources in its README). */
const awsEvent = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../events/aws/${name}.json`, import.meta.url), 'utf8'),
  ) as SQSEvent;

describe("AWS's own S3 notifications in SQS", () => {
  it('an S3 event notification (version 2.1) names its object, key decoded', () => {
    // Act
    const objects = awsEvent('sqs-s3-notification').Records.flatMap((r) =>
      parseNotification(r.body),
    );
    // Assess
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({
      bucket: 'streamlens-dev-lake',
      key: 'events/type=app.log/dt=2026-11-25/hour=10/streamlens-dev-events-1-2026-11-25-10-05-00-def.gz',
    });
    expect(targetOf(objects[0]?.key ?? '')).toBe('events');
  });

  it("S3's test event names no object", () => {
    // Act / Assess
    const [message] = awsEvent('sqs-s3-test-event').Records;
    expect(parseNotification(message?.body ?? '')).toEqual([]);
  });

  it('an EventBridge Object Created event names its object; a foreign body is refused alone', () => {
    // Prepare
    const [created, foreign] = awsEvent('sqs-eventbridge-object-created').Records;
    // Act
    const objects = parseNotification(created?.body ?? '');
    // Assess
    expect(objects.map((o) => [o.key, targetOf(o.key)])).toEqual([
      ['aggregates/dt=2026-11-25/3f1c2b.ndjson', 'windows'],
    ]);
    expect(() => parseNotification(foreign?.body ?? '')).toThrow(NotificationError);
  });
});
