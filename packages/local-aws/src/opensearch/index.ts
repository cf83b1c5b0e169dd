import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeFolder, trackFolder } from '../internal/processes.js';
import type { StandInPlugin } from '../types.js';
import {
  type OpenSearchFaults,
  type OpenSearchFront,
  type OpenSearchStats,
  startOpenSearchFront,
} from './front.js';
import { type OpenSearchNode, startOpenSearchNode } from './node.js';

export {
  type OpenSearchFaults,
  type OpenSearchFront,
  type OpenSearchStats,
  openSearchStats,
  setOpenSearchFaults,
  startOpenSearchFront,
} from './front.js';
export {
  OPENSEARCH_JVM_FLAGS,
  type OpenSearchNode,
  type OpenSearchNodeOptions,
  openSearchHome,
  startOpenSearchNode,
} from './node.js';

/** A real OpenSearch node with the fault front before it (see {@link startOpenSearchServer}). */
export interface OpenSearchServer {
  /** The front's URL: what clients use. */
  readonly endpoint: string;
  /** The node's own URL (no faults). */
  readonly nodeEndpoint: string;
  readonly node: OpenSearchNode;
  setFaults(faults: OpenSearchFaults | undefined): void;
  stats(): OpenSearchStats;
  stop(): Promise<void>;
}

/** Options of {@link startOpenSearchServer}. */
export interface OpenSearchServerOptions {
  readonly faults?: OpenSearchFaults;
  readonly log?: (message: string) => void;
  /** Folder for the node's data (default: a temp folder, removed on stop). */
  readonly dataDir?: string;
}

async function startNodeAndFront(
  dataDir: string,
  log: (message: string) => void,
  faults?: OpenSearchFaults,
): Promise<{ node: OpenSearchNode; front: OpenSearchFront }> {
  const node = await startOpenSearchNode({ dataDir, log });
  try {
    return { node, front: await startOpenSearchFront(node.endpoint, { faults }) };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

/**
 * Starts a real OpenSearch node (docs/local-opensearch.md) and the fault front before it, both on
 * ephemeral ports of 127.0.0.1, outside `startLocalAws` (benchmarks, scripts).
 */
export async function startOpenSearchServer(
  options: OpenSearchServerOptions = {},
): Promise<OpenSearchServer> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'streamlens-opensearch-'));
  if (ownsDir) trackFolder(dataDir);
  try {
    const { node, front } = await startNodeAndFront(
      dataDir,
      options.log ?? (() => {}),
      options.faults,
    );
    return {
      endpoint: front.endpoint,
      nodeEndpoint: node.endpoint,
      node,
      setFaults: front.setFaults,
      stats: front.stats,
      async stop() {
        await front.stop();
        await node.stop();
        if (ownsDir) removeFolder(dataDir);
      },
    };
  } catch (error) {
    if (ownsDir) removeFolder(dataDir);
    throw error;
  }
}

/**
 * OpenSearch: a real OpenSearch node, started from its Maven artifacts, behind the fault front
 * (`OPENSEARCH_ENDPOINT` is the front's URL). `STREAMLENS_OPENSEARCH_FAULTS=off` (what `pnpm
 * start` sets) leaves the front out: clients talk to the node itself.
 */
export const opensearchPlugin: StandInPlugin = {
  name: 'opensearch',
  async start(ctx) {
    if (process.env.STREAMLENS_OPENSEARCH_FAULTS === 'off') {
      const node = await startOpenSearchNode({ dataDir: ctx.dataDir, log: ctx.log });
      return {
        endpoint: node.endpoint,
        env: { OPENSEARCH_ENDPOINT: node.endpoint },
        details: {
          engine: `OpenSearch ${node.version}`,
          pid: node.pid,
          startMs: node.startMs,
          rssBytes: node.rssBytes,
        },
        stop: () => node.stop(),
      };
    }
    const { node, front } = await startNodeAndFront(ctx.dataDir, ctx.log);
    let stopped = false;
    return {
      endpoint: front.endpoint,
      env: { OPENSEARCH_ENDPOINT: front.endpoint },
      details: {
        engine: `OpenSearch ${node.version} behind the fault front`,
        pid: node.pid,
        startMs: node.startMs,
        nodeEndpoint: node.endpoint,
        rssBytes: node.rssBytes,
        setFaults: front.setFaults,
        stats: front.stats,
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await front.stop();
        await node.stop();
      },
    };
  },
};
