import { Client } from '@opensearch-project/opensearch';
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

/** OpenSearch: an in-process REST stand-in (see server.ts and the README's OpenSearch section). */
export const opensearchPlugin: StandInPlugin = {
  name: 'opensearch',
  async start(ctx) {
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
        setFaults: server.setFaults,
        stats: server.stats,
      },
      stop: () => server.stop(),
    };
  },
};
