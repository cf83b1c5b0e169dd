import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  type OpenSearchFront,
  openSearchStats,
  setOpenSearchFaults,
  startOpenSearchFront,
} from '../../src/opensearch/front.js';

// The front before a recording upstream that answers `_bulk` the way OpenSearch does (one item per
// action, `created`), so what the front forwards, injects and splices can be checked exactly.
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
const seen: Seen[] = [];
let upstream: Server;
let front: OpenSearchFront;

function bulkAnswer(body: string) {
  const items = body
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      let action: Record<string, { _index?: string; _id?: string }>;
      try {
        action = JSON.parse(line);
      } catch {
        return [];
      }
      const [op, meta] = Object.entries(action)[0] ?? [];
      if (op === undefined || typeof meta !== 'object' || !('_id' in meta)) return [];
      return [{ [op]: { _index: meta._index, _id: meta._id, result: 'created', status: 201 } }];
    });
  return { took: 3, errors: false, items };
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const answer = req.url?.includes('_bulk') ? bulkAnswer(body) : { upstream: true };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  const { port } = upstream.address() as AddressInfo;
  front = await startOpenSearchFront(`http://127.0.0.1:${port}`);
});

afterAll(async () => {
  await front.stop();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  front.reset();
});

const ndjson = (...lines: unknown[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
const doc = (id: string, index = 'events-1') => [{ index: { _index: index, _id: id } }, { id }];

async function bulk(body: string, path = '/_bulk') {
  const res = await fetch(`${front.endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type Item = Record<
  string,
  { _id?: string; _index?: string; status: number; error?: { type: string } }
>;
const statuses = (body: Record<string, unknown>) =>
  (body.items as Item[]).map((item) => {
    const [op, r] = Object.entries(item)[0]!;
    return `${op}:${r._id}:${r.status}`;
  });

describe('OpenSearch fault front', () => {
  it('passes requests through unchanged while no fault is set', async () => {
    // Prepare
    const body = ndjson(...doc('a'), ...doc('b'));
    // Act
    const res = await bulk(body);
    const get = await fetch(`${front.endpoint}/events-1/_doc/a?x=1`);
    // Assess
    expect(statuses(res.body)).toEqual(['index:a:201', 'index:b:201']);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /_bulk',
      'GET /events-1/_doc/a?x=1',
    ]);
    expect(seen[0]!.body).toBe(body);
    expect(await get.json()).toEqual({ upstream: true });
    expect(front.stats()).toMatchObject({ requests: 2, bulkRequests: 1, bulkItems: 0 });
  });

  it('answers rejected items with 429 itself, forwards only the others, and keeps item order', async () => {
    // Prepare
    front.setFaults({ reject: { ids: { b: 2, d: 1 } } });
    const body = ndjson(
      ...doc('a'),
      ...doc('b'),
      { delete: { _index: 'events-1', _id: 'c' } },
      ...doc('d'),
    );
    // Act
    const first = await bulk(body);
    const second = await bulk(body);
    const third = await bulk(body);
    // Assess
    expect(statuses(first.body)).toEqual([
      'index:a:201',
      'index:b:429',
      'delete:c:201',
      'index:d:429',
    ]);
    expect(first.body.errors).toBe(true);
    expect(seen[0]!.body).toBe(ndjson(...doc('a'), { delete: { _index: 'events-1', _id: 'c' } }));
    expect(statuses(second.body)).toEqual([
      'index:a:201',
      'index:b:429',
      'delete:c:201',
      'index:d:201',
    ]);
    expect(statuses(third.body)).toEqual([
      'index:a:201',
      'index:b:201',
      'delete:c:201',
      'index:d:201',
    ]);
    expect(third.body.errors).toBe(false);
    const rejected = (first.body.items as Item[])[1]!.index!;
    expect(rejected).toMatchObject({
      _index: 'events-1',
      error: { type: 'es_rejected_execution_exception' },
    });
    expect(front.stats()).toMatchObject({ bulkRequests: 3, bulkItems: 12, injected429: 3 });
  });

  it('names the index of the path in an item it rejects from /<index>/_bulk', async () => {
    // Prepare
    front.setFaults({ reject: { ids: ['x'] } });
    const body = ndjson({ create: { _id: 'x' } }, { id: 'x' });
    // Act
    const res = await bulk(body, '/logs-2026.01.01/_bulk');
    // Assess
    expect((res.body.items as Item[])[0]).toMatchObject({
      create: { _index: 'logs-2026.01.01', _id: 'x', status: 429 },
    });
    expect(seen).toHaveLength(0);
  });

  it('rejects the same items on every run with the same seed', async () => {
    // Prepare
    const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const body = ndjson(...ids.flatMap((id) => doc(id)));
    const rejectedIds = async () => {
      front.setFaults({ reject: { probability: 0.3, times: 8 }, seed: 7 });
      const res = await bulk(body);
      return statuses(res.body).filter((s) => s.endsWith(':429'));
    };
    // Act
    const first = await rejectedIds();
    const second = await rejectedIds();
    // Assess
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThanOrEqual(8);
    expect(second).toEqual(first);
  });

  it('refuses whole _bulk requests the given number of times, then forwards again', async () => {
    // Prepare
    front.setFaults({ bulkRequestError: { status: 503, times: 2 } });
    const body = ndjson(...doc('a'));
    // Act
    const answers = [await bulk(body), await bulk(body), await bulk(body)];
    // Assess
    expect(answers.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(answers[0]!.body).toMatchObject({
      status: 503,
      error: { type: 'es_rejected_execution_exception' },
    });
    expect(seen).toHaveLength(1);
    expect(front.stats().injectedRequestErrors).toBe(2);
  });

  it('is controlled over HTTP from another process: faults, stats, clearing', async () => {
    // Prepare
    await setOpenSearchFaults(front.endpoint, { reject: { ids: ['z'] } });
    // Act
    const rejected = await bulk(ndjson(...doc('z')));
    const stats = await openSearchStats(front.endpoint);
    await setOpenSearchFaults(front.endpoint, undefined);
    const passed = await bulk(ndjson(...doc('z')));
    // Assess
    expect(statuses(rejected.body)).toEqual(['index:z:429']);
    expect(stats.injected429).toBe(1);
    expect(statuses(passed.body)).toEqual(['index:z:201']);
  });

  it('forwards a body it cannot read as _bulk items as it is, for the node to refuse', async () => {
    // Prepare
    front.setFaults({ reject: { ids: ['a'] } });
    const body = '{"index":{"_id":"a"}}\nnot json at all\n{"index":\n';
    // Act
    await bulk(body);
    // Assess
    expect(seen.map((s) => s.body)).toEqual([body]);
  });
});
