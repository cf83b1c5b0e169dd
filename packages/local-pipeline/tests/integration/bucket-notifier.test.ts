import { createHash } from 'node:crypto';
import { CopyObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clientOptions, type LocalAws, startLocalAws } from '@streamlens/local-aws';
import { BucketNotifier, type EventBridgeEvent, LocalEventBus } from '../../src/sqs/eventbridge.js';

// Its own S3 stand-in: the events come over the IPC channel of the process that started it.
let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws({ services: ['s3'], quiet: true });
  await aws.createResources({ buckets: ['notify-lake', 'notify-other'] });
});
afterAll(async () => {
  await aws?.stop();
});

function busTo(events: EventBridgeEvent[]) {
  return new LocalEventBus(
    [
      {
        name: 'lake',
        pattern: { source: ['aws.s3'], 'detail-type': ['Object Created'] },
        targetArns: ['arn:aws:sqs:us-east-1:000000000000:q'],
      },
    ],
    (_arn, event) => {
      events.push(event);
      return true;
    },
  );
}

describe('S3 → EventBridge from the S3 stand-in events', () => {
  it('sends exactly one Object Created per write, whoever writes, without listing the bucket', async () => {
    // Prepare: two independent writers (their own clients), as the Firehose emulator and a
    // function are
    const delivered: EventBridgeEvent[] = [];
    const notifier = new BucketNotifier(
      aws.clients().s3,
      'notify-lake',
      busTo(delivered),
      'us-east-1',
      50,
      aws.events('s3'),
    );
    const other = new S3Client({ ...clientOptions(aws.env, 's3'), forcePathStyle: true });
    notifier.start();
    // Act
    await aws
      .clients()
      .s3.send(new PutObjectCommand({ Bucket: 'notify-lake', Key: 'events/a.gz', Body: 'aaa' }));
    await other.send(
      new PutObjectCommand({ Bucket: 'notify-lake', Key: 'aggregates/b.json', Body: 'bb' }),
    );
    // The same content again: S3 notifies every write (a listing by (key, ETag) would not).
    await other.send(
      new PutObjectCommand({ Bucket: 'notify-lake', Key: 'aggregates/b.json', Body: 'bb' }),
    );
    await other.send(new PutObjectCommand({ Bucket: 'notify-other', Key: 'x', Body: 'x' }));
    await other.send(
      new CopyObjectCommand({
        Bucket: 'notify-lake',
        Key: 'events/c.gz',
        CopySource: 'notify-lake/events/a.gz',
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    await notifier.flush();
    await notifier.stop();
    other.destroy();
    // Assess
    expect(notifier.eventDriven).toBe(true);
    expect(notifier.stats.listings).toBe(0);
    expect(
      delivered.map((e) => [
        e.detail.reason,
        (e.detail.object as { key: string }).key,
        (e.detail.object as { size: number }).size,
      ]),
    ).toEqual([
      ['PutObject', 'events/a.gz', 3],
      ['PutObject', 'aggregates/b.json', 2],
      ['PutObject', 'aggregates/b.json', 2],
      ['CopyObject', 'events/c.gz', 3],
    ]);
    const etags = delivered.map((e) => (e.detail.object as { etag: string }).etag);
    // md5 of the bodies, unquoted; the copy has its source's ETag.
    const md5 = (body: string) => createHash('md5').update(body).digest('hex');
    expect(etags).toEqual([md5('aaa'), md5('bb'), md5('bb'), md5('aaa')]);
    expect(delivered.every((e) => e.resources[0] === 'arn:aws:s3:::notify-lake')).toBe(true);
    const sequencers = delivered.map((e) => (e.detail.object as { sequencer: string }).sequencer);
    expect([...sequencers].sort()).toEqual(sequencers);
  });

  it('lists the bucket when the stand-in gives no events (every object once per key and ETag)', async () => {
    // Prepare
    const delivered: EventBridgeEvent[] = [];
    await aws
      .clients()
      .s3.send(new PutObjectCommand({ Bucket: 'notify-other', Key: 'listed', Body: 'l' }));
    const notifier = new BucketNotifier(
      aws.clients().s3,
      'notify-other',
      busTo(delivered),
      'us-east-1',
      50,
    );
    // Act
    await notifier.flush();
    await notifier.flush();
    // Assess
    expect(notifier.eventDriven).toBe(false);
    expect(notifier.stats.listings).toBe(2);
    expect(delivered.map((e) => (e.detail.object as { key: string }).key).sort()).toEqual([
      'listed',
      'x',
    ]);
  });
});
