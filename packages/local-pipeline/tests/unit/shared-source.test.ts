import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from '@jest/globals';
import type { ShardReader, WireRecord } from '../../src/esm/reader.js';
import {
  iteratorShardSource,
  type ShardCursor,
  SharedShardSource,
  type StartPosition,
} from '../../src/esm/source.js';

/**
 * One in-memory shard behind GetShardIterator and GetRecords (iterators are positions), counting
 * the GetRecords calls; `close()` makes it a closed (resharded) shard.
 */
function fakeShard() {
  const records: WireRecord[] = [];
  let closed = false;
  let nextSeq = 1000;
  const calls = { getRecords: 0, getShardIterator: 0, recordsReturned: 0, at: [] as number[] };
  const add = (n: number) => {
    for (let i = 0; i < n; i++) {
      const seq = String(nextSeq++);
      records.push({ sequenceNumber: seq, partitionKey: `k${seq}`, data: seq, arrivalMs: 0 });
    }
  };
  const positionOf = (input: Record<string, unknown>): number => {
    switch (input.ShardIteratorType as StartPosition['type']) {
      case 'TRIM_HORIZON':
        return 0;
      case 'LATEST':
        return records.length;
      case 'AFTER_SEQUENCE_NUMBER':
        return records.findIndex((r) => r.sequenceNumber === input.StartingSequenceNumber) + 1;
      default:
        return 0;
    }
  };
  const kinesis = {
    send: async (command: { input: Record<string, unknown> }) => {
      calls.getShardIterator++;
      return { ShardIterator: String(positionOf(command.input)) };
    },
  } as unknown as KinesisClient;
  const reader: ShardReader = async (iterator, limit) => {
    calls.getRecords++;
    calls.at.push(Date.now());
    const from = Number(iterator);
    const page = records.slice(from, from + limit);
    calls.recordsReturned += page.length;
    const next = from + page.length;
    return {
      records: page,
      nextShardIterator: closed && next >= records.length ? undefined : String(next),
      millisBehindLatest: next >= records.length ? 0 : 1000,
    };
  };
  return { kinesis, reader, add, calls, records, close: () => (closed = true) };
}

/** Read a cursor until it returns an empty page (or the shard's end); the sequence numbers. */
async function readAll(cursor: ShardCursor, limit = 10_000): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const page = await cursor.read(limit);
    for (const r of page.records) seen.push(r.sequenceNumber);
    if (page.records.length === 0 || page.closed) return seen;
  }
}

const horizon: StartPosition = { type: 'TRIM_HORIZON' };

/** A shared source over a fake shard, fetching as often as asked (`options` override). */
function sourceOn(
  shard: ReturnType<typeof fakeShard>,
  options: Partial<ConstructorParameters<typeof SharedShardSource>[0]> = {},
): SharedShardSource {
  return new SharedShardSource({
    kinesis: shard.kinesis,
    reader: shard.reader,
    minFetchIntervalMs: 0,
    ...options,
  });
}

describe('shared shard source', () => {
  it('reads each record from Kinesis once for all readers, each reader getting every record in order', async () => {
    // Prepare
    const shard = fakeShard();
    const source = sourceOn(shard);
    const readers = await Promise.all(
      [1, 2, 3, 4].map(() => source.open('s', 'shardId-0', horizon)),
    );
    shard.add(250);
    // Act: the readers interleave, with different page sizes
    const seen: string[][] = readers.map(() => []);
    for (let round = 0; round < 40; round++) {
      for (const [i, reader] of readers.entries()) {
        const page = await reader.read(7 + i * 13);
        for (const r of page.records) seen[i]?.push(r.sequenceNumber);
      }
    }
    // Assess
    const all = shard.records.map((r) => r.sequenceNumber);
    for (const s of seen) expect(s).toEqual(all);
    expect(source.stats.recordsFetched).toBe(250);
    expect(source.stats.recordsServed).toBe(1000);
    expect(source.stats.directReads).toBe(0);
    // With one reader per stream and shard (the iterator source) the same reads cost 4× the records.
    expect(shard.calls.getRecords).toBe(source.stats.sharedFetches);
    expect(source.buffered()).toBe(0);
  });

  it('has Kinesis return each record once, where readers on their own iterators get it once each', async () => {
    // Prepare
    const sharedShard = fakeShard();
    const ownShard = fakeShard();
    const shared = sourceOn(sharedShard);
    const own = iteratorShardSource(ownShard.kinesis, ownShard.reader);
    const sharedReaders = await Promise.all([1, 2, 3].map(() => shared.open('s', 'a', horizon)));
    const ownReaders = await Promise.all([1, 2, 3].map(() => own.open('s', 'a', horizon)));
    // Act: records arrive in three bursts, every reader reads after each
    for (let burst = 0; burst < 3; burst++) {
      sharedShard.add(100);
      ownShard.add(100);
      for (const r of [...sharedReaders, ...ownReaders]) await readAll(r, 60);
    }
    // Assess
    expect(ownShard.calls.recordsReturned).toBe(900);
    expect(sharedShard.calls.recordsReturned).toBe(300);
    expect(shared.stats.recordsFetched).toBe(300);
  });

  it('waits the minimum interval between two GetRecords of a shard, one call for every waiting reader', async () => {
    // Prepare
    const shard = fakeShard();
    const source = sourceOn(shard, { minFetchIntervalMs: 60 });
    const readers = await Promise.all([1, 2, 3].map(() => source.open('s', 'a', horizon)));
    shard.add(5);
    await Promise.all(readers.map((r) => r.read(100)));
    shard.add(5);
    // Act: all three at the buffer's end at once
    const pages = await Promise.all(readers.map((r) => r.read(100)));
    // Assess
    expect(shard.calls.getRecords).toBe(2);
    const [first, second] = shard.calls.at;
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(55);
    for (const page of pages) expect(page.records).toHaveLength(5);
  });

  it('lets readers that open while the first GetShardIterator is under way read from the start', async () => {
    // Prepare
    const shard = fakeShard();
    shard.add(12);
    const slowKinesis = {
      send: async (command: unknown) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return shard.kinesis.send(command as never);
      },
    } as unknown as KinesisClient;
    const source = new SharedShardSource({
      kinesis: slowKinesis,
      reader: shard.reader,
      minFetchIntervalMs: 0,
    });
    // Act: four readers open at once; each reads as soon as it has its cursor
    const seen = await Promise.all(
      [1, 2, 3, 4].map(async () => readAll(await source.open('s', 'a', horizon))),
    );
    // Assess
    for (const s of seen) expect(s).toEqual(shard.records.map((r) => r.sequenceNumber));
    expect(source.stats.directReads).toBe(0);
    expect(shard.calls.getShardIterator).toBe(1);
  });

  it('keeps records until the slowest reader has passed them, then drops them', async () => {
    // Prepare
    const shard = fakeShard();
    const source = sourceOn(shard);
    const fast = await source.open('s', 'a', horizon);
    const slow = await source.open('s', 'a', horizon);
    shard.add(100);
    // Act
    await readAll(fast);
    const heldWhileSlowIsBehind = source.buffered();
    const slowFirst = await slow.read(40);
    const heldAfterSlowRead40 = source.buffered();
    const slowRest = await readAll(slow);
    // Assess
    expect(heldWhileSlowIsBehind).toBe(100);
    expect(heldAfterSlowRead40).toBe(60);
    expect([...slowFirst.records.map((r) => r.sequenceNumber), ...slowRest]).toEqual(
      shard.records.map((r) => r.sequenceNumber),
    );
    expect(source.buffered()).toBe(0);
  });

  it('sends a reader that falls behind the cap to Kinesis itself, then back onto the buffer', async () => {
    // Prepare
    const shard = fakeShard();
    const source = sourceOn(shard, { maxBufferedRecords: 50, fetchLimit: 30 });
    const fast = await source.open('s', 'a', horizon);
    const slow = await source.open('s', 'a', horizon);
    shard.add(200);
    const slowSeen = (await slow.read(10)).records.map((r) => r.sequenceNumber);
    // Act: the fast reader runs 200 records ahead, the buffer keeps only 50
    const fastSeen = await readAll(fast);
    const bufferedAtCap = source.buffered();
    slowSeen.push(...(await readAll(slow, 25)));
    shard.add(20);
    fastSeen.push(...(await readAll(fast)));
    slowSeen.push(...(await readAll(slow)));
    // Assess
    const all = shard.records.map((r) => r.sequenceNumber);
    expect(bufferedAtCap).toBeLessThanOrEqual(50);
    expect(fastSeen).toEqual(all);
    expect(slowSeen).toEqual(all);
    expect(source.stats.fallbacks).toBe(1);
    expect(source.stats.directReads).toBeGreaterThan(0);
    expect(source.stats.joins).toBe(1);
  });

  it('starts a reader at a position the buffer no longer holds on its own iterator', async () => {
    // Prepare
    const shard = fakeShard();
    const source = sourceOn(shard);
    const first = await source.open('s', 'a', horizon);
    shard.add(30);
    await readAll(first); // trims the 30 records: nobody else needs them
    // Act
    const late = await source.open('s', 'a', horizon);
    const after = await source.open('s', 'a', {
      type: 'AFTER_SEQUENCE_NUMBER',
      sequenceNumber: shard.records[9]?.sequenceNumber ?? '',
    });
    const latest = await source.open('s', 'a', { type: 'LATEST' });
    shard.add(5);
    const lateSeen = await readAll(late);
    const afterSeen = await readAll(after);
    const latestSeen = await readAll(latest);
    // Assess
    const all = shard.records.map((r) => r.sequenceNumber);
    expect(lateSeen).toEqual(all);
    expect(afterSeen).toEqual(all.slice(10));
    // LATEST was taken before the 5 new records: it sees exactly them.
    expect(latestSeen).toEqual(all.slice(30));
    expect(source.stats.directReads).toBeGreaterThan(0);
  });

  it('joins a reader starting after a buffered sequence number at the next record', async () => {
    // Prepare
    const shard = fakeShard();
    const source = sourceOn(shard);
    const first = await source.open('s', 'a', horizon);
    shard.add(20);
    await first.read(5); // the buffer holds the 20 (15 still needed by `first`)
    // Act
    const after = await source.open('s', 'a', {
      type: 'AFTER_SEQUENCE_NUMBER',
      sequenceNumber: shard.records[11]?.sequenceNumber ?? '',
    });
    const seen = await readAll(after);
    // Assess
    expect(seen).toEqual(shard.records.slice(12).map((r) => r.sequenceNumber));
    expect(source.stats.directReads).toBe(0);
  });

  it('reports a closed shard to each reader only once it has read every record', async () => {
    // Prepare
    const shard = fakeShard();
    const source = sourceOn(shard);
    const a = await source.open('s', 'a', horizon);
    const b = await source.open('s', 'a', horizon);
    shard.add(10);
    shard.close();
    // Act
    const aPage = await a.read(10);
    const bFirst = await b.read(4);
    const bRest = await b.read(10);
    // Assess
    expect(aPage.records).toHaveLength(10);
    expect(aPage.closed).toBe(true);
    expect(bFirst.closed).toBe(false);
    expect(bFirst.millisBehindLatest).toBeGreaterThan(0);
    expect(bRest.records).toHaveLength(6);
    expect(bRest.closed).toBe(true);
  });

  it('lets a closed reader go: the buffer no longer waits for it', async () => {
    // Prepare
    const shard = fakeShard();
    const source = sourceOn(shard);
    const reading = await source.open('s', 'a', horizon);
    const leaving = await source.open('s', 'a', horizon);
    shard.add(10);
    await readAll(reading);
    // Act
    const before = source.buffered();
    leaving.close();
    // Assess
    expect(before).toBe(10);
    expect(source.buffered()).toBe(0);
    expect((await leaving.read(10)).closed).toBe(true);
  });

  it('replaces an expired shared iterator after the last buffered record', async () => {
    // Prepare
    const shard = fakeShard();
    let expire = false;
    const reader: ShardReader = async (iterator, limit) => {
      if (expire) {
        expire = false;
        throw Object.assign(new Error('expired'), { name: 'ExpiredIteratorException' });
      }
      return shard.reader(iterator, limit);
    };
    const source = sourceOn(shard, { reader });
    const cursor = await source.open('s', 'a', horizon);
    shard.add(10);
    const first = await readAll(cursor);
    // Act
    shard.add(5);
    expire = true;
    await expect(cursor.read(100)).rejects.toThrow('expired');
    const rest = await readAll(cursor);
    // Assess
    expect([...first, ...rest]).toEqual(shard.records.map((r) => r.sequenceNumber));
  });
});
