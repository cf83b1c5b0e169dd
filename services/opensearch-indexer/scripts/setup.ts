/**
 * Applies the index template and the ISM retention policy to the domain at OPENSEARCH_ENDPOINT
 * (SigV4-signed with your AWS credentials unless the endpoint is on localhost):
 *   OPENSEARCH_ENDPOINT=https://search-... AWS_REGION=eu-west-1 pnpm exec tsx scripts/setup.ts [retentionDays]
 * Idempotent. A domain the stack creates (createDomain: true) gets both from the SearchSetup custom
 * resource at deploy; run this for an existing domain, and after changing template.ts.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { createOpenSearchClient } from '../src/client.js';
import { ensureIndexTemplate, ensureRetentionPolicy, templateName } from '../src/template.js';

const endpoint = process.env.OPENSEARCH_ENDPOINT;
if (!endpoint) {
  process.stderr.write('OPENSEARCH_ENDPOINT is not set\n');
  process.exit(2);
}
const prefix = process.env.INDEX_PREFIX ?? 'events';
const retentionDays = Number(process.argv[2] ?? process.env.RETENTION_DAYS ?? 30);
const client = createOpenSearchClient({
  endpoint,
  region: process.env.AWS_REGION ?? 'us-east-1',
  service: process.env.OPENSEARCH_SERVICE === 'aoss' ? 'aoss' : 'es',
  signing: 'auto',
  requestTimeoutMs: 30_000,
  // Your credentials, wherever the SDK's chain finds them (profile, SSO, environment).
  credentials: defaultProvider(),
});
await ensureIndexTemplate(client, prefix);
await ensureRetentionPolicy(client, prefix, retentionDays);
process.stdout.write(
  `applied index template and ISM policy ${templateName(prefix)} (delete after ${retentionDays} days)\n`,
);
await client.close();
