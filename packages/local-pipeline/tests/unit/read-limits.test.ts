import { describe, expect, it } from '@jest/globals';
import {
  limitReads,
  ProvisionedThroughputExceededError,
  pageBytes,
  type ReadMode,
  ShardReadLimiter,
} from '../../src/esm/read-limits.js';
import type { ShardPage, ShardSource } from '../../src/esm/source.js';

const MIB = 1024 * 1024;
const SHARED: ReadMode = { kind: 'shared' };
const efo = (consumer: string): ReadMode => ({ kind: 'efo', consumer });

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** Reads attempted and refused, per reader, over `seconds` of one shard taking `inBytes`/s. */
function simulate(modes: ReadMode[], inBytesPerSecond: number, seconds: number) {
  const c = clock();
  const limiter = new ShardReadLimiter(undefined, c.now);
  // Each reader polls every 200 ms (Lambda's and Firehose's pace when behind) and takes what
  // arrived since its last successful read.
  const pending = modes.map(() => 0);
  const refused = modes.map(() => 0);
  for (let tick = 0; tick < seconds * 5; tick++) {
    for (let i = 0; i < modes.length; i++)
      pending[i] = (pending[i] as number) + inBytesPerSecond / 5;
    modes.forEach((mode, i) => {
      try {
        limiter.admit('events', 'shard-0', mode);
        limiter.account('events', 'shard-0', mode, pending[i] as number);
        pending[i] = 0;
      } catch (error) {
        expect(error).toBeInstanceOf(ProvisionedThroughputExceededError);
        refused[i] = (refused[i] as number) + 1;
      }
    });
    c.advance(200);
  }
  return { refused, behindBytes: pending };
}

describe('ShardReadLimiter', () => {
  it('refuses the sixth GetRecords of a shard within a second, whoever the poller', () => {
    // Prepare
    const c = clock();
    const limiter = new ShardReadLimiter(undefined, c.now);
    for (let i = 0; i < 5; i++) limiter.admit('events', 'shard-0', SHARED);

    // Act
    const sixth = (() => {
      try {
        limiter.admit('events', 'shard-0', SHARED);
        return 'admitted';
      } catch (error) {
        return (error as Error).name;
      }
    })();
    c.advance(1_000);
    limiter.admit('events', 'shard-0', SHARED);
    limiter.admit('events', 'shard-1', SHARED);

    // Assess
    expect(sixth).toBe('ProvisionedThroughputExceededException');
    expect(limiter.throttled.get('events/shard-0')).toBe(1);
  });

  it('after reading more than the 2 MiB budget, refuses reads until it has recovered', () => {
    // Prepare
    const c = clock();
    const limiter = new ShardReadLimiter(undefined, c.now);
    limiter.admit('events', 'shard-0', SHARED);
    limiter.account('events', 'shard-0', SHARED, 5 * MIB);
    const attempt = () => {
      try {
        limiter.admit('events', 'shard-0', SHARED);
        return true;
      } catch {
        return false;
      }
    };

    // Act
    const outcomes: boolean[] = [];
    for (const wait of [0, 1_000, 400, 200]) {
      c.advance(wait);
      outcomes.push(attempt());
    }

    // Assess: 3 MiB of debt takes 1.5 s to repay at 2 MiB/s.
    expect(outcomes).toEqual([false, false, false, true]);
  });

  it('gives each enhanced fan-out consumer its own 2 MiB/s and no GetRecords limit', () => {
    // Prepare
    const c = clock();
    const limiter = new ShardReadLimiter(undefined, c.now);

    // Act: ten pushes a second of 190 KiB to each of three consumers, beside five polls
    for (let i = 0; i < 10; i++) {
      for (const consumer of ['aggregate', 'ddb', 'search']) {
        limiter.admit('events', 'shard-0', efo(consumer));
        limiter.account('events', 'shard-0', efo(consumer), 190 * 1024);
      }
      if (i % 2 === 0) limiter.admit('events', 'shard-0', SHARED);
      c.advance(100);
    }

    // Assess
    expect([...limiter.throttled.values()]).toEqual([]);
  });
});

describe('four readers of a shard taking 1 MiB/s', () => {
  it('throttles when all four poll, and keeps a fallen-behind reader behind', () => {
    // Act
    const { refused, behindBytes } = simulate([SHARED, SHARED, SHARED, SHARED], MIB, 30);

    // Assess: 4 readers x 5 polls/s against 5 calls/s, and 4 MiB/s asked of 2 MiB/s: the
    // readers fall about 2 MiB further behind every second, 60 MiB after 30 s
    expect(refused.reduce((a, b) => a + b, 0)).toBeGreaterThan(30 * 5 * 4 * 0.5);
    expect(behindBytes.reduce((a, b) => a + b, 0)).toBeGreaterThan(40 * MIB);
  });

  it('throttles none when three of them read through enhanced fan-out consumers', () => {
    // Act
    const { refused } = simulate([SHARED, efo('a'), efo('b'), efo('c')], MIB, 30);

    // Assess
    expect(refused).toEqual([0, 0, 0, 0]);
  });
});

describe('limitReads', () => {
  it('wraps the cursors of a source: admits, charges the page bytes, and passes refusals on', async () => {
    // Prepare
    const page: ShardPage = {
      records: [
        {
          sequenceNumber: '1',
          partitionKey: 'pk',
          data: Buffer.alloc(1.5 * MIB).toString('base64'),
          arrivalMs: 0,
        },
      ],
      closed: false,
      millisBehindLatest: 0,
    };
    let closed = 0;
    const inner: ShardSource = {
      open: async () => ({
        read: async () => page,
        close: () => {
          closed++;
        },
      }),
    };
    const c = clock();
    const limiter = new ShardReadLimiter(undefined, c.now);
    const a = await limitReads(inner, limiter, SHARED).open('events', 'shard-0', {
      type: 'TRIM_HORIZON',
    });
    const b = await limitReads(inner, limiter, SHARED).open('events', 'shard-0', {
      type: 'TRIM_HORIZON',
    });

    // Act
    const first = await a.read(10_000);
    const second = await b.read(10_000);
    const third = await a.read(10_000).catch((e: Error) => e.name);
    a.close();

    // Assess
    expect(pageBytes(first)).toBe(1.5 * MIB + 2);
    expect(second).toBe(page);
    expect(third).toBe('ProvisionedThroughputExceededException');
    expect(closed).toBe(1);
  });
});
