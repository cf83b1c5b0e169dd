import { CopyObjectCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LocalAws, startLocalAws } from '../../src/index.js';

interface S3EventRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
}

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws({ services: ['s3'], quiet: true });
  await aws.createResources({ buckets: ['events-a', 'events-b'] });
});
afterAll(async () => {
  await aws?.stop();
});

describe('s3 stand-in events', () => {
  it('emits one S3 event record per object write or delete, in order, flushed on demand', async () => {
    // Prepare
    const events = aws.events('s3');
    const seen: S3EventRecord[] = [];
    const unsubscribe = events?.subscribe((event) =>
      seen.push(...(event as { Records: S3EventRecord[] }).Records),
    );
    const s3 = aws.clients().s3;
    // Act
    await s3.send(new PutObjectCommand({ Bucket: 'events-a', Key: 'x/one.json', Body: 'abc' }));
    await s3.send(new PutObjectCommand({ Bucket: 'events-a', Key: 'x/one.json', Body: 'abc' }));
    await s3.send(new PutObjectCommand({ Bucket: 'events-b', Key: 'two', Body: 'hello' }));
    await s3.send(
      new CopyObjectCommand({ Bucket: 'events-a', Key: 'copy', CopySource: 'events-b/two' }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: 'events-b', Key: 'two' }));
    await events?.flush();
    unsubscribe?.();
    await s3.send(new PutObjectCommand({ Bucket: 'events-a', Key: 'after', Body: 'z' }));
    await events?.flush();
    // Assess
    expect(events).toBeDefined();
    expect(seen.map((r) => [r.eventName, r.s3.bucket.name, r.s3.object.key])).toEqual([
      ['ObjectCreated:Put', 'events-a', 'x/one.json'],
      ['ObjectCreated:Put', 'events-a', 'x/one.json'],
      ['ObjectCreated:Put', 'events-b', 'two'],
      ['ObjectCreated:Copy', 'events-a', 'copy'],
      ['ObjectRemoved:Delete', 'events-b', 'two'],
    ]);
    expect(seen[0]?.s3.object).toMatchObject({ size: 3, eTag: '900150983cd24fb0d6963f7d28e17f72' });
    expect(aws.events('kinesis')).toBeUndefined();
  });
});
