import { afterEach, describe, expect, it } from '@jest/globals';
import type { StreamEventSettings } from '../../src/config/functions.js';
import { EventSourceMapping } from '../../src/esm/mapping.js';
import { limitReads, readModeOf, ShardReadLimiter } from '../../src/esm/read-limits.js';
import { SharedShardSource } from '../../src/esm/source.js';
import { fakeFunction, freshStream, put, settings } from '../helpers/kinesis.js';

// Kinesis' read limits as `pnpm start` wires them (wiring.ts): every mapping reads the shared
// buffer through `limitReads` with its own read mode. Scaled down (20 KB/s per shard instead of
// 2 MiB/s, 10 records per GetRecords) so that the limit, not the machine, sets the pace.
const LIMITS = { readsPerSecond: 5, bytesPerSecond: 20_000 };
const RECORDS = 60;
const BODY = 1_000;

const running: EventSourceMapping[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

/**
 * Seconds until reader `a` (shared) has every record of a fresh one-shard stream, read beside
 * `others` (each shared or through an EFO consumer of its own).
 */
async function secondsForA(
  others: readonly Pick<StreamEventSettings, 'consumerArn'>[],
): Promise<{ seconds: number; limiter: ShardReadLimiter }> {
  const { aws, name, arn } = await freshStream(1);
  const kinesis = aws.clients().kinesis;
  await put(
    aws,
    name,
    Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}`, body: `r${i}`.padEnd(BODY, '.') })),
  );
  const source = new SharedShardSource({ kinesis, fetchLimit: 10, minFetchIntervalMs: 0 });
  const limiter = new ShardReadLimiter(LIMITS);
  let aRecords = 0;
  let aDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    aDone = resolve;
  });
  const readers = [{}, ...others].map((mode, i) => {
    const s = settings(name, arn, { batchSize: 10, ...mode });
    const esm = new EventSourceMapping({
      functionName: `f${i}`,
      functionArn: `arn:f${i}`,
      settings: s,
      kinesis,
      source: limitReads(source, limiter, readModeOf(s)),
      pollIntervalMs: 50,
      invoke: fakeFunction((event) => {
        if (i !== 0) return;
        aRecords += event.Records.length;
        if (aRecords >= RECORDS) aDone();
      }),
    });
    running.push(esm);
    return esm;
  });
  const t0 = Date.now();
  await Promise.all(readers.map((r) => r.start()));
  await done;
  return { seconds: (Date.now() - t0) / 1000, limiter };
}

describe('Kinesis read limits on the mappings of a shard', () => {
  it('slows a shared reader when a second shared reader polls the same shard, and not for an EFO reader', async () => {
    // Act
    const alone = await secondsForA([]);
    const besideShared = await secondsForA([{}]);
    const besideEfo = await secondsForA([{ consumerArn: 'arn:consumer/efo-reader:1' }]);

    // Assess: 60 KB through a 20 KB/s pipe (the first 20 KB at once) takes A 1.5-2 s alone;
    // a second polling reader doubles the bytes through the pipe; an EFO reader has a pipe of
    // its own.
    expect(alone.seconds).toBeGreaterThanOrEqual(1);
    expect(besideShared.seconds).toBeGreaterThan(1.5 * alone.seconds);
    expect(besideEfo.seconds).toBeLessThan(1.5 * alone.seconds);
    const sharedPipe = (l: ShardReadLimiter) =>
      [...l.throttled].filter(([pipe]) => !pipe.includes('/consumer/'));
    expect(sharedPipe(besideShared.limiter)[0]?.[1]).toBeGreaterThan(0);
  });
});
