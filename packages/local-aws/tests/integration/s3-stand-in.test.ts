import { randomUUID } from 'node:crypto';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '../../src/connect.js';
import { BROWSER_FORM_POST, rawRequest } from '../helpers/http.js';

// The S3 stand-in of the integration run, driven by the real S3Client for the calls streamlens
// makes, and tried as a web page would try it.

const aws = connectLocalAws();
const bucket = `s3-standin-${randomUUID()}`;

beforeAll(async () => {
  await aws.createResources({ buckets: [bucket] });
});
afterAll(() => aws.close());

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => ({
      name: error.name,
      status: error.$metadata?.httpStatusCode,
    }),
  );

describe('S3 stand-in', () => {
  it('pages ListObjectsV2 with continuation tokens in key order', async () => {
    // Prepare
    const s3 = aws.clients().s3;
    const keys = ['p/a', 'p/b', 'p/c', 'p/d', 'p/e'];
    await Promise.all(
      keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))),
    );
    // Act
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: 'p/',
          MaxKeys: 2,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      pages.push((page.Contents ?? []).map((c) => c.Key as string));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // Assess
    expect(pages).toEqual([['p/a', 'p/b'], ['p/c', 'p/d'], ['p/e']]);
  });

  it('answers missing keys and buckets with the errors S3 gives, and deletes in a batch', async () => {
    // Prepare
    const s3 = aws.clients().s3;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'gone', Body: 'x' }));
    // Act
    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'gone' }] } }),
    );
    const get = await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'gone' })));
    const head = await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'gone' })));
    const noBucket = await failure(
      s3.send(new ListObjectsV2Command({ Bucket: `missing-${randomUUID()}` })),
    );
    // Assess
    expect(deleted.Deleted?.map((d) => d.Key)).toEqual(['gone']);
    expect(get).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(head).toEqual({ name: 'NotFound', status: 404 });
    expect(noBucket).toEqual({ name: 'NoSuchBucket', status: 404 });
  });

  it('refuses a browser form upload (POST multipart/form-data from a web page)', async () => {
    // Prepare
    const boundary = 'streamlensboundary';
    const form = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="key"',
      '',
      'from-browser',
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="x.txt"',
      'Content-Type: text/plain',
      '',
      'payload',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    // Act
    const answer = await rawRequest(aws.endpoints.s3 as string, {
      path: `/${bucket}`,
      headers: {
        ...BROWSER_FORM_POST,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body: form,
    });
    const stored = await failure(
      aws.clients().s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'from-browser' })),
    );
    // Assess
    expect(answer.status).toBe(403);
    expect(stored).toEqual({ name: 'NotFound', status: 404 });
  });
});
