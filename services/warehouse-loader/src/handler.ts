import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import {
  clientConfig,
  createObservability,
  deadlineFromContext,
  lambdaHandler,
} from '@streamlens/lambda-kit';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { copyRoleArnFor, loadConfig } from './config.js';
import { loadBatch } from './loader.js';

// Built once per container: configuration (fails fast at cold start), observability, client.
const config = loadConfig();
const { logger, metrics } = createObservability('warehouse-loader');
const client = new RedshiftDataClient(clientConfig({ maxAttempts: 3 }));

/** SQS (S3 object-created notifications of the lake) → Redshift, idempotent (see README). */
export const handler = lambdaHandler(
  async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
    const deadline = deadlineFromContext(context, config.deadlineSafetyMs);
    const copyRoleArn =
      config.copyRoleArn || copyRoleArnFor(config.copyRoleName, context.invokedFunctionArn);
    const { response, outcomes } = await loadBatch(
      event,
      client,
      { ...config, copyRoleArn },
      deadline,
      {
        info: (message, extra) => logger.info(message, extra ?? {}),
        warn: (message, extra) => logger.warn(message, extra ?? {}),
        error: (message, extra) => logger.error(message, extra ?? {}),
      },
    );
    const objects = outcomes.flatMap((o) => o.objects);
    metrics.addMetric(
      'ObjectsLoaded',
      'Count',
      objects.filter((o) => o.status === 'loaded').length,
    );
    metrics.addMetric(
      'ObjectsSkipped',
      'Count',
      objects.filter((o) => o.status === 'skipped').length,
    );
    metrics.addMetric(
      'ObjectsFailed',
      'Count',
      objects.filter((o) => o.status === 'failed').length,
    );
    metrics.addMetric('MessagesFailed', 'Count', response.batchItemFailures.length);
    return response;
  },
  { logger, metrics },
);
