import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Client } from '@opensearch-project/opensearch';
import { type OpenSearchServer, startOpenSearchServer } from '../../src/opensearch/index.js';

// Its own in-process stand-in (not the shared one): these tests reset it and inject faults.
let server: OpenSearchServer;
let client: Client;

beforeAll(async () => {
  server = await startOpenSearchServer();
  client = new Client({ node: server.endpoint });
});
afterAll(async () => {
  await client.close();
  await server.stop();
});
beforeEach(async () => {
  server.reset();
  await client.indices.putIndexTemplate({
    name: 'events',
    body: {
      index_patterns: ['events-*'],
      template: {
        settings: { 'index.mapping.total_fields.limit': 50, 'index.mapping.depth.limit': 3 },
        aliases: { events: {} },
        mappings: {
          dynamic: 'true',
          properties: {
            message: { type: 'text' },
            level: { type: 'keyword' },
            service: { type: 'keyword' },
            time: { type: 'date' },
            value: { type: 'double' },
            dims: { type: 'flat_object' },
          },
        },
      },
    },
  });
});

const docs = [
  {
    id: 'a',
    message: 'Disk FULL on web-1',
    level: 'ERROR',
    service: 'api',
    time: '2026-01-01T00:00:00.000Z',
    value: 1,
  },
  {
    id: 'b',
    message: 'disk almost full',
    level: 'WARN',
    service: 'api',
    time: '2026-01-01T00:01:00.000Z',
    value: 5,
  },
  {
    id: 'c',
    message: 'user logged in',
    level: 'INFO',
    service: 'auth',
    time: '2026-01-01T00:02:00.000Z',
    value: 9,
  },
];

async function load(): Promise<void> {
  await client.bulk({
    body: docs.flatMap(({ id, ...d }) => [{ index: { _index: 'events-2026.01.01', _id: id } }, d]),
  });
}

const ids = (body: { hits: { hits: { _id: string }[] } }) => body.hits.hits.map((h) => h._id);

describe('OpenSearch stand-in through the real client', () => {
  it('reports a version and stores templates', async () => {
    // Act
    const info = await client.info();
    const template = await client.indices.getIndexTemplate({ name: 'events' });
    // Assess
    expect(info.body.version.number).toMatch(/^2\./);
    expect(template.body.index_templates[0]?.index_template.index_patterns).toEqual(['events-*']);
  });

  it('answers bulk per item: created, updated, 409 on create, 404 on delete, 400 on mapping conflicts', async () => {
    // Act
    const first = await client.bulk({
      body: [
        { index: { _index: 'events-2026.01.01', _id: 'x' } },
        { message: 'hi', level: 'INFO', time: '2026-01-01T00:00:00Z' },
        { index: { _index: 'events-2026.01.01', _id: 'x' } },
        { message: 'hi again', level: 'INFO', time: '2026-01-01T00:00:00Z' },
        { create: { _index: 'events-2026.01.01', _id: 'x' } },
        { message: 'dup' },
        { delete: { _index: 'events-2026.01.01', _id: 'nope' } },
        { index: { _index: 'events-2026.01.01', _id: 'bad-level' } },
        { level: { nested: true } },
        { index: { _index: 'events-2026.01.01', _id: 'bad-time' } },
        { time: 'yesterday' },
        { index: { _index: 'events-2026.01.01', _id: 'too-deep' } },
        { extra: { a: { b: { c: 1 } } } },
      ],
    });
    // Assess
    const statuses = first.body.items.map((i) => Object.values(i)[0]?.status);
    expect(first.body.errors).toBe(true);
    expect(statuses).toEqual([201, 200, 409, 404, 400, 400, 400]);
    const errorTypes = first.body.items.map((i) => Object.values(i)[0]?.error?.type);
    expect(errorTypes.slice(4)).toEqual([
      'mapper_parsing_exception',
      'mapper_parsing_exception',
      'illegal_argument_exception',
    ]);
    const got = await client.get({ index: 'events-2026.01.01', id: 'x' });
    expect(got.body._source).toMatchObject({ message: 'hi again' });
    expect(got.body._version).toBe(2);
  });

  it('injects per-item 429s for chosen ids and counts them', async () => {
    // Prepare
    server.setFaults({ reject: { ids: { b: 2 } }, mappingErrorIds: ['c'] });
    // Act
    const attempt = async () =>
      (
        await client.bulk({
          body: docs.flatMap(({ id, ...d }) => [
            { index: { _index: 'events-2026.01.01', _id: id } },
            d,
          ]),
        })
      ).body.items.map((i) => i.index?.status);
    const one = await attempt();
    const two = await attempt();
    const three = await attempt();
    // Assess
    expect([one, two, three]).toEqual([
      [201, 429, 400],
      [200, 429, 400],
      [200, 201, 400],
    ]);
    expect(server.stats()).toMatchObject({ injected429: 2, injectedMappingErrors: 3 });
  });

  it('searches with match, term, terms, range, bool, sort, size and from; counts', async () => {
    // Prepare
    await load();
    const search = async (body: Record<string, unknown>, index = 'events') =>
      ids((await client.search({ index, body })).body as never);
    // Act + Assess
    expect(
      await search({ query: { match: { message: 'disk' } }, sort: [{ time: 'asc' }] }),
    ).toEqual(['a', 'b']);
    expect(
      await search({ query: { match: { message: { query: 'DISK web', operator: 'and' } } } }),
    ).toEqual(['a']);
    expect(await search({ query: { term: { level: 'ERROR' } } })).toEqual(['a']);
    expect(await search({ query: { term: { level: 'error' } } })).toEqual([]);
    expect(await search({ query: { terms: { service: ['auth', 'x'] } } })).toEqual(['c']);
    expect(
      await search({ query: { range: { value: { gt: 1, lte: 9 } } }, sort: [{ value: 'desc' }] }),
    ).toEqual(['c', 'b']);
    expect(
      await search(
        { query: { range: { time: { gte: '2026-01-01T00:01:00Z' } } }, sort: [{ time: 'asc' }] },
        'events-*',
      ),
    ).toEqual(['b', 'c']);
    expect(
      await search({
        query: {
          bool: {
            filter: [{ term: { service: 'api' } }],
            must_not: [{ term: { level: 'WARN' } }],
            should: [{ match: { message: 'full' } }],
          },
        },
      }),
    ).toEqual(['a']);
    expect(
      await search({ query: { match_all: {} }, sort: [{ time: 'desc' }], size: 1, from: 1 }),
    ).toEqual(['b']);
    const count = await client.count({
      index: 'events',
      body: { query: { term: { service: 'api' } } },
    });
    expect(count.body.count).toBe(2);
    await client.indices.refresh({ index: 'events' });
  });
});

describe('OpenSearch stand-in request checks', () => {
  it('refuses a body without a supported Content-Type with 406, as OpenSearch does', async () => {
    // Prepare
    const ndjson = '{"index":{"_index":"events-2026.01.01","_id":"ct"}}\n{"level":"INFO"}\n';
    const post = (headers: Record<string, string>) =>
      fetch(`${server.endpoint}/_bulk`, { method: 'POST', headers, body: ndjson });
    // Act
    const plain = await post({ 'content-type': 'text/plain' });
    const missing = await fetch(`${server.endpoint}/_bulk`, {
      method: 'POST',
      body: new TextEncoder().encode(ndjson),
    });
    const ndjsonWithCharset = await post({ 'content-type': 'application/x-ndjson; charset=UTF-8' });
    // Assess
    expect(plain.status).toBe(406);
    expect(await plain.json()).toEqual({
      error: 'Content-Type header [text/plain] is not supported',
      status: 406,
    });
    expect(missing.status).toBe(406);
    expect(await missing.json()).toEqual({ error: 'Content-Type header is missing', status: 406 });
    expect(ndjsonWithCharset.status).toBe(200);
    expect(server.stats().created).toBe(1);
  });
});
