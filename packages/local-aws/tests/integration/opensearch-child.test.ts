import { describe, expect, it } from '@jest/globals';
import { Client } from '@opensearch-project/opensearch';
import { openSearchStats, startLocalAws } from '../../src/index.js';
import { isAlive } from '../helpers/processes.js';

describe('OpenSearch stand-in in a child process', () => {
  it('serves the REST API from its own process with STREAMLENS_OPENSEARCH_PROCESS=child and dies on stop', async () => {
    // Prepare
    const saved = process.env.STREAMLENS_OPENSEARCH_PROCESS;
    process.env.STREAMLENS_OPENSEARCH_PROCESS = 'child';
    const aws = await startLocalAws({ services: ['opensearch'], quiet: true }).finally(() => {
      if (saved === undefined) delete process.env.STREAMLENS_OPENSEARCH_PROCESS;
      else process.env.STREAMLENS_OPENSEARCH_PROCESS = saved;
    });
    const pid = aws.details.opensearch?.pid as number;
    const endpoint = aws.env.OPENSEARCH_ENDPOINT as string;
    const client = new Client({ node: endpoint });
    // Act
    await client.index({ index: 'docs', id: 'a', body: { level: 'ERROR', n: 1 }, refresh: true });
    await client.index({ index: 'docs', id: 'b', body: { level: 'INFO', n: 2 }, refresh: true });
    const found = await client.search({
      index: 'docs',
      body: { query: { match: { level: 'ERROR' } } },
    });
    const stats = await openSearchStats(endpoint);
    const aliveWhileRunning = isAlive(pid);
    await client.close();
    await aws.stop();
    // Assess
    expect(aws.details.opensearch?.process).toBe('child');
    expect(pid).not.toBe(process.pid);
    expect(aliveWhileRunning).toBe(true);
    expect(found.body.hits.hits.map((h) => (h as { _id?: string })._id)).toEqual(['a']);
    expect(stats.created).toBe(2);
    expect(isAlive(pid)).toBe(false);
  });
});
