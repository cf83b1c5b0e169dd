import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { feedInWorker, feedWorkerEntry, newLedger } from '../../src/feed.js';
import { bundleHandler } from '../../src/runtime/container.js';
import { freshStream } from '../helpers/kinesis.js';

const bundleDir = mkdtempSync(join(tmpdir(), 'lp-feed-'));

/** Ids of the valid events on a stream (the invalid records are not JSON with an id). */
function idsOn(records: readonly { data: Uint8Array }[]): { ids: string[]; unparsable: number } {
  const ids: string[] = [];
  let unparsable = 0;
  for (const r of records) {
    try {
      const id = (JSON.parse(Buffer.from(r.data).toString('utf8')) as { id?: unknown }).id;
      if (typeof id === 'string') ids.push(id);
      else unparsable++;
    } catch {
      unparsable++;
    }
  }
  return { ids, unparsable };
}

describe('feed in a worker thread', () => {
  it('sends the traffic from the worker and fills the ledger here with exactly what the stream holds', async () => {
    // Prepare
    const { aws, name } = await freshStream(2);
    const bundle = await bundleHandler(feedWorkerEntry(), bundleDir);
    const ledger = newLedger();
    const produced: number[] = [];
    const order: string[] = [];
    // Act
    await feedInWorker(
      {
        env: aws.env,
        bundle,
        streamName: name,
        rate: 300,
        durationSeconds: 1.5,
        seed: 5,
        scenario: 'invalid-heavy',
        signal: new AbortController().signal,
        onProduced: (eventTimeMs) => {
          produced.push(eventTimeMs);
          if (order.at(-1) !== 'produced') order.push('produced');
        },
        onStarted: () => order.push('started'),
      },
      ledger,
    );
    const onStream = await aws.readStream(name);
    // Assess
    const { ids, unparsable } = idsOn(onStream);
    expect(ledger.valid.size).toBeGreaterThan(200);
    expect([...ledger.valid.keys()].sort()).toEqual(
      ids.filter((id) => ledger.valid.has(id)).sort(),
    );
    expect(onStream.length).toBe(ledger.valid.size + ledger.invalid);
    expect(ledger.invalid).toBeGreaterThan(0);
    expect(ids.length + unparsable).toBe(onStream.length);
    expect(ledger.rejected).toBe(0);
    expect(ledger.sentAt.size).toBe(ledger.valid.size);
    expect(produced).toHaveLength(ledger.valid.size);
    // Started once, before the first settled record.
    expect(order).toEqual(['started', 'produced']);
    expect(ledger.lastEventMs).toBeGreaterThanOrEqual(ledger.firstEventMs);
  });

  it('ramps up over rampSeconds before the duration at the full rate', async () => {
    // Prepare: 2 s ramp to 400/s, then 1 s at 400/s: 400 + 400 records expected, 100 of them in
    // the ramp's first second (the rate's integral grows as t²).
    const { aws, name } = await freshStream(1);
    const bundle = await bundleHandler(feedWorkerEntry(), bundleDir);
    const ledger = newLedger();
    // Act
    await feedInWorker(
      {
        env: aws.env,
        bundle,
        streamName: name,
        rate: 400,
        rampSeconds: 2,
        durationSeconds: 1,
        seed: 3,
        scenario: 'steady',
        timeScale: 1,
        signal: new AbortController().signal,
      },
      ledger,
    );
    // Assess: Poisson sd ≈ 28 and 10.
    const offsets = [...ledger.valid.values()].map((v) => v.timeMs - ledger.firstEventMs);
    expect(offsets.length).toBeGreaterThan(800 - 120);
    expect(offsets.length).toBeLessThan(800 + 120);
    const firstSecond = offsets.filter((o) => o < 1_000).length;
    expect(firstSecond).toBeGreaterThan(100 - 45);
    expect(firstSecond).toBeLessThan(100 + 45);
    expect(Math.max(...offsets)).toBeGreaterThan(2_500);
    expect(Math.max(...offsets)).toBeLessThan(3_000);
  });

  it('stops when the signal aborts, having accounted for every record it sent', async () => {
    // Prepare
    const { aws, name } = await freshStream(1);
    const bundle = await bundleHandler(feedWorkerEntry(), bundleDir);
    const ledger = newLedger();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1_500);
    const started = Date.now();
    // Act
    await feedInWorker(
      {
        env: aws.env,
        bundle,
        streamName: name,
        rate: 200,
        seed: 2,
        scenario: 'steady',
        signal: controller.signal,
      },
      ledger,
    );
    const onStream = await aws.readStream(name);
    // Assess
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(ledger.valid.size).toBeGreaterThan(0);
    expect(onStream.length).toBe(ledger.valid.size + ledger.invalid);
    expect(new Set(idsOn(onStream).ids)).toEqual(new Set(ledger.valid.keys()));
  });
});
