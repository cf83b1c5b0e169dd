import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { getObjects } from '../../src/inspect.js';

/** An S3 client that lists `count` keys and answers each GetObject after a tick, counting how many are in flight. */
function countingS3(count: number) {
  const keys = Array.from({ length: count }, (_, i) => `lake/${String(i).padStart(4, '0')}.gz`);
  const seen = { inFlight: 0, maxInFlight: 0 };
  const client = {
    async send(command: unknown) {
      if (command instanceof ListObjectsV2Command) {
        return { Contents: keys.map((Key) => ({ Key })), IsTruncated: false };
      }
      if (command instanceof GetObjectCommand) {
        seen.inFlight++;
        seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.inFlight--;
        const key = command.input.Key as string;
        return { Body: { transformToByteArray: async () => new TextEncoder().encode(key) } };
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  return { s3: client as unknown as S3Client, keys, seen };
}

describe('getObjects', () => {
  it('reads every object, in key order, a few at a time rather than all connections at once', async () => {
    // Arrange: a lake of 300 objects, as after a long run
    const { s3, keys, seen } = countingS3(300);
    // Act
    const objects = await getObjects(s3, 'lake');
    // Assess
    expect(objects.map((o) => o.key)).toEqual(keys);
    expect(objects.map((o) => new TextDecoder().decode(o.body))).toEqual(keys);
    expect(seen.maxInFlight).toBeGreaterThan(1);
    expect(seen.maxInFlight).toBeLessThanOrEqual(8);
  });
});
