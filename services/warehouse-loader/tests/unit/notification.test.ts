import { describe, expect, it } from '@jest/globals';
import { copyRoleArnFor } from '../../src/config.js';
import { NotificationError } from '../../src/errors.js';
import { parseNotification, targetOf } from '../../src/notification.js';

const s3Record = (key: string, eventName = 'ObjectCreated:Put') => ({
  eventName,
  s3: { bucket: { name: 'lake' }, object: { key, size: 10, eTag: '"abc123"' } },
});

describe('parseNotification', () => {
  it('reads S3 notifications, URL-decoding keys and unquoting ETags', () => {
    // Prepare
    const body = JSON.stringify({
      Records: [s3Record('events/type%3Dapp.log/dt%3D2026-11-25/hour%3D10/a+b.gz')],
    });
    // Act
    const objects = parseNotification(body);
    // Assess
    expect(objects).toEqual([
      {
        bucket: 'lake',
        key: 'events/type=app.log/dt=2026-11-25/hour=10/a b.gz',
        etag: 'abc123',
        size: 10,
      },
    ]);
  });

  it('ignores non-create events and the S3 test event', () => {
    expect(
      parseNotification(JSON.stringify({ Records: [s3Record('k', 'ObjectRemoved:Delete')] })),
    ).toEqual([]);
    expect(parseNotification(JSON.stringify({ Event: 's3:TestEvent', Bucket: 'lake' }))).toEqual(
      [],
    );
  });

  it('reads EventBridge Object Created events (keys not encoded)', () => {
    const body = JSON.stringify({
      'detail-type': 'Object Created',
      detail: {
        bucket: { name: 'lake' },
        object: { key: 'aggregates/dt=2026-11-25/x.ndjson', etag: 'e1', size: 5 },
      },
    });
    expect(parseNotification(body)).toEqual([
      { bucket: 'lake', key: 'aggregates/dt=2026-11-25/x.ndjson', etag: 'e1', size: 5 },
    ]);
  });

  it('rejects bodies that are not notifications with a readable error', () => {
    expect(() => parseNotification('nope')).toThrow(NotificationError);
    expect(() => parseNotification('{"hello":1}')).toThrow(/neither an S3 notification/);
    expect(() =>
      parseNotification(JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: {} }] })),
    ).toThrow(/Records\[0\] lacks/);
  });
});

describe('targetOf', () => {
  it('routes events/type=... to events and aggregates/ to windows, and nothing else', () => {
    expect(targetOf('events/type=telemetry.reading/dt=2026-11-25/hour=10/f.gz')).toBe('events');
    expect(targetOf('aggregates/dt=2026-11-25/h.ndjson')).toBe('windows');
    expect(targetOf('errors/processing-failed/dt=2026-11-25/f')).toBeUndefined();
    expect(targetOf('events/no-type/f.gz')).toBeUndefined();
    expect(targetOf('late-data/stream-aggregator/dt=2026-11-25/x')).toBeUndefined();
  });
});

describe('copyRoleArnFor', () => {
  it('builds the role ARN in the function account and partition', () => {
    expect(copyRoleArnFor('r', 'arn:aws-cn:lambda:cn-north-1:123456789012:function:f')).toBe(
      'arn:aws-cn:iam::123456789012:role/r',
    );
  });
});

describe('copyRoleArnFor offline', () => {
  it('uses a placeholder account when the context has no function ARN (invoke local)', () => {
    expect(copyRoleArnFor('r', undefined)).toBe('arn:aws:iam::000000000000:role/r');
  });
});
