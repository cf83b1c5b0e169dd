import { fileURLToPath } from 'node:url';
import { Client } from '@opensearch-project/opensearch';
import { StandInStartError } from '../errors.js';
import { forkStandIn } from '../internal/child.js';
import { isNotListeningYet, waitFor } from '../internal/wait.js';
import type { StandInPlugin } from '../types.js';
import { startOpenSearchServer } from './server.js';

export { type FieldMapping, type MappingFailure, parseDate } from './mapping.js';
export { analyze, QueryError, runQuery, type SearchDoc } from './query.js';
export {
  OPENSEARCH_STANDIN_VERSION,
  type OpenSearchFaults,
  type OpenSearchServer,
  type OpenSearchServerOptions,
  type OpenSearchStats,
  openSearchStats,
  setOpenSearchFaults,
  startOpenSearchServer,
} from './server.js';
export { type IndexTemplate, matchesPattern, Store } from './store.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./child.ts', import.meta.url));
/** The package folder: the child resolves `tsx` from here (the workspace root's devDependency). */
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Start the stand-in in a child Node process with tsx's loader (it is TypeScript); its endpoint
 * and how to stop it. Faults and stats are reached over HTTP there (`setOpenSearchFaults`,
 * `openSearchStats`).
 */
async function startChild(
  log: (message: string) => void,
): Promise<{ endpoint: string; pid: number; stop(): Promise<void> }> {
  const forked = await forkStandIn({
    service: 'opensearch',
    engine: 'child',
    script: CHILD_SCRIPT,
    cwd: PACKAGE_DIR,
    execArgv: ['--import', 'tsx'],
    log,
  });
  return { endpoint: forked.endpoint, pid: forked.child.pid ?? 0, stop: () => forked.stop() };
}

/**
 * OpenSearch: the REST stand-in (see server.ts and the README's OpenSearch section), in this
 * process by default; in a child process of its own with `STREAMLENS_OPENSEARCH_PROCESS=child`
 * (what `pnpm start` uses, so that indexing does not load the harness's event loop).
 */
export const opensearchPlugin: StandInPlugin = {
  name: 'opensearch',
  async start(ctx) {
    if (process.env.STREAMLENS_OPENSEARCH_PROCESS === 'child') {
      const child = await startChild(ctx.log);
      const client = new Client({ node: child.endpoint });
      try {
        await waitFor(() => client.info(), {
          timeoutMs: 10_000,
          retryIf: isNotListeningYet,
          what: 'opensearch GET /',
        });
      } catch (error) {
        await child.stop();
        throw new StandInStartError('opensearch', 'not ready', { cause: error });
      } finally {
        await client.close();
      }
      let stopped = false;
      return {
        endpoint: child.endpoint,
        env: { OPENSEARCH_ENDPOINT: child.endpoint },
        details: {
          engine: 'streamlens OpenSearch stand-in (REST subset)',
          process: 'child',
          pid: child.pid,
        },
        async stop() {
          if (stopped) return;
          stopped = true;
          await child.stop();
        },
      };
    }
    const server = await startOpenSearchServer({ log: ctx.log });
    // Readiness through the real client, as the functions will talk to it.
    const client = new Client({ node: server.endpoint });
    try {
      await waitFor(() => client.info(), {
        timeoutMs: 10_000,
        retryIf: isNotListeningYet,
        what: 'opensearch GET /',
      });
    } finally {
      await client.close();
    }
    return {
      endpoint: server.endpoint,
      env: { OPENSEARCH_ENDPOINT: server.endpoint },
      details: {
        engine: 'streamlens OpenSearch stand-in (REST subset)',
        process: 'in-process',
        setFaults: server.setFaults,
        stats: server.stats,
      },
      stop: () => server.stop(),
    };
  },
};
