import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Client } from '@opensearch-project/opensearch';
import { openSearchStats, setOpenSearchFaults, startLocalAws } from '../../src/index.js';
import { waitFor } from '../../src/internal/wait.js';
import { isAlive } from '../helpers/processes.js';

// The shared node of the integration run (global setup): a real OpenSearch node behind the fault
// front. Index names are this file's own; faults are set only on a node of this file's own (the
// front's faults are global, and other files use the shared one).
const endpoint = process.env.OPENSEARCH_ENDPOINT as string;
const client = new Client({ node: endpoint });
const index = `local-aws-os-${process.pid}`;

afterAll(async () => {
  await client.close();
});

describe('the opensearch service: a real OpenSearch node behind the fault front', () => {
  it('is OpenSearch 2.19.6 itself, on 127.0.0.1, its cluster green or yellow', async () => {
    // Act
    const info = await client.info();
    const health = await client.cluster.health();
    // Assess
    expect(new URL(endpoint).hostname).toBe('127.0.0.1');
    expect(info.body.version).toMatchObject({ distribution: 'opensearch', number: '2.19.6' });
    expect(['green', 'yellow']).toContain(health.body.status);
  });

  it('refuses a document that does not fit the mapping with OpenSearch’s own error', async () => {
    // Prepare
    await client.indices.create({
      index,
      body: { mappings: { properties: { code: { type: 'long' }, text: { type: 'text' } } } },
    });
    // Act
    const res = await client.bulk({
      refresh: true,
      body: [
        { index: { _index: index, _id: 'ok' } },
        { code: 7, text: 'Payment FAILED for order 17' },
        { index: { _index: index, _id: 'bad' } },
        { code: 'seven' },
      ],
    });
    const found = await client.search({
      index,
      body: { query: { match: { text: 'failed' } } },
    });
    // Assess
    const [ok, bad] = res.body.items.map((item) => item.index!);
    expect(ok).toMatchObject({ _id: 'ok', status: 201 });
    expect(bad).toMatchObject({
      _id: 'bad',
      status: 400,
      error: { type: 'mapper_parsing_exception' },
    });
    expect(bad!.error!.reason).toContain('failed to parse field [code] of type [long]');
    expect(found.body.hits.hits.map((h) => h._id)).toEqual(['ok']);
  });
});

describe('startLocalAws opensearch lifecycle', () => {
  it('starts a node of its own, injects 429s before it, and leaves no process behind on stop', async () => {
    // Prepare
    const aws = await startLocalAws({ services: ['opensearch'], quiet: true });
    const own = aws.env.OPENSEARCH_ENDPOINT as string;
    const details = aws.details.opensearch ?? {};
    const pid = details.pid as number;
    const nodeEndpoint = details.nodeEndpoint as string;
    const ownClient = new Client({ node: own });
    const rss = (details.rssBytes as () => number | undefined)();
    // Act: r2 is refused by the front; r1 and r3 reach the node
    await setOpenSearchFaults(own, { reject: { ids: ['r2'] } });
    const res = await ownClient.bulk({
      refresh: true,
      body: ['r1', 'r2', 'r3'].flatMap((id) => [{ index: { _index: 'own', _id: id } }, { n: 1 }]),
    });
    const written = await ownClient.search({ index: 'own', body: { query: { match_all: {} } } });
    const stats = await openSearchStats(own);
    await ownClient.close();
    const aliveWhileRunning = isAlive(pid);
    await aws.stop();
    // Assess
    expect(res.body.items.map((item) => item.index?.status)).toEqual([201, 429, 201]);
    expect(written.body.hits.hits.map((h) => h._id).sort()).toEqual(['r1', 'r3']);
    expect(stats.injected429).toBe(1);
    expect(new URL(nodeEndpoint).hostname).toBe('127.0.0.1');
    expect(nodeEndpoint).not.toBe(own);
    expect(rss).toBeGreaterThan(0);
    expect(aliveWhileRunning).toBe(true);
    expect(isAlive(pid)).toBe(false);
  });
});

describe('the OpenSearch node when its starter dies', () => {
  it('is gone, and its data folder too, after the starting process is SIGKILLed', async () => {
    // Prepare: a process that starts a node, reports the JVM's pid and data folder, and waits.
    const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
    const script = [
      `const { startOpenSearchServer } = await import(${JSON.stringify(index)});`,
      'const s = await startOpenSearchServer();',
      "process.stdout.write(JSON.stringify({ pid: s.node.pid, dir: s.node.dataDir }) + '\\n');",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const starter = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    starter.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const started = await waitFor(
      () => (out.includes('\n') ? (JSON.parse(out) as { pid: number; dir: string }) : undefined),
      { timeoutMs: 120_000, intervalMs: 200, what: 'the starter to report its node' },
    );
    const aliveBefore = isAlive(started.pid);
    // Act
    starter.kill('SIGKILL');
    // Assess
    await waitFor(() => !isAlive(started.pid), { timeoutMs: 20_000, what: 'the node to exit' });
    await waitFor(() => !existsSync(started.dir), { timeoutMs: 10_000, what: 'its folder to go' });
    expect(aliveBefore).toBe(true);
    expect(existsSync(started.dir)).toBe(false);
  });
});
