import { describe, expect, it } from '@jest/globals';
import { appLog } from '@streamlens/schema/testing';
import { bulkIndex, planBatches, toBulkItem } from '../../src/bulk.js';
import { indexNameFor, toIndexDoc } from '../../src/document.js';
import { BulkRequestError } from '../../src/errors.js';
import { fakeBulk } from '../helpers/fake-bulk.js';

const noSleep = async () => undefined;
const items = (n: number, message = 'm') =>
  Array.from({ length: n }, (_, i) =>
    toBulkItem(toIndexDoc(appLog({ id: `e${i}`, data: { message } }), 'events')),
  );

describe('toIndexDoc / indexNameFor', () => {
  it('routes by the UTC day of the event time and lifts the log fields', () => {
    // Act
    const doc = toIndexDoc(
      appLog({
        id: 'a',
        time: '2026-03-01T01:30:00.000+02:00',
        subject: 'order-1',
        data: { level: 'ERROR', message: 'boom' },
      }),
      'events',
    );
    // Assess
    expect(doc.index).toBe('events-2026.02.28');
    expect(doc.id).toBe('a');
    expect(doc.source).toMatchObject({
      id: 'a',
      type: 'app.log',
      subject: 'order-1',
      level: 'ERROR',
      message: 'boom',
      service: 'checkout',
    });
    expect(indexNameFor('logs', '2026-12-31T23:59:59.999Z')).toBe('logs-2026.12.31');
  });

  it('uses the event id as _id with an index action (redelivery overwrites)', () => {
    // Act
    const item = toBulkItem(toIndexDoc(appLog({ id: 'evt-1' }), 'events'));
    // Assess
    const [action, source] = item.ndjson.split('\n');
    expect(JSON.parse(action!)).toEqual({ index: { _index: 'events-2026.01.01', _id: 'evt-1' } });
    expect(JSON.parse(source!).id).toBe('evt-1');
    expect(item.bytes).toBe(Buffer.byteLength(item.ndjson));
  });
});

describe('planBatches', () => {
  it('bounds every request by count and bytes, keeps order, sends an oversize item alone', () => {
    // Prepare
    const small = items(7);
    const big = toBulkItem(
      toIndexDoc(appLog({ id: 'big', data: { message: 'x'.repeat(5000) } }), 'events'),
    );
    const all = [...small.slice(0, 3), big, ...small.slice(3)];
    const maxBytes = small[0]!.bytes * 3;
    // Act
    const batches = planBatches(all, { maxDocs: 2, maxBytes });
    // Assess
    expect(batches.flat()).toEqual(all);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(2);
      if (b.length > 1) expect(b.reduce((n, i) => n + i.bytes, 0)).toBeLessThanOrEqual(maxBytes);
    }
    expect(batches.find((b) => b.includes(big))).toEqual([big]);
    expect(
      planBatches(small, { maxDocs: 1000, maxBytes: small[0]!.bytes * 2 }).map((b) => b.length),
    ).toEqual([2, 2, 2, 1]);
  });
});

describe('bulkIndex', () => {
  it('retries only the items answered 429 and reports 4xx with their reason, unretried', async () => {
    // Prepare
    const fake = fakeBulk((id, attempt) =>
      id === 'e1' && attempt <= 2 ? 429 : id === 'e2' ? 400 : undefined,
    );
    // Act
    const r = await bulkIndex(items(4), fake.send, { sleep: noSleep });
    // Assess
    expect(r.indexed.map((d) => d.id).sort()).toEqual(['e0', 'e1', 'e3']);
    expect(r.rejected).toEqual([
      expect.objectContaining({
        status: 400,
        type: 'mapper_parsing_exception',
        reason: 'injected 400',
      }),
    ]);
    expect(r.rejected[0]!.doc.id).toBe('e2');
    expect(r.unfinished).toEqual([]);
    expect(fake.requests).toEqual([['e0', 'e1', 'e2', 'e3'], ['e1'], ['e1']]);
    expect(r.retriedItems).toBe(2);
  });

  it('leaves still-throttled items unfinished after maxAttempts, with the last reason', async () => {
    // Prepare
    const fake = fakeBulk((id) => (id === 'e0' ? 429 : undefined));
    // Act
    const r = await bulkIndex(items(2), fake.send, { sleep: noSleep, maxAttempts: 3 });
    // Assess
    expect(r.indexed.map((d) => d.id)).toEqual(['e1']);
    expect(r.unfinished.map((u) => u.doc.id)).toEqual(['e0']);
    expect(r.unfinished[0]!.reason).toMatch(
      /gave up after 3 attempts.*429 es_rejected_execution_exception/,
    );
    expect(fake.attempts.get('e0')).toBe(3);
  });

  it('stops at the deadline instead of sleeping past it', async () => {
    // Prepare
    let clock = 1_000;
    const fake = fakeBulk(() => 429);
    // Act
    const r = await bulkIndex(items(3), fake.send, {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      random: () => 0.99,
      baseDelayMs: 400,
      deadline: 1_500,
      maxAttempts: 50,
    });
    // Assess
    expect(r.unfinished.map((u) => u.doc.id)).toEqual(['e0', 'e1', 'e2']);
    expect(r.unfinished[0]!.reason).toMatch(/deadline/);
    expect(clock).toBeLessThan(1_500);
  });

  it('retries a whole request answered 429 and gives up at once on a non-retryable one', async () => {
    // Prepare
    const throttled = fakeBulk(undefined, (n) => (n === 1 ? 429 : undefined));
    const broken = fakeBulk(undefined, () => 400);
    // Act
    const a = await bulkIndex(items(2), throttled.send, { sleep: noSleep });
    const b = await bulkIndex(items(2), broken.send, { sleep: noSleep });
    // Assess
    expect(a.indexed.map((d) => d.id)).toEqual(['e0', 'e1']);
    expect(throttled.requests.length).toBe(2);
    expect(b.unfinished.map((u) => u.doc.id)).toEqual(['e0', 'e1']);
    expect(broken.requests.length).toBe(1);
    expect(new BulkRequestError('x', 400, false).name).toBe('BulkRequestError');
  });

  it('splits into several requests by count', async () => {
    // Prepare
    const fake = fakeBulk();
    // Act
    const r = await bulkIndex(items(5), fake.send, { maxDocs: 2 });
    // Assess
    expect(fake.requests.map((q) => q.length)).toEqual([2, 2, 1]);
    expect(r.requests).toBe(3);
    expect(r.indexed).toHaveLength(5);
  });
});
