/**
 * Full-text search of indexed events: `pnpm exec tsx scripts/search.ts "card declined" [level]`
 * against OPENSEARCH_ENDPOINT (signed on AWS, plain on localhost). Prints one line per hit, newest first.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { createOpenSearchClient } from '../src/client.js';

const endpoint = process.env.OPENSEARCH_ENDPOINT;
if (!endpoint) {
  process.stderr.write('OPENSEARCH_ENDPOINT is not set\n');
  process.exit(2);
}
const [text, level] = process.argv.slice(2);
const client = createOpenSearchClient({
  endpoint,
  region: process.env.AWS_REGION ?? 'us-east-1',
  service: 'es',
  signing: 'auto',
  requestTimeoutMs: 30_000,
  // Your credentials, wherever the SDK's chain finds them (profile, SSO, environment).
  credentials: defaultProvider(),
});
const must = text ? [{ match: { message: text } }] : [{ match_all: {} }];
const filter = level ? [{ term: { level } }] : [];
const res = await client.search(process.env.INDEX_PREFIX ?? 'events', {
  query: { bool: { must, filter } },
  sort: [{ time: 'desc' }],
  size: 50,
});
const hits = res.body.hits.hits;
for (const h of hits) {
  const s = h._source;
  process.stdout.write(
    `${s.time} ${s.level ?? s.type} ${s.service ?? s.subject ?? ''} ${s.message ?? ''} (${h._id})\n`,
  );
}
process.stdout.write(`${hits.length} hit(s)\n`);
await client.close();
