import { customResourceHandler } from '@streamlens/lambda-kit/custom-resource';
import { createOpenSearchClient } from './client.js';
import { ensureIndexTemplate, ensureRetentionPolicy, templateName } from './template.js';

/**
 * The domain's post-deploy set-up, as a CloudFormation custom resource (serverless.yml,
 * `SearchSetup`): the index template and the ISM retention policy for the index prefix, on create
 * and whenever prefix, retention or endpoint change. Both are idempotent PUTs (the policy is
 * updated in place when it exists), so a repeat is harmless; Delete leaves them and the indices.
 */
export const handler = customResourceHandler(async (props) => {
  const endpoint = String(props.Endpoint ?? '');
  const prefix = String(props.IndexPrefix ?? '');
  const retentionDays = Number(props.RetentionDays);
  if (!endpoint || !prefix || !(Number.isInteger(retentionDays) && retentionDays > 0)) {
    throw new Error(
      'SearchSetup needs Endpoint, IndexPrefix and RetentionDays (a whole number > 0)',
    );
  }
  const client = createOpenSearchClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    service: 'es',
    signing: 'auto',
    requestTimeoutMs: 30_000,
    // Signed with the function's role: the client's default, the environment as lambda-kit reads it.
  });
  try {
    await ensureIndexTemplate(client, prefix);
    await ensureRetentionPolicy(client, prefix, retentionDays);
  } finally {
    await client.close();
  }
  return {
    physicalResourceId: `search-setup-${prefix}`,
    data: { Policy: templateName(prefix) },
  };
});
