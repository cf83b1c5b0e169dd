/**
 * Runs a local OpenSearch node (with its fault front) on 127.0.0.1 until Ctrl-C, for `serverless invoke local` and manual
 * queries: `pnpm exec tsx scripts/stand-in.ts [port-file]` prints `OPENSEARCH_ENDPOINT=http://...`.
 * With a path argument it also writes the endpoint there (for scripts that start it in the background).
 */
import { writeFileSync } from 'node:fs';
import { startOpenSearchServer } from '@streamlens/local-aws';

const server = await startOpenSearchServer({
  log: (m) => process.stderr.write(`[opensearch] ${m}\n`),
});
process.stdout.write(`OPENSEARCH_ENDPOINT=${server.endpoint}\n`);
if (process.argv[2]) writeFileSync(process.argv[2], server.endpoint);
const stop = () => {
  void server.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
